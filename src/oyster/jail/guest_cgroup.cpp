#include "oyster/jail/guest_cgroup.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "oyster/common/error.h"

namespace oyster {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kCpuPeriodUs = 100000;

void write_file(const fs::path& file, const std::string& value) {
    std::ofstream out(file);
    out << value;
    out.flush();
    if (!out) throw Error("cannot set " + file.string() + " to " + value);
}

bool is_v2(const fs::path& root) {
    std::error_code ec;
    return fs::exists(root / "cgroup.controllers", ec);
}

// cgroup v1: one hierarchy per controller, mounted at <root>/<name>.
bool v1_has(const fs::path& root, const char* controller) {
    std::error_code ec;
    return fs::exists(root / controller / "tasks", ec);
}

std::vector<std::string> v2_controllers(const fs::path& root) {
    std::ifstream in(root / "cgroup.controllers");
    std::vector<std::string> out;
    for (std::string c; in >> c;) out.push_back(c);
    return out;
}

std::uint64_t cpu_quota_us(const GuestCgroupLimits& limits) {
    return kCpuPeriodUs * limits.cpu_percent / 100;
}

// The guest's group under `base`, or nullopt (with a note) when the
// hierarchy exists but is not ours to write (a read-only /sys/fs/cgroup in
// a container): that is "not available", not an error.
std::optional<fs::path> make_group(const fs::path& base, const std::string& guest_id, std::vector<std::string>& notes) {
    fs::path dir = base / "oyster" / guest_id;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        notes.push_back("cannot create cgroup " + dir.string() + ": " + ec.message());
        return std::nullopt;
    }
    return dir;
}

}  // namespace

std::uint64_t all_guests_memory_budget(std::uint64_t host_memory_bytes) {
    constexpr std::uint64_t kGib = std::uint64_t{1} << 30;
    std::uint64_t reserve = std::max(kGib, host_memory_bytes / 10);
    return host_memory_bytes > reserve ? host_memory_bytes - reserve : 0;
}

