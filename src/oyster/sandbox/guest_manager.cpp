#include "oyster/sandbox/guest_manager.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_writer.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/file_lock.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/paths.h"
#include "oyster/common/proc_stat.h"
#include "oyster/common/process.h"
#include "oyster/common/unix_time.h"
#include "oyster/disguise/smbios_table.h"
#include "oyster/jail/process_jail.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/net/tap.h"
#include "oyster/sandbox/cow_file.h"
#include "oyster/sandbox/guest_jail_spec.h"
#include "oyster/sandbox/guest_placement.h"
#include "oyster/sandbox/host_checks.h"
#include "oyster/sandbox/image_spec.h"
#include "oyster/sandbox/mconsole.h"
#include "oyster/sandbox/tcp_listeners.h"

namespace oyster {
namespace {

using Clock = std::chrono::steady_clock;
// How long a booted guest may stay busy before its clocks catch up anyway
// (wait_for_settled_boot); a boot settles within a second of sshd listening.
constexpr std::chrono::seconds kMaxSettleWait(10);

std::uint64_t current_netns_inode() {
    struct stat st {};
    if (::stat("/proc/self/ns/net", &st) != 0) throw_errno("stat /proc/self/ns/net");
    return st.st_ino;
}

// Serialises slot and id allocation between concurrent `oyster` processes.
class StateLock {
public:
    explicit StateLock(const std::filesystem::path& state_dir) : lock_(state_dir / "guests" / ".lock") {}

private:
    FileLock lock_;
};

std::string new_guest_id(const std::filesystem::path& guests_dir) {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string id = fmt::format("{:06x}", rd() & 0xffffff);
        if (!std::filesystem::exists(guests_dir / id)) return id;
    }
    throw Error("could not find a free guest id");
}

bool guest_alive(const GuestRecord& g) {
    return g.state == "running" && process_alive(g.pid, g.pid_start_time);
}

std::string console_tail(const GuestRecord& g, std::size_t lines) {
    std::ifstream in(g.console_log());
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
        tail.push_back(line);
        if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const auto& l : tail) out += "  | " + l + "\n";
    return out;
}

