#include "oyster/selftest/guest_process_maps.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "oyster/common/text_lines.h"
#include "oyster/jail/guest_cgroup.h"

namespace oyster {
namespace {

struct Mapping {
    std::string_view range, perms, device, inode, name;
};

// A maps line: range perms offset dev inode [name]; an unparsable line is
// returned with an empty range.
Mapping parse_line(std::string_view line) {
    auto words = split_words(line);
    Mapping m;
    if (words.size() < 5) return m;
    m.range = words[0];
    m.perms = words[1];
    m.device = words[3];
    m.inode = words[4];
    if (words.size() > 5) m.name = line.substr(static_cast<std::size_t>(words[5].data() - line.data()));
    return m;
}

std::string file_key(const Mapping& m) {
    return fmt::format("{} {}", m.device, m.inode);
}

}  // namespace

CheckResult judge_guest_process_maps(const std::string& uml_maps,
                                     const std::vector<std::pair<pid_t, std::string>>& children_maps) {
    CheckResult c{"guest_process_maps",
                  "a guest process's host process maps only the guest's memory (and the host's vsyscall page)", false,
                  ""};
    // The physical-memory file: what the UML process maps shared. Its own
    // binary: the file of its lowest mapping (the kernel is linked at a
    // fixed address below everything it maps later). Not libc's: a guest
    // process still holding libc would pass for a helper.
    std::set<std::string> physmem;
    std::string own_binary;
    for (auto line : split_lines(uml_maps)) {
        auto m = parse_line(line);
        if (m.range.empty() || m.inode == "0") continue;
        if (own_binary.empty()) own_binary = file_key(m);
        if (m.perms.size() == 4 && m.perms[3] == 's') physmem.insert(file_key(m));
    }
    if (physmem.empty()) {
        c.detail = "the UML process maps no shared file (its physical memory)";
        return c;
    }
    std::size_t guest_processes = 0;
    for (const auto& [pid, maps] : children_maps) {
        std::vector<Mapping> mappings;
        bool helper = false;
        for (auto line : split_lines(maps)) {
            auto m = parse_line(line);
            if (m.range.empty()) continue;
            if (m.inode != "0" && file_key(m) == own_binary) helper = true;
            mappings.push_back(m);
        }
        if (helper || mappings.empty()) continue;
        ++guest_processes;
        for (const auto& m : mappings) {
            bool guest_memory = m.inode != "0" && physmem.count(file_key(m)) != 0;
            if (guest_memory || m.name == "[vsyscall]") continue;
            c.detail = fmt::format("host process {} of a guest process maps {} {} {}", pid, m.range, m.perms,
                                   m.name.empty() ? "(anonymous)" : m.name);
            return c;
        }
    }
    if (guest_processes == 0) {
        c.detail = "no host process of a guest process found (in the guest's cgroup)";
        return c;
    }
    c.pass = true;
    c.detail = fmt::format("{} guest processes' host processes map only the guest's memory", guest_processes);
    return c;
}

CheckResult check_guest_process_maps(pid_t uml_pid, const std::string& guest_id) {
    auto read = [](const std::string& path) {
        std::ifstream in(path);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    };
    std::vector<std::pair<pid_t, std::string>> children_maps;
    for (pid_t tid : guest_threads(guest_id)) {
        if (tid == uml_pid) continue;
        auto maps = read(fmt::format("/proc/{}/maps", tid));
        if (!maps.empty()) children_maps.emplace_back(tid, std::move(maps));
    }
    return judge_guest_process_maps(read(fmt::format("/proc/{}/maps", uml_pid)), children_maps);
}

}  // namespace oyster
