#include "oyster/selftest/ssh_fingerprint.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "oyster/common/error.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"

namespace oyster {

namespace {

SshToolReport not_ran(std::string why) {
    SshToolReport r;
    r.why = std::move(why);
    return r;
}

// Runs a tool; exit statuses in `ok` count as a report.
std::optional<std::string> run_tool(const std::vector<std::string>& argv, std::initializer_list<int> ok,
                                    std::string& why) {
    CommandResult r;
    try {
        r = run_capture(argv, {}, ChildStderr::discard);
    } catch (const Error& e) {
        why = e.what();
        return std::nullopt;
    }
    if (r.exit_code == 127) {
        why = fmt::format("{} is not installed on the host", argv[0]);
        return std::nullopt;
    }
    if (std::find(ok.begin(), ok.end(), r.exit_code) == ok.end()) {
        why = fmt::format("{} exited {}", argv[0], r.exit_code);
        return std::nullopt;
    }
    return std::move(r.stdout_text);
}

// Runs of blanks as one space, none at the ends.
std::string collapse_spaces(std::string_view line) {
    std::string out;
    bool space = false;
    for (char c : line) {
        if (c == ' ' || c == '\t') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

bool all_of(std::string_view s, std::string_view allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

// "22/tcp open ssh ..." -> "PORT/tcp open ssh ...": the port is the server's.
std::optional<std::string> port_line(std::string_view line) {
    auto slash = line.find("/tcp ");
    if (slash == std::string_view::npos || !all_of(line.substr(0, slash), "0123456789")) return std::nullopt;
    return "PORT" + std::string(line.substr(slash));
}

// "| 256 <fingerprint> (ECDSA)" -> "| 256 (ECDSA)": the fingerprint is the
// server's own, its size and type are not.
std::optional<std::string> host_key_line(std::string_view line) {
    // The line has single spaces only (collapse_spaces).
    auto fields = split_on(line, ' ');
    if (fields.size() != 4 || (fields[0] != "|" && fields[0] != "|_") || !all_of(fields[1], "0123456789") ||
        !fields[3].starts_with('(') || !fields[3].ends_with(')')) {
        return std::nullopt;
    }
    bool fingerprint =
        fields[2].starts_with("SHA256:") || (fields[2].size() >= 32 && all_of(fields[2], "0123456789abcdef:"));
    if (!fingerprint) return std::nullopt;
    return fmt::format("{} {} {}", fields[0], fields[1], fields[3]);
}

// The script whose output a raw line of Nmap's starts ("| ssh-hostkey: ",
// "|_sshv1: ..."); empty for a line inside a script's output or outside any.
std::string_view script_start(std::string_view raw) {
    if (!raw.starts_with("| ") && !raw.starts_with("|_")) return {};
    auto rest = raw.substr(2);
    if (rest.empty() || rest[0] == ' ') return {};
    auto colon = rest.find(':');
    return colon == std::string_view::npos ? std::string_view{} : rest.substr(0, colon);
}

}  // namespace

SshToolReport normalise_nmap(std::string_view output) {
    SshToolReport r;
    // Nmap prints scripts' results as they finish: each run of them is
    // sorted by script, and within a script the order is its own.
    std::vector<std::pair<std::string, std::vector<std::string>>> scripts;
    auto flush = [&] {
        std::stable_sort(scripts.begin(), scripts.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
        for (auto& [name, lines] : scripts) {
            for (auto& line : lines) r.lines.push_back(std::move(line));
        }
        scripts.clear();
    };
    for (auto raw : split_lines(output)) {
        auto line = collapse_spaces(raw);
        if (line.empty() || line.starts_with("Starting Nmap") || line.starts_with("Nmap scan report") ||
            line.starts_with("Host is up") || line.starts_with("Service detection performed") ||
            line.starts_with("Nmap done") || line.starts_with("Read data files") || line.starts_with("PORT ") ||
            line.starts_with("MAC Address:")) {
            // MAC Address: where the scanner stands (on the server's link),
            // not what the server is.
            continue;
        }
        if (auto name = script_start(raw); !name.empty()) {
            scripts.emplace_back(std::string(name), std::vector<std::string>{});
        } else if (!raw.starts_with('|')) {
            flush();
        }
        if (!raw.starts_with('|') || scripts.empty()) {
            if (auto port = port_line(line)) {
                r.ran = true;
                r.lines.push_back(std::move(*port));
            } else {
                r.lines.push_back(std::move(line));
            }
            continue;
        }
        // Which script a line ends ("|_") is a matter of the order printed.
        if (line.starts_with("|_")) line = "|" + line.substr(2);
        if (auto key = host_key_line(line)) line = std::move(*key);
        scripts.back().second.push_back(std::move(line));
    }
    flush();
    if (!r.ran) return not_ran("Nmap reported no port");
    return r;
}

SshToolReport normalise_ssh_audit(std::string_view json) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(json);
    } catch (const nlohmann::json::exception&) {
        return not_ran("ssh-audit's report is not JSON");
    }
    if (!doc.is_object() || !doc.contains("banner")) return not_ran("ssh-audit's report has no banner");
    SshToolReport r;
    r.ran = true;
    for (const auto& [key, value] : doc.items()) {
        if (key == "target") continue;
        if (!value.is_array()) {
            r.lines.push_back(key + " " + value.dump());
            continue;
        }
        for (auto item : value) {
            // A host key's fingerprint is the server's own; its kind is not.
            if (key == "fingerprints" && item.is_object()) item.erase("hash");
            r.lines.push_back(key + " " + item.dump());
        }
    }
    return r;
}

SshToolReport ssh_audit_report(const std::string& ip, std::uint16_t port) {
    std::string why;
    // 0-3: good, warnings, failures, unknown; each a full report.
    auto out = run_tool({"ssh-audit", "-j", "-t", "30", "-p", std::to_string(port), ip}, {0, 1, 2, 3}, why);
    if (!out) return not_ran(why);
    return normalise_ssh_audit(*out);
}

SshToolReport nmap_ssh_report(const std::string& ip, std::uint16_t port) {
    std::string why;
    auto out = run_tool({"nmap", "-Pn", "-n", "-sV", "-p", std::to_string(port), "--script",
                         "ssh2-enum-algos,ssh-hostkey,ssh-auth-methods,sshv1", "--host-timeout", "180s", ip},
                        {0}, why);
    if (!out) return not_ran(why);
    return normalise_nmap(*out);
}

CheckResult compare_ssh_reports(std::string name, std::string looks_for, const SshToolReport& guest,
                                const SshToolReport& stock) {
    if (!guest.ran) return {std::move(name), std::move(looks_for), false, "on the guest: " + guest.why};
    if (!stock.ran) return {std::move(name), std::move(looks_for), false, "on the stock sshd: " + stock.why};
    std::size_t n = std::min(guest.lines.size(), stock.lines.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (guest.lines[i] != stock.lines[i]) {
            return {std::move(name), std::move(looks_for), false,
                    fmt::format("guest '{}', stock '{}'", guest.lines[i], stock.lines[i])};
        }
    }
    if (guest.lines.size() != stock.lines.size()) {
        const auto& longer = guest.lines.size() > n ? guest.lines : stock.lines;
        return {std::move(name), std::move(looks_for), false,
                fmt::format("only the {} shows '{}'", guest.lines.size() > n ? "guest" : "stock sshd", longer[n])};
    }
    return {std::move(name), std::move(looks_for), true, fmt::format("{} facts, the same", n)};
}

}  // namespace oyster
