#include "oyster/disguise/apt_history.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "oyster/common/decimal.h"
#include "oyster/disguise/local_time.h"

namespace oyster::disguise {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::size_t kMaxSteps = 6;

// "2.36-9+deb12u7" -> {"2.36-9+deb12u", 7}, for the stable-update suffixes
// Debian uses ("+deb12u", "+deb11u" for packages carried over).
bool split_update_suffix(std::string_view v, std::string_view& head, int& n) {
    auto at = v.rfind("+deb");
    if (at == std::string_view::npos) return false;
    auto u = v.find('u', at + 4);
    if (u == std::string_view::npos || u + 1 >= v.size()) return false;
    std::string_view release = v.substr(at + 4, u - at - 4);
    if (release.empty() || release.find_first_not_of("0123456789") != std::string_view::npos) return false;
    auto number = parse_decimal<int>(v.substr(u + 1));
    if (!number || *number <= 0) return false;
    n = *number;
    head = v.substr(0, u + 1);
    return true;
}

struct Group {
    std::vector<const InstalledPackage*> members;
    std::vector<std::string> chain;  // chain[0] = installed, chain[k] = k updates earlier
    std::int64_t built = 0;
};

std::string arch_of(const InstalledPackage& p) {
    return p.arch.empty() ? std::string("amd64") : p.arch;
}

}  // namespace

std::string previous_version(std::string_view version) {
    std::string_view head;
    int n = 0;
    if (!split_update_suffix(version, head, n)) return {};
    if (n > 1) return fmt::format("{}{}", head, n - 1);
    // "+deb12u1" replaced the release's own version.
    return std::string(version.substr(0, version.rfind("+deb")));
}

std::vector<AptSession> plan_apt_sessions(Draw& draw, const std::vector<InstalledPackage>& packages,
                                          const std::vector<std::int64_t>& moments, std::int64_t boot, std::int64_t now,
                                          const std::vector<KernelInstall>& kernels, const std::string& user,
                                          std::uint32_t uid) {
    std::vector<AptSession> sessions;
    auto session_at = [&](std::int64_t t) {
        AptSession s;
        s.start = t;  // its end follows from its changes, once they are known
        s.commandline = "apt upgrade";
        s.user = user;
        s.uid = uid;
        return s;
    };
    for (std::int64_t t : moments) {
        if (t < boot) sessions.push_back(session_at(t));
    }
    for (const auto& k : kernels) sessions.push_back(session_at(k.installed_at));
    std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) { return a.start < b.start; });

    // Packages moved by Debian's stable updates, by source and version.
    std::map<std::string, Group> groups;
    for (const auto& p : packages) {
        if (p.name.starts_with("linux-image-")) continue;  // the kernels' own story, below
        if (previous_version(p.version).empty()) continue;
        Group& g = groups[(p.source.empty() ? p.name : p.source) + " " + p.version];
        g.members.push_back(&p);
        g.built = std::max(g.built, p.built);
    }
    std::optional<AptSession> after_boot;
    for (auto& entry : groups) {
        Group& g = entry.second;  // a name, not a binding: lambdas below capture it
        g.chain.push_back(g.members.front()->version);
        while (g.chain.size() <= kMaxSteps) {
            std::string prev = previous_version(g.chain.back());
            if (prev.empty()) break;
            g.chain.push_back(prev);
        }
        // The session that brought the installed version: one of the first
        // after it was built. One built before the logged sessions was
        // installed before them: apt's rotated logs no longer show it.
        std::int64_t ready = g.built > 0 ? g.built + kDay : 0;
        if (sessions.empty() || ready < sessions.front().start - 20 * kDay) continue;
        auto it = std::find_if(sessions.begin(), sessions.end(), [&](const auto& s) { return s.start >= ready; });
        if (it != sessions.end()) it += std::min<std::ptrdiff_t>(draw.range(0, 1), sessions.end() - it - 1);
        std::ptrdiff_t index = it - sessions.begin();
        auto add = [&](AptSession& s, const std::string& from, const std::string& to) {
            for (const InstalledPackage* m : g.members) s.changes.push_back({m->name, arch_of(*m), from, to, false});
        };
        if (it == sessions.end()) {
            if (!after_boot) {
                after_boot = session_at(std::min(now - 3600, std::max(boot, g.built) + draw.range(kDay / 4, 3 * kDay)));
            } else {
                after_boot->start = std::min(now - 3600, std::max(after_boot->start, g.built + kDay / 4));
            }
            add(*after_boot, g.chain[1], g.chain[0]);
            index = static_cast<std::ptrdiff_t>(sessions.size());
        } else {
            add(*it, g.chain[1], g.chain[0]);
        }
        // Earlier updates of the same package, a few sessions apart.
        for (std::size_t step = 1; step + 1 < g.chain.size(); ++step) {
            index -= draw.range(1, 3);
            if (index < 0) break;
            add(sessions[static_cast<std::size_t>(index)], g.chain[step + 1], g.chain[step]);
        }
    }
    // Kernels: each installed with the meta-package's upgrade; the one
    // running at the boot removed after it, once the next is running.
    for (std::size_t i = 0; i < kernels.size(); ++i) {
        if (kernels[i].version.empty()) continue;  // no kernel package to tell of
        auto it = std::find_if(sessions.begin(), sessions.end(),
                               [&](const auto& s) { return s.start == kernels[i].installed_at; });
        if (it == sessions.end()) continue;
        it->changes.push_back({"linux-image-" + kernels[i].release, "amd64", "", kernels[i].version, true});
        if (i > 0) it->changes.push_back({"linux-image-amd64", "amd64", kernels[i - 1].version, kernels[i].version});
        if (i >= 2) {
            // The kernel two back was running until the previous reboot.
            it->changes.push_back({"linux-image-" + kernels[i - 2].release, "amd64", kernels[i - 2].version, ""});
        }
    }
    if (kernels.size() >= 2 && !kernels[kernels.size() - 2].version.empty()) {
        if (!after_boot && boot + kDay < now)
            after_boot = session_at(std::min(now - 3600, boot + draw.range(kDay / 2, 4 * kDay)));
        if (after_boot) {
            const auto& k = kernels[kernels.size() - 2];
            after_boot->commandline = "apt upgrade --autoremove";
            after_boot->changes.push_back({"linux-image-" + k.release, "amd64", k.version, ""});
        }
    }
    if (after_boot) sessions.push_back(*after_boot);
    std::erase_if(sessions, [](const auto& s) { return s.changes.empty(); });
    for (auto& s : sessions) {
        std::sort(s.changes.begin(), s.changes.end(),
                  [](const auto& a, const auto& b) { return a.package < b.package; });
        s.end = s.start + 8 + static_cast<std::int64_t>(s.changes.size()) * draw.range(2, 6);
    }
    return sessions;
}

