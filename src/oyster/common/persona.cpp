#include "oyster/common/persona.h"

#include <set>

#include "oyster/common/paths.h"
#include "oyster/common/toml_reader.h"

namespace oyster {
namespace {

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// One DNS label (RFC 1123): letters, digits and inner '-', 1 to 63.
bool is_label(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string check_hostname(const std::string& s) {
    if (is_label(s)) return {};
    return fmt::format("\"{}\" is not a hostname (1 to 63 letters, digits and inner '-')", s);
}

std::string check_domain(const std::string& s) {
    if (s.empty()) return {};
    if (s.size() > 200) return "a domain is at most 200 characters";
    std::size_t start = 0;
    for (;;) {
        auto dot = s.find('.', start);
        if (!is_label(std::string_view(s).substr(start, dot == std::string::npos ? dot : dot - start))) {
            return fmt::format("\"{}\" is not a domain name (dot-separated hostname labels)", s);
        }
        if (dot == std::string::npos) return {};
        start = dot + 1;
    }
}

std::string check_timezone(const std::string& s) {
    if (s.empty() || s.front() == '/' || s.find("..") != std::string::npos) {
        return fmt::format("\"{}\" is not a zone name such as \"Europe/Berlin\"", s);
    }
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
                  c == '-' || c == '+';
        if (!ok) return fmt::format("\"{}\" is not a zone name such as \"Europe/Berlin\"", s);
    }
    return {};
}

// Debian's rule for package names.
std::string check_package(const std::string& s) {
    bool ok = s.size() >= 2 && is_lower_alnum(s[0]);
    for (char c : s) ok = ok && (is_lower_alnum(c) || c == '+' || c == '-' || c == '.');
    return ok ? std::string() : fmt::format("\"{}\" is not a Debian package name", s);
}

// What useradd accepts, kept conservative.
std::string check_user_name(const std::string& s) {
    bool ok = !s.empty() && s.size() <= 32 && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
    for (char c : s) ok = ok && (is_lower_alnum(c) || c == '_' || c == '-');
    return ok ? std::string() : fmt::format("\"{}\" is not a user or group name (a-z, 0-9, '_', '-')", s);
}

std::string check_line(const std::string& s) {
    if (s.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) return "must be one line without NUL";
    return {};
}

std::string check_shell(const std::string& s) {
    if (s.empty() || s[0] != '/' || s.find_first_of(std::string(" :\n\r\0", 5)) != std::string::npos) {
        return fmt::format("\"{}\" is not an absolute path to a shell", s);
    }
    return {};
}

// An absolute, normalized path outside the kernel's virtual filesystems.
std::string check_file_path(const std::string& s) {
    std::filesystem::path p(s);
    if (!p.is_absolute() || p.lexically_normal() != p || p == "/" || s.back() == '/' ||
        s.find('\0') != std::string::npos) {
        return fmt::format("\"{}\" is not a normalized absolute file path", s);
    }
    for (const char* virt : {"/proc", "/sys", "/dev", "/run"}) {
        std::string v(virt);
        if (s == v || s.starts_with(v + "/")) return fmt::format("\"{}\" is under {} (made at boot, not kept)", s, v);
    }
    return {};
}

// "0644" style; setuid and friends are allowed (a persona may want them).
std::string check_mode(const std::string& s) {
    bool ok = s.size() >= 3 && s.size() <= 4;
    for (char c : s) ok = ok && c >= '0' && c <= '7';
    return ok ? std::string() : fmt::format("\"{}\" is not an octal mode such as \"0644\"", s);
}

std::string check_owner(const std::string& s) {
    auto colon = s.find(':');
    bool ok = check_user_name(s.substr(0, colon)).empty() &&
              (colon == std::string::npos || check_user_name(s.substr(colon + 1)).empty());
    return ok ? std::string() : fmt::format("\"{}\" is not \"user\" or \"user:group\"", s);
}

// GECOS fields and passwords sit between ':' in passwd and shadow.
std::string check_passwd_field(const std::string& s) {
    if (s.find_first_of(std::string(":\n\r\0", 4)) != std::string::npos) {
        return "must not contain ':', line breaks or NUL";
    }
    return {};
}

PersonaUser read_user(TomlReader& r, const toml::table& t, const std::string& where) {
    PersonaUser u;
    r.read_keys(t, where,
                {{"name",
                  [&](const toml::node& n, const std::string& key) {
                      r.string(u.name, check_user_name)(n, key);
                      if (u.name == "root") r.fail(key, &n, "root is always there; list other users");
                  }},
                 {"uid", r.u32(u.uid, 1000, 59999)},
                 {"full_name", r.string(u.full_name, check_passwd_field)},
                 {"shell", r.string(u.shell, check_shell)},
                 {"groups", r.string_list(u.groups, check_user_name)},
                 {"password", r.string(u.password, check_passwd_field)},
                 {"history", r.string_list(u.history, check_line)}});
    r.require(t, where, {"name", "uid"});
    return u;
}

PersonaFile read_file_entry(TomlReader& r, const toml::table& t, const std::string& where) {
    PersonaFile f;
    std::string mode = "0644";
    r.read_keys(t, where,
                {{"path", r.string(f.path, check_file_path)},
                 {"content",
                  [&](const toml::node& n, const std::string& key) {
                      r.string(f.content)(n, key);
                      if (f.content.size() > (1U << 20)) r.fail(key, &n, "a persona file is at most 1 MiB");
                  }},
                 {"mode", r.string(mode, check_mode)},
                 {"owner", r.string(f.owner, check_owner)}});
    r.require(t, where, {"path", "content"});
    f.mode = static_cast<std::uint32_t>(std::stoul(mode, nullptr, 8));
    return f;
}

}  // namespace

Persona parse_persona(std::string_view text, const std::string& source_name) {
    Persona p;
    p.source = source_name;
    toml::table root = parse_toml(text, source_name);
    TomlReader r(source_name);
    std::map<std::string, KeyReader> keys = {
        {"hostname", r.string(p.hostname, check_hostname)},     {"domain", r.string(p.domain, check_domain)},
        {"timezone", r.string(p.timezone, check_timezone)},     {"motd", r.string(p.motd)},
        {"packages", r.string_list(p.packages, check_package)}, {"uptime_days", r.u32(p.uptime_days, 0, 3650)},
        {"root_shell", r.string(p.root_shell, check_shell)}};
    for (const auto& [k, v] : root) {
        std::string key(k.str());
        if (key == "users" || key == "files" || key == "hardware") continue;
        auto it = keys.find(key);
        if (it == keys.end()) r.fail(key, &v, "unknown key");
        it->second(v, key);
    }
    if (p.hostname.empty()) r.fail("hostname", nullptr, "is required");
    std::map<std::string, KeyReader> hardware;
    for (auto k : kDmiKeys) {
        std::string key(k);
        hardware[key] = [&r, &p, key](const toml::node& n, const std::string& where) {
            std::string value;
            if (key == "chassis_type" && n.is_integer()) {
                value = std::to_string(n.value_exact<std::int64_t>().value_or(0));
            } else {
                r.string(value)(n, where);
            }
            if (auto problem = check_dmi_value(key, value); !problem.empty()) r.fail(where, &n, problem);
            p.hardware[key] = value;
        };
    }
    r.read_table(root, "hardware", hardware);
    std::set<std::string> names;
    std::set<std::uint32_t> uids;
    r.read_table_array(root, "users", [&](const toml::table& t, const std::string& where) {
        PersonaUser u = read_user(r, t, where);
        if (!names.insert(u.name).second) r.fail(where + ".name", &t, fmt::format("user {} is listed twice", u.name));
        if (!uids.insert(u.uid).second) r.fail(where + ".uid", &t, fmt::format("uid {} is listed twice", u.uid));
        p.users.push_back(std::move(u));
    });
    std::set<std::string> paths;
    r.read_table_array(root, "files", [&](const toml::table& t, const std::string& where) {
        PersonaFile f = read_file_entry(r, t, where);
        if (!paths.insert(f.path).second) r.fail(where + ".path", &t, fmt::format("{} is listed twice", f.path));
        p.files.push_back(std::move(f));
    });
    return p;
}

Persona load_persona(const std::filesystem::path& path) {
    return parse_persona(read_toml_file(path, "persona file"), path.string());
}

std::filesystem::path persona_path(const std::string& name_or_path) {
    if (!name_or_path.empty() && name_or_path[0] == '/') return name_or_path;
    return data_dir() / "image" / "personas" / (name_or_path + ".toml");
}

nlohmann::json persona_json(const Persona& p) {
    nlohmann::json users = nlohmann::json::array();
    for (const auto& u : p.users) {
        users.push_back({{"name", u.name},
                         {"uid", u.uid},
                         {"full_name", u.full_name},
                         {"shell", u.shell},
                         {"groups", u.groups},
                         {"password", u.password},
                         {"history", u.history}});
    }
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : p.files) {
        files.push_back(
            {{"path", f.path}, {"content", f.content}, {"mode", fmt::format("{:04o}", f.mode)}, {"owner", f.owner}});
    }
    return {{"hostname", p.hostname}, {"domain", p.domain}, {"timezone", p.timezone}, {"motd", p.motd},
            {"packages", p.packages}, {"users", users},     {"files", files},         {"root_shell", p.root_shell}};
}

}  // namespace oyster