GuestCgroup create_guest_cgroup(const std::string& guest_id, const GuestCgroupLimits& limits,
                                const std::string& cgroup_root) {
    GuestCgroup out;
    fs::path root(cgroup_root);
    if (is_v2(root)) {
        auto available = v2_controllers(root);
        auto has = [&](const std::string& c) {
            return std::find(available.begin(), available.end(), c) != available.end();
        };
        std::string enable;
        for (const char* c : {"memory", "pids", "cpu"}) {
            if (has(c)) {
                enable += std::string(enable.empty() ? "" : " ") + "+" + c;
            } else {
                out.notes.push_back(std::string("cgroup v2 controller '") + c + "' is not available");
            }
        }
        auto made = make_group(root, guest_id, out.notes);
        if (!made) return out;
        fs::path dir = *made;
        if (!enable.empty()) {
            write_file(root / "cgroup.subtree_control", enable);
            write_file(root / "oyster" / "cgroup.subtree_control", enable);
        }
        if (has("memory")) {
            if (limits.all_guests_memory_bytes > 0) {
                write_file(root / "oyster" / "memory.max", std::to_string(limits.all_guests_memory_bytes));
            }
            write_file(dir / "memory.max", std::to_string(limits.memory_bytes));
            std::error_code ec;
            if (fs::exists(dir / "memory.swap.max", ec)) write_file(dir / "memory.swap.max", "0");
        }
        if (has("pids")) write_file(dir / "pids.max", std::to_string(limits.max_processes));
        if (has("cpu") && limits.cpu_percent > 0) {
            write_file(dir / "cpu.max", std::to_string(cpu_quota_us(limits)) + " " + std::to_string(kCpuPeriodUs));
        }
        if (has("cpu") && limits.all_guests_cpu_weight > 0) {
            write_file(root / "oyster" / "cpu.weight", std::to_string(limits.all_guests_cpu_weight));
        }
        out.procs_files.push_back((dir / "cgroup.procs").string());
        return out;
    }
    // cgroup v1: the guest's group in `controller`'s own hierarchy, joined
    // by the process; nullopt (with a note) when there is none.
    auto v1_group = [&](const char* controller) -> std::optional<fs::path> {
        if (!v1_has(root, controller)) {
            out.notes.push_back(std::string("cgroup v1 controller '") + controller + "' is not mounted");
            return std::nullopt;
        }
        auto dir = make_group(root / controller, guest_id, out.notes);
        if (dir) out.procs_files.push_back((*dir / "cgroup.procs").string());
        return dir;
    };
    if (auto dir = v1_group("memory")) {
        if (limits.all_guests_memory_bytes > 0) {
            write_file(dir->parent_path() / "memory.limit_in_bytes", std::to_string(limits.all_guests_memory_bytes));
        }
        write_file(*dir / "memory.limit_in_bytes", std::to_string(limits.memory_bytes));
        std::error_code ec;
        // Memory plus swap no larger than memory: the guest does not swap.
        if (fs::exists(*dir / "memory.memsw.limit_in_bytes", ec)) {
            write_file(*dir / "memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes));
        }
    }
    if (auto dir = v1_group("pids")) write_file(*dir / "pids.max", std::to_string(limits.max_processes));
    if (limits.cpu_percent > 0) {
        if (auto dir = v1_group("cpu")) {
            write_file(*dir / "cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
            write_file(*dir / "cpu.cfs_quota_us", std::to_string(cpu_quota_us(limits)));
            if (limits.all_guests_cpu_weight > 0) {
                // cpu.shares: 1024 is v1's default as 100 is v2's.
                write_file(dir->parent_path() / "cpu.shares",
                           std::to_string(limits.all_guests_cpu_weight * 1024 / 100));
            }
        }
    }
    // No limit: joined for the CPU time the placement balances by.
    v1_group("cpuacct");
    return out;
}

void remove_guest_cgroup(const std::string& guest_id, const std::string& cgroup_root) {
    fs::path root(cgroup_root);
    if (guest_id.empty() || guest_id.find('/') != std::string::npos || guest_id.find("..") != std::string::npos) return;
    // rmdir, not remove_all: a cgroup directory's files cannot be unlinked.
    if (is_v2(root)) {
        ::rmdir((root / "oyster" / guest_id).c_str());
        return;
    }
    for (const char* c : {"memory", "pids", "cpu", "cpuacct"}) ::rmdir((root / c / "oyster" / guest_id).c_str());
}

std::optional<std::uint64_t> guest_cpu_time_ns(const std::string& guest_id, const std::string& cgroup_root) {
    fs::path root(cgroup_root);
    if (is_v2(root)) {
        std::ifstream in(root / "oyster" / guest_id / "cpu.stat");
        std::string key;
        std::uint64_t value = 0;
        while (in >> key >> value) {
            if (key == "usage_usec") return value * 1000;
        }
        return std::nullopt;
    }
    std::ifstream in(root / "cpuacct" / "oyster" / guest_id / "cpuacct.usage");
    std::uint64_t ns = 0;
    if (in >> ns) return ns;
    return std::nullopt;
}

std::vector<pid_t> guest_threads(const std::string& guest_id, const std::string& cgroup_root) {
    fs::path root(cgroup_root);
    std::vector<fs::path> lists;
    if (is_v2(root)) {
        lists.push_back(root / "oyster" / guest_id / "cgroup.threads");
    } else {
        for (const char* c : {"pids", "memory", "cpu", "cpuacct"})
            lists.push_back(root / c / "oyster" / guest_id / "tasks");
    }
    std::vector<pid_t> out;
    for (const auto& list : lists) {
        std::ifstream in(list);
        if (!in) continue;
        for (pid_t tid = 0; in >> tid;) out.push_back(tid);
        break;  // every v1 hierarchy the guest joined holds the same threads
    }
    return out;
}

}  // namespace oyster