AptLogs apt_logs(const std::vector<AptSession>& sessions) {
    AptLogs logs;
    for (const auto& s : sessions) {
        std::string installs, upgrades, removes;
        auto append = [](std::string& list, const std::string& item) {
            if (!list.empty()) list += ", ";
            list += item;
        };
        for (const auto& c : s.changes) {
            std::string name = fmt::format("{}:{}", c.package, c.arch);
            if (c.from.empty())
                append(installs, fmt::format("{} ({}{})", name, c.to, c.automatic ? ", automatic" : ""));
            else if (c.to.empty())
                append(removes, fmt::format("{} ({})", name, c.from));
            else
                append(upgrades, fmt::format("{} ({}, {})", name, c.from, c.to));
        }
        std::string h = fmt::format("\nStart-Date: {}\nCommandline: {}\n", apt_stamp(s.start), s.commandline);
        // apt names who ran it through sudo; root's own runs say nothing.
        if (!s.user.empty()) h += fmt::format("Requested-By: {} ({})\n", s.user, s.uid);
        if (!installs.empty()) h += "Install: " + installs + "\n";
        if (!upgrades.empty()) h += "Upgrade: " + upgrades + "\n";
        if (!removes.empty()) h += "Remove: " + removes + "\n";
        h += fmt::format("End-Date: {}\n", apt_stamp(s.end));
        logs.history.push_back({s.start * 1000000, std::move(h)});

        // term.log and dpkg.log: unpack everything, then configure it.
        std::string term = fmt::format("\nLog started: {}\n", apt_stamp(s.start));
        std::string dpkg;
        std::int64_t t = s.start + 4;
        auto d = [&](const std::string& line) { dpkg += fmt::format("{} {}\n", dpkg_stamp(t), line); };
        d("startup archives unpack");
        for (const auto& c : s.changes) {
            std::string name = fmt::format("{}:{}", c.package, c.arch);
            if (c.to.empty()) {
                term += fmt::format("Removing {} ({}) ...\n", c.package, c.from);
                d(fmt::format("remove {} {} <none>", name, c.from));
                d(fmt::format("status half-configured {} {}", name, c.from));
                d(fmt::format("status half-installed {} {}", name, c.from));
                d(fmt::format("status config-files {} {}", name, c.from));
                continue;
            }
            std::string file = fmt::format("{}_{}_{}.deb", c.package, c.to, c.arch);
            std::erase(file, ':');  // epochs are not in file names
            term += fmt::format("Preparing to unpack .../{} ...\n", file);
            if (c.from.empty()) {
                term += fmt::format("Selecting previously unselected package {}.\nUnpacking {} ({}) ...\n", c.package,
                                    name, c.to);
                d(fmt::format("install {} <none> {}", name, c.to));
                d(fmt::format("status half-installed {} {}", name, c.to));
            } else {
                term += fmt::format("Unpacking {} ({}) over ({}) ...\n", name, c.to, c.from);
                d(fmt::format("upgrade {} {} {}", name, c.from, c.to));
                d(fmt::format("status half-configured {} {}", name, c.from));
                d(fmt::format("status unpacked {} {}", name, c.from));
                d(fmt::format("status half-installed {} {}", name, c.from));
            }
            d(fmt::format("status unpacked {} {}", name, c.to));
            t += 1;
        }
        d("startup packages configure");
        for (const auto& c : s.changes) {
            if (c.to.empty()) continue;
            std::string name = fmt::format("{}:{}", c.package, c.arch);
            term += fmt::format("Setting up {} ({}) ...\n", name, c.to);
            d(fmt::format("configure {} {} <none>", name, c.to));
            d(fmt::format("status unpacked {} {}", name, c.to));
            d(fmt::format("status half-configured {} {}", name, c.to));
            d(fmt::format("status installed {} {}", name, c.to));
            t += 1;
        }
        term += fmt::format("Log ended: {}\n\n", apt_stamp(s.end));
        logs.term.push_back({s.start * 1000000, std::move(term)});
        logs.dpkg.push_back({s.start * 1000000, std::move(dpkg)});
    }
    return logs;
}

std::map<std::string, std::int64_t> unpacked_at(const std::vector<AptSession>& sessions) {
    std::map<std::string, std::int64_t> out;
    for (const auto& s : sessions) {
        for (const auto& c : s.changes) {
            if (!c.to.empty()) out[c.package] = std::max(out[c.package], s.start);
        }
    }
    return out;
}

}  // namespace oyster::disguise