bool wait_process_exit(pid_t pid, std::uint64_t start_time, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        // The sensor's guests are its children: reap, or each stays a zombie
        // for the sensor's lifetime (any other caller gets ECHILD).
        if (pid > 0) ::waitpid(pid, nullptr, WNOHANG);
        if (!process_alive(pid, start_time)) break;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

bool wait_exit(const GuestRecord& g, std::chrono::milliseconds timeout) {
    return wait_process_exit(g.pid, g.pid_start_time, timeout);
}

// A writer ends when the last holder of its pipe's write end is gone: with
// the UML process group dead, that is at once, after it has written all the
// guest sent. One still running then is fed by a process outside the group.
void wait_writer(const GuestRecord& g, pid_t pid, std::uint64_t start_time, const char* what, std::ostream& log) {
    if (pid <= 0) return;
    if (wait_process_exit(pid, start_time, std::chrono::seconds(10))) return;
    log << fmt::format("guest {}: {} writer {} still running 10 s after the guest ended: killing it\n", g.id, what,
                       pid);
    if (process_alive(pid, start_time)) ::kill(pid, SIGKILL);
    wait_process_exit(pid, start_time, std::chrono::seconds(2));
}

void wait_writers(const GuestRecord& g, std::ostream& log) {
    wait_writer(g, g.writer_pid, g.writer_start_time, "capture", log);
    wait_writer(g, g.console_writer_pid, g.console_writer_start_time, "console", log);
}

// Starts `oyster-capture-writer` with `args` on the read end of a new pipe;
// returns the write end and the writer's pid and start time.
int start_writer(const std::vector<std::string>& args, const std::filesystem::path& log_file, pid_t& pid,
                 std::uint64_t& start_time) {
    auto program = capture::capture_writer_program();
    if (::access(program.c_str(), X_OK) != 0) {
        throw Error(fmt::format("the capture writer {} is missing: oyster-capture-writer is installed beside oyster",
                                program.string()));
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe for a guest's writer");
    FdGuard read_end(fds[0]), write_end(fds[1]);
    // A deeper pipe lets the guest run on while the writer waits for the disk;
    // the default (64 KiB) still works, so a refusal is not an error.
    (void)::fcntl(write_end.get(), F_SETPIPE_SZ, 1 << 20);
    std::vector<std::string> argv{program.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid = spawn_session(argv, log_file, {}, read_end.get());
    start_time = process_start_time(pid).value_or(0);
    return write_end.release();
}

// The capture's writer; the UML process is given the returned write end.
int start_capture_writer(GuestRecord& g, std::uint64_t max_bytes) {
    return start_writer({g.capture_file().string(), g.capture_times_file().string(), std::to_string(max_bytes)},
                        g.capture_writer_log(), g.writer_pid, g.writer_start_time);
}

// The console's writer; the returned write end is the UML process's stdout
// and stderr.
int start_console_writer(GuestRecord& g, std::uint64_t max_bytes) {
    return start_writer({"--console", g.console_log().string(), std::to_string(max_bytes)}, g.console_writer_log(),
                        g.console_writer_pid, g.console_writer_start_time);
}

// The containment table stays while any guest of this namespace runs.
// Called with the state lock held.
void remove_containment_if_unused(const std::filesystem::path& state_dir, std::uint64_t netns) {
    for (const auto& other : load_all_guests(state_dir)) {
        if (other.netns_inode == netns && (other.state == "starting" || guest_alive(other))) return;
    }
    remove_guest_containment();
}

void kill_guest_processes(const GuestRecord& g) {
    // The UML process leads its own session and process group; its helper and
    // guest-userspace host processes are in that group too.
    // Also after the leader is gone: its group may outlive it. Never with
    // pid 0 (nothing was started), which would signal our own group.
    if (g.pid > 0) ::kill(-g.pid, SIGKILL);
}

// The key this boot's honeylog messages carry (patch 0018): random per boot,
// so a key an intruder reads in one guest forges nothing in another.
std::string random_honeylog_boot_key() {
    std::uint64_t key = 0;
    while (key == 0) {
        if (::getrandom(&key, sizeof key, 0) != static_cast<ssize_t>(sizeof key)) throw_errno("getrandom");
    }
    return fmt::format("{:016x}", key);
}

}  // namespace

std::vector<std::string> uml_command_line(const Config& cfg, const Platform& platform, const GuestRecord& g) {
    auto link_mask = Ipv4{g.prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - g.prefix_len)};
    std::string ip = fmt::format("ip={}::{}:{}:{}:eth0:off", g.guest_ip, g.host_ip, link_mask.str(), platform.hostname);
    if (!cfg.network.dns.empty()) ip += ":" + cfg.network.dns;
    return {
        platform.kernel.string(),
        fmt::format("mem={}M", cfg.guest.memory_mib),
        fmt::format("ubd0={},{}", g.cow.string(), platform.image.string()),
        // The disk is shown as a virtio disk, partitioned (patch 0008, image/tasks/90-disk.sh).
        "root=/dev/vda1",
        "rw",
        // The image's modules are its Debian kernel's, which this kernel
        // refuses, aloud in the log. The image turns loading off at boot
        // (kernel.modules_disabled); this turns it off before the first
        // attempt, which then fails as quietly as any later one.
        "nomodule",
        // The tap attached by the launcher, as descriptor kTapFd (patch 0020):
        // the jail's network namespace has no tap to attach to.
        fmt::format("eth0=tuntap,fd:{},{}", kTapFd, g.mac),
        ip,
        "umid=" + g.id,
        "uml_dir=" + g.uml_dir().string(),
        "con=null",
        "con0=null,fd:1",
        "ssl=null",
    };
}

namespace {

// Whether the guest's sshd listens on port 22, asked of its kernel over the
// mconsole rather than by connecting (sandbox/tcp_listeners.h says why).
// False until the kernel has opened its console, early in the boot. A
// kernel that cannot read the table (one before patch 0035, which the
// benches build as a baseline: UML's mconsole says "Read of file failed")
// is asked by connecting.
bool sshd_listening(const GuestRecord& g) {
    for (const char* table : {"proc net/tcp", "proc net/tcp6"}) {
        try {
            auto reply = mconsole_command(g.mconsole_socket(), table, std::chrono::seconds(2));
            if (!reply.ok && reply.text.starts_with("Read of file failed")) {
                return tcp_port_accepts(g.guest_ip, 22, std::chrono::milliseconds(500));
            }
            if (reply.ok && tcp_port_listening(reply.text, 22)) return true;
        } catch (const Error&) {
            return false;
        }
    }
    return false;
}

// Waits until the guest's boot has settled (its CPU at most a tenth busy
// over kSettleWindow, from its kernel's /proc/stat over the mconsole), at
// most until `give_up`. sshd listens before systemd has finished the boot;
// a job still running when the clocks catch up ends a month later, and
// `systemd-analyze` then says the boot took that month. Returns whether it
// settled.
bool wait_for_settled_boot(const GuestRecord& g, Clock::time_point give_up) {
    constexpr auto kSettleWindow = std::chrono::milliseconds(300);
    constexpr auto kPoll = std::chrono::milliseconds(50);
    std::deque<std::pair<Clock::time_point, std::uint64_t>> samples;  // when, busy ticks
    while (Clock::now() < give_up) {
        std::optional<CpuTicks> ticks;
        try {
            auto reply = mconsole_command(g.mconsole_socket(), "proc stat", std::chrono::seconds(2));
            if (reply.ok) ticks = parse_proc_stat_cpu(reply.text);
        } catch (const Error&) {
        }
        auto now = Clock::now();
        if (ticks) {
            samples.emplace_back(now, ticks->busy());
            while (samples.size() > 1 && now - samples[1].first >= kSettleWindow) samples.pop_front();
            auto [then, busy_then] = samples.front();
            if (now - then >= kSettleWindow && ticks->busy() >= busy_then) {
                auto window_ticks = static_cast<std::uint64_t>(
                                        std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count()) *
                                    kProcStatTicksPerSecond / 1000;
                if ((ticks->busy() - busy_then) * 10 <= window_ticks) return true;
            }
        }
        std::this_thread::sleep_for(kPoll);
    }
    return false;
}

}  // namespace

GuestRecord start_guest(const Config& cfg, const Platform& platform, const StartOptions& opts, std::ostream& log) {
    // A guest writes its disk, capture, pcap and console: on a full disk
    // they, and the sensor's events, would be lost.
    require_free_space(cfg.paths.state_dir, cfg.guest.reserve_free_mib,
                       fmt::format("{}: guest.reserve_free_mib", cfg.source));
    verify_base_image(platform);
    check_image_spec(cfg, platform);
    auto pool = parse_ipv4_network(cfg.network.guest_pool);
    if (!pool) throw Error("network.guest_pool is not a network: " + cfg.network.guest_pool);

    GuestRecord g;
    std::int64_t disk_last_written = 0;  // unix seconds; 0 for a new disk
    {
        StateLock lock(cfg.paths.state_dir);
        auto guests_dir = cfg.paths.state_dir / "guests";
        std::set<std::uint32_t> used;
        std::vector<int> used_cpus;
        for (const auto& other : load_all_guests(cfg.paths.state_dir)) {
            // A guest still booting holds its slot too (two starts at once must
            // not share an address); one whose starter died long ago does not.
            bool booting = other.state == "starting" && unix_now() - other.started_at <= cfg.guest.boot_timeout_s + 60;
            if (guest_alive(other) || booting) {
                used.insert(other.slot);
                if (other.cpu >= 0) used_cpus.push_back(other.cpu);
            }
        }
        std::uint32_t slot = 0;
        while (used.contains(slot)) ++slot;
        auto link = slot_link(*pool, slot);
        if (!link) throw Error(fmt::format("no free address in network.guest_pool {}", pool->str()));

        if (opts.restart) {
            if (opts.restart->state != "stopped") {
                throw Error(fmt::format("guest {} is {}, not stopped: it cannot be booted again", opts.restart->id,
                                        opts.restart->state));
            }
            g.id = opts.restart->id;
            g.dir = opts.restart->dir;
            g.cow = opts.restart->cow;
            g.mac = opts.restart->mac;
        } else {
            g.id = new_guest_id(guests_dir);
            g.dir = guests_dir / g.id;
            std::filesystem::create_directories(g.dir);
            std::filesystem::permissions(g.dir, std::filesystem::perms::owner_all);
            g.mac = random_guest_mac();
        }
        g.state = "starting";
        g.slot = slot;
        g.tap = kTapPrefix + g.id;
        g.host_ip = link->host.str();
        g.guest_ip = link->guest.str();
        g.prefix_len = link->prefix_len;
        g.kernel = platform.kernel;
        g.image = platform.image;
        g.netns_inode = current_netns_inode();
        g.started_at = unix_now();
        g.owner = opts.owner;
        g.cpu = choose_guest_cpu(cfg.guest.placement, guest_cpus(cfg), used_cpus);
        if (opts.reuse_cow || opts.restart) {
            if (opts.reuse_cow) g.cow = std::filesystem::absolute(*opts.reuse_cow);
            disk_last_written = fingerprint_file(g.cow).mtime_ns / 1'000'000'000;
            CowHeader h = read_cow_file(g.cow);
            auto named = std::filesystem::weakly_canonical(h.backing_file);
            if (named != std::filesystem::weakly_canonical(platform.image)) {
                throw Error(fmt::format("{} was made over {}, not over the current base image {}", g.cow.string(),
                                        h.backing_file, platform.image.string()));
            }
            check_backing_matches(h, platform.image);
        } else {
            g.cow = g.dir / "disk.cow";
            create_cow_file(g.cow, platform.image);
        }
        // Containment first: the rules exist before the tap does.
        install_guest_containment(cfg);
        save_guest(g);
        try {
            create_tap(g.tap, guest_uid(g.slot), *link);
        } catch (const Error&) {
            g.state = "failed";
            save_guest(g);
            throw;
        }
    }

    auto cleanup_failed = [&](const std::string& why) -> Error {
        kill_guest_processes(g);
        wait_exit(g, std::chrono::seconds(5));
        wait_writers(g, log);
        release_guest_files(guest_jail_files(g));
        try {
            delete_tap(g.tap);
        } catch (const Error&) {
        }
        StateLock lock(cfg.paths.state_dir);
        g.state = "failed";
        g.stopped_at = unix_now();
        save_guest(g);
        try {
            remove_containment_if_unused(cfg.paths.state_dir, g.netns_inode);
        } catch (const Error&) {
        }
        return Error(fmt::format("guest {} failed to start: {}\nlast console lines ({}):\n{}", g.id, why,
                                 g.console_log().string(), console_tail(g, 15)));
    };

    auto t0 = Clock::now();
    try {
        if (opts.on_tap_ready) opts.on_tap_ready(g);
        prepare_guest_files(guest_jail_files(g));
        std::vector<std::string> jail_notes;
        ProcessJail jail = guest_jail(guest_jail_spec(cfg, g), jail_notes);
        for (const auto& note : jail_notes) log << fmt::format("guest {}: {}\n", g.id, note);
        // No TMPDIR: UML then puts its memory file in the jail's /dev/shm.
        std::vector<std::string> env;
        if (opts.disguise) {
            env = shown_identity_env(platform.identity);
            // The firmware's SMBIOS table, where the guest kernel looks for
            // it (patch 0014): in the jail, never in the guest.
            jail.root.push_back({JailEntry::Kind::text_file, kBiosAreaFile,
                                 smbios_bios_area(platform.dmi, host_smbios_processor(read_file("/proc/cpuinfo")),
                                                  cfg.guest.memory_mib)});
            env.push_back(fmt::format("UML_SMBIOS={}", kBiosAreaFile));
            if (!platform.identity.modules.empty()) {
                jail.root.push_back({JailEntry::Kind::text_file, kShownModulesFile,
                                     shown_modules_text(platform.identity.modules, platform.identity.root_uuid)});
                env.push_back(fmt::format("UML_SHOWN_MODULES={}", kShownModulesFile));
            }
            for (auto& e :
                 shown_uptime_env(platform.shown_boot, unix_now(), disk_last_written,
                                  clock_catch_up(cfg.guest.boot_at_shown_moment, cfg.guest.catch_up_monotonic))) {
                env.push_back(std::move(e));
            }
        }
        int capture_fd = -1;
        if (cfg.capture.enabled) {
            // The guest kernel writes into a pipe, and only the writer outside
            // the jail writes the file: what reached the writer is on the host
            // even if every other Oyster process dies, and nothing the UML
            // process holds can change it.
            capture_fd = start_capture_writer(g, std::uint64_t{cfg.capture.max_mib} << 20);
            // Files changed after the base image was made are this guest's
            // own: the guest kernel keeps their content before a call
            // destroys it (patch 0017), through every boot of the guest.
            env.insert(
                env.end(),
                {fmt::format("OYSTER_CAPTURE_FD={}", kCaptureFd),
                 fmt::format("OYSTER_EXEC_CONTENT_LIMIT={}", std::uint64_t{cfg.capture.exec_content_limit_mib} << 20),
                 fmt::format("OYSTER_KEPT_CONTENT_LIMIT={}", std::uint64_t{cfg.capture.kept_content_limit_mib} << 20),
                 fmt::format("OYSTER_KEPT_SINCE_NS={}", fingerprint_file(platform.image).mtime_ns),
                 "OYSTER_HONEYLOG_KEY=" + platform.honeylog_key,
                 "OYSTER_HONEYLOG_BOOT_KEY=" + random_honeylog_boot_key()});
        }
        FdGuard capture_pipe(capture_fd);
        // The console through a writer of its own too: a guest writing to
        // /dev/console cannot fill the disk past guest.console_max_mib.
        FdGuard console(start_console_writer(g, std::uint64_t{cfg.guest.console_max_mib} << 20));
        FdGuard tap(attach_tap(g.tap));
        g.pid = spawn_session(uml_command_line(cfg, platform, g), console.get(), env, {capture_fd, tap.get()}, &jail);
    } catch (const Error& e) {
        throw cleanup_failed(e.what());
    }
    // Read the start time right away: the record must name this process, not
    // a later one with a reused pid.
    auto start_time = process_start_time(g.pid);
    g.pid_start_time = start_time.value_or(0);
    g.state = "running";
    save_guest(g);
    log << fmt::format("guest {}: UML pid {}, tap {} ({} <-> {}), disk {}\n", g.id, g.pid, g.tap, g.host_ip, g.guest_ip,
                       g.cow.string());

    if (!opts.wait_for_ssh) return g;
    auto deadline = t0 + std::chrono::seconds(cfg.guest.boot_timeout_s);
    while (Clock::now() < deadline) {
        if (!process_alive(g.pid, g.pid_start_time)) throw cleanup_failed("the UML process exited during boot");
        if (!sshd_listening(g)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        // The guest booted in its shown past (kernel patch 0029): its
        // clocks catch up now, before anyone else can reach it. A kernel
        // without the command keeps its old clock; a guest whose console
        // does not answer would stay in the past, so it is not used.
        if (opts.disguise && cfg.guest.boot_at_shown_moment) {
            if (!wait_for_settled_boot(g, std::min(deadline, Clock::now() + kMaxSettleWait))) {
                log << fmt::format("guest {}: boot still busy after {} s; its clocks catch up all the same\n", g.id,
                                   kMaxSettleWait.count());
            }
            try {
                auto reply = mconsole_command(g.mconsole_socket(), "clock");
                if (!reply.ok) log << fmt::format("guest {}: clock not caught up: {}\n", g.id, reply.text);
            } catch (const Error& e) {
                throw cleanup_failed(fmt::format("its clock did not catch up: {}", e.what()));
            }
        }
        g.boot_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        save_guest(g);
        log << fmt::format("guest {}: sshd listening after {:.2f} s\n", g.id, static_cast<double>(g.boot_ms) / 1000.0);
        return g;
    }
    throw cleanup_failed(fmt::format("sshd of {} not listening within {} s (guest.boot_timeout_s)", g.guest_ip,
                                     cfg.guest.boot_timeout_s));
}

void record_guest_cpu(const Config& cfg, const std::string& id, int cpu) {
    StateLock lock(cfg.paths.state_dir);
    GuestRecord g = load_guest(cfg.paths.state_dir / "guests" / id);
    if (g.state != "running") return;
    g.cpu = cpu;
    save_guest(g);
}

GuestRecord stop_guest(const Config& cfg, const std::string& id, std::ostream& log, bool decode_capture) {
    if (id.empty() || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw Error("no such guest '" + id + "' (ids are hex, see `oyster guest list`)");
    }
    auto dir = cfg.paths.state_dir / "guests" / id;
    if (!std::filesystem::exists(dir / "guest.json")) throw Error("no such guest '" + id + "'");
    GuestRecord g = load_guest(dir);
    if (g.state == "stopped") {
        log << fmt::format("guest {} is already stopped\n", g.id);
        return g;
    }
    // The tap can only be removed from the namespace it was made in.
    if (g.netns_inode != current_netns_inode()) {
        throw Error(fmt::format("guest {} runs in another network namespace (netns inode {}): stop it from there", g.id,
                                g.netns_inode));
    }
    auto timeout = std::chrono::seconds(cfg.guest.stop_timeout_s);
    if (process_alive(g.pid, g.pid_start_time)) {
        bool gone = false;
        try {
            mconsole_command(g.mconsole_socket(), "cad");
            log << fmt::format("guest {}: asked for a clean shutdown\n", g.id);
            gone = wait_exit(g, timeout);
        } catch (const Error& e) {
            log << fmt::format("guest {}: mconsole: {}\n", g.id, e.what());
        }
        if (!gone) {
            log << fmt::format("guest {}: no clean shutdown within {} s, halting\n", g.id, cfg.guest.stop_timeout_s);
            try {
                mconsole_command(g.mconsole_socket(), "halt");
                gone = wait_exit(g, std::chrono::seconds(3));
            } catch (const Error& e) {
                log << fmt::format("guest {}: mconsole: {}\n", g.id, e.what());
            }
        }
        if (!gone) log << fmt::format("guest {}: killing UML process group {}\n", g.id, g.pid);
    }
    kill_guest_processes(g);
    wait_exit(g, std::chrono::seconds(5));
    wait_writers(g, log);
    delete_tap(g.tap);
    std::error_code ec;
    std::filesystem::remove_all(g.uml_dir(), ec);
    release_guest_files(guest_jail_files(g));
    {
        StateLock lock(cfg.paths.state_dir);
        g.state = "stopped";
        g.stopped_at = unix_now();
        save_guest(g);
        remove_containment_if_unused(cfg.paths.state_dir, g.netns_inode);
    }
    if (decode_capture) decode_guest_capture(g, log);
    log << fmt::format("guest {}: stopped; disk kept at {}\n", g.id, g.cow.string());
    return g;
}

void release_guest_containment(const Config& cfg) {
    StateLock lock(cfg.paths.state_dir);
    remove_containment_if_unused(cfg.paths.state_dir, current_netns_inode());
}

void decode_guest_capture(const GuestRecord& g, std::ostream& log) {
    std::error_code ec;
    if (!std::filesystem::exists(g.capture_file(), ec)) return;
    std::filesystem::remove_all(g.capture_dir(), ec);
    std::string error;
    auto stats = capture::decode_capture_file(g.capture_file(), g.capture_dir(), &error);
    log << fmt::format("guest {}: capture decoded: {} records, {} events, {} tty sessions, {} files, {} gaps{}\n", g.id,
                       stats.records, stats.events, stats.tty_sessions, stats.files_stored, stats.gaps,
                       error.empty() ? "" : " (" + error + ")");
}

std::vector<GuestRecord> list_guests(const Config& cfg) {
    auto guests = load_all_guests(cfg.paths.state_dir);
    for (auto& g : guests) {
        if (g.state == "running" && !process_alive(g.pid, g.pid_start_time)) g.state = "exited";
    }
    return guests;
}

}  // namespace oyster
