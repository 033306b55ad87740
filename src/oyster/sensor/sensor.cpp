#include "oyster/sensor/sensor.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/common/thread_set.h"
#include "oyster/common/unix_time.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/analysis_worker.h"
#include "oyster/forensics/yara_rules.h"
#include "oyster/net/drop_monitor.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/net/portal_routing.h"
#include "oyster/net/smtp_sink.h"
#include "oyster/net/tap_capture.h"
#include "oyster/outputs/event_outputs.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/sensor/capture_follower.h"
#include "oyster/sensor/event_log.h"
#include "oyster/sensor/intrusion.h"
#include "oyster/sensor/portal.h"
#include "oyster/store/store_feeder.h"
#include "oyster/store/store_paths.h"
#include "oyster/web/web_server.h"

namespace oyster::sensor {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// At most one event per second per key; the next one says how many were
// left out in between.
class EventThrottle {
public:
    std::optional<std::uint64_t> allow(const std::string& key) {
        auto& e = entries_[key];
        auto now = Clock::now();
        if (now - e.last < std::chrono::seconds(1) && e.last != Clock::time_point{}) {
            ++e.suppressed;
            return std::nullopt;
        }
        e.last = now;
        return std::exchange(e.suppressed, 0);
    }

private:
    struct Entry {
        Clock::time_point last{};
        std::uint64_t suppressed = 0;
    };
    std::map<std::string, Entry> entries_;
};

// What other threads (mail sink, drop monitor) may ask about a guest.
struct GuestInfo {
    std::string guest_id;
    std::filesystem::path dir;
    std::string source_ip;
    std::string intrusion_id;
};

class SensorDaemon : public PortalPolicy {
public:
    SensorDaemon(const Config& cfg, const Platform& platform, DaemonLog& log)
        : cfg_(cfg),
          platform_(platform),
          log_(log),
          events_(store::sensor_events_file(cfg.paths.state_dir)),
          feeder_(store::store_file(cfg.paths.state_dir), events_.path(),
                  [&log](const std::string& line) { log.line(line); }),
          outputs_(cfg, events_.path(), [&log](const std::string& line) { log.line(line); }),
          analysis_options_(forensics::analysis_options(cfg)),
          portal_(cfg.sensor, *this) {}

    int run();

    Decision admit(const PeerAddress& peer, std::uint16_t public_port) override;
    void activity(std::uint64_t guest) override;
    void closed(std::uint64_t guest, const PeerAddress& peer, const ConnectionSummary& summary) override;

private:
    struct Slot {
        std::uint64_t handle = 0;
        enum class State { booting, ready, stopping } state = State::booting;
        std::optional<GuestRecord> guest;
        std::optional<Intrusion> intrusion;
        std::string source;  // empty while in the pool
        std::int64_t requested_at = 0;
        unsigned connections = 0;
        Clock::time_point last_activity = Clock::now();
        std::unique_ptr<TapCapture> pcap;
        std::unique_ptr<CaptureFollower> follower;  // while an intrusion is open
        bool intrusion_dirty = false;
    };
    struct Completion {
        enum class Kind { booted, boot_failed, stopped } kind;
        std::uint64_t handle = 0;
        std::optional<GuestRecord> guest;
        std::unique_ptr<TapCapture> pcap;
        std::string error;
    };

    void recover();
    void start_boot(Slot& slot);
    void begin_stop(Slot& slot, const std::string& reason);
    void post(Completion c);
    void drain_completions();
    void tick();
    void refill_pool();
    void open_intrusion(Slot& slot, std::int64_t started_at);
    void follow_capture(Slot& slot);
    // Safe from worker threads: EventLog is.
    void emit_intrusion_closed(const Intrusion& i);
    // Marks the intrusion's directory as not to be pruned until analyze()
    // of it has ended.
    void hold_for_analysis(const Intrusion& i);
    // Runs on a worker thread: the intrusion's forensic analysis in a child
    // process, reported as events. One at a time (they share two cores
    // with the guests).
    void analyze(const Intrusion& i, bool skip_when_stopping);
    void emit_analysis(const Intrusion& i, const nlohmann::json& analysis);
    void prune_if_over_budget();
    void publish(const Slot& slot);
    void unpublish(const Slot& slot);
    void on_drop(const LoggedPacket& p);
    void on_mail(const SinkedMessage& m);
    std::optional<GuestInfo> guest_by_ip(Ipv4 ip);
    std::string guest_name(const Slot& s) const { return s.guest ? s.guest->id : fmt::format("boot#{}", s.handle); }
    std::size_t pooled_count() const;
    void refuse_event(const PeerAddress& peer, std::uint16_t port, const std::string& reason);

    const Config& cfg_;
    const Platform& platform_;
    DaemonLog& log_;
    EventLog events_;
    // After events_: stopped (with a last sync) before the log closes.
    store::StoreFeeder feeder_;
    outputs::OutputRunner outputs_;
    const forensics::AnalysisOptions analysis_options_;  // [forensics], resolved once
    std::map<std::uint64_t, Slot> slots_;
    std::map<std::string, std::uint64_t> by_source_;
    std::map<std::string, unsigned> conns_per_source_;
    std::uint64_t next_handle_ = 1;
    std::atomic<bool> stopping_{false};
    Clock::time_point last_prune_{}, last_liveness_{}, last_save_{}, last_follow_{};
    EventThrottle throttle_;
    std::map<std::string, std::uint64_t> refused_;

    std::mutex info_mu_;
    std::map<std::uint32_t, GuestInfo> by_guest_ip_;

    std::mutex analysis_mu_;  // one analysis at a time
    std::mutex analysing_mu_;
    std::set<std::filesystem::path> analysing_;  // not pruned meanwhile

    std::mutex q_mu_;
    std::deque<Completion> completions_;
    int wake_fd_ = -1;
    ThreadSet workers_;
    // Last: destroyed first, while what its callbacks use still exists.
    Portal portal_;
};

// ---------------------------------------------------------------- run

int SensorDaemon::run() {
    // More connections than the default 1024 descriptors allow are normal
    // for a honeypot under a scan.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw_errno("eventfd");
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    int sig_fd = ::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0) throw_errno("signalfd");

    // Whatever way run() ends (a port in use, a signal), the routing rule goes
    // and the table goes unless guests of this namespace still run.
    struct NetworkGuard {
        const Config& cfg;
        ~NetworkGuard() {
            try {
                remove_portal_routing();
                release_guest_containment(cfg);
            } catch (const std::exception&) {
            }
        }
    };
    if (cfg_.forensics.enabled) {
        // Rules that do not compile are a configuration error, found now
        // and not when the first intrusion ends.
        forensics::YaraRules rules(analysis_options_.yara_rules);
        log_.line(
            fmt::format("forensics: {} YARA rules from {}", rules.rule_count(), analysis_options_.yara_rules.string()));
    }
    std::unique_ptr<web::WebServer> web_ui;
    if (cfg_.web.enabled) {
        auto wo = web::web_options(cfg_);
        web_ui = std::make_unique<web::WebServer>(wo, [this](const std::string& m) { log_.line(m); });
        log_.line(fmt::format("web UI and API on http://{}:{}/ (access token in {})", wo.host, web_ui->port(),
                              web_token_file(cfg_).string()));
    }
    install_guest_containment(cfg_);
    NetworkGuard network_guard{cfg_};
    install_portal_routing();
    log_.line(fmt::format("containment table and portal routing installed; events in {}", events_.path().string()));
    portal_.listen();

    DropMonitor drops([this](const LoggedPacket& p) { on_drop(p); });
    SmtpSink sink(
        cfg_.data_control.smtp_sink_port, "mail." + platform_.hostname + ".localdomain",
        [this](Ipv4 ip) -> std::optional<std::filesystem::path> {
            auto info = guest_by_ip(ip);
            if (!info) return std::nullopt;
            return info->dir / "smtp";
        },
        [this](const SinkedMessage& m) { on_mail(m); });

    recover();
    portal_.watch(wake_fd_, [this] {
        std::uint64_t v;
        [[maybe_unused]] auto n = ::read(wake_fd_, &v, sizeof v);
        drain_completions();
    });
    portal_.watch(sig_fd, [this, sig_fd] {
        signalfd_siginfo si{};
        [[maybe_unused]] auto n = ::read(sig_fd, &si, sizeof si);
        if (!stopping_) {
            log_.line(fmt::format("signal {}: stopping every guest, then exiting", si.ssi_signo));
            stopping_ = true;
        }
    });
    std::string ports;
    for (const auto& m : cfg_.sensor.ports) ports += fmt::format(" {}->{}", m.public_port, m.guest_port);
    events_.emit("sensor_started", {{"listen", cfg_.sensor.listen_address},
                                    {"ports", ports.empty() ? ports : ports.substr(1)},
                                    {"pool_size", cfg_.sensor.pool_size},
                                    {"max_guests", cfg_.sensor.max_guests},
                                    {"pid", ::getpid()}});
    log_.line(fmt::format("portal listening on {} ports{}; pool {} guests, at most {}", cfg_.sensor.listen_address,
                          ports, cfg_.sensor.pool_size, cfg_.sensor.max_guests));

    bool shutdown_begun = false;
    while (true) {
        portal_.run_once(250);
        drain_completions();
        if (stopping_ && !shutdown_begun) {
            shutdown_begun = true;
            portal_.stop_listening();
            portal_.close_all();
        }
        if (stopping_) {
            for (auto& [h, s] : slots_) {
                if (s.state == Slot::State::ready) begin_stop(s, "sensor stopped");
            }
            if (slots_.empty()) break;
            continue;
        }
        tick();
    }
    workers_.join_all();
    for (const auto& [reason, n] : refused_) log_.line(fmt::format("refused {} connections: {}", n, reason));
    events_.emit("sensor_stopped", {{"connections_accepted", portal_.accepted()}});
    ::close(sig_fd);
    ::close(wake_fd_);
    log_.line("stopped");
    return 0;
}

// ---------------------------------------------------------------- recovery

void SensorDaemon::recover() {
    auto intrusions = load_all_intrusions(cfg_.paths.state_dir);
    std::map<std::string, Intrusion> open_by_guest;
    for (auto& i : intrusions) {
        if (i.state == "open") open_by_guest.emplace(i.guest_id, i);
    }
    struct stat ns {};
    ::stat("/proc/self/ns/net", &ns);
    for (auto& g : load_all_guests(cfg_.paths.state_dir)) {
        if (g.owner != "sensor") continue;
        auto open = open_by_guest.find(g.id);
        bool alive = g.state == "running" && process_alive(g.pid, g.pid_start_time);
        if (alive && g.netns_inode != ns.st_ino) {
            // Its tap is in another network namespace: another sensor's.
            log_.line(fmt::format("guest {}: running in another network namespace, left alone", g.id));
            continue;
        }
        if (alive) {
            Slot s;
            s.handle = next_handle_++;
            s.state = Slot::State::ready;
            s.guest = g;
            try {
                s.pcap =
                    std::make_unique<TapCapture>(g.tap, g.pcap_dir(), std::uint64_t{cfg_.sensor.pcap_rotate_mib} << 20);
            } catch (const Error& e) {
                log_.line(fmt::format("guest {}: no packet capture after restart: {}", g.id, e.what()));
            }
            if (open != open_by_guest.end()) {
                s.intrusion = open->second;
                s.source = open->second.source_ip;
                by_source_[s.source] = s.handle;
                // From now on: what happened while no sensor ran is in the
                // full decode at stop.
                follow_capture(s);
            }
            log_.line(fmt::format("guest {}: still running, adopted ({})", g.id,
                                  s.source.empty() ? "back in the pool" : "intrusion of " + s.source));
            events_.emit(
                "guest_recovered",
                {{"guest_id", g.id}, {"source_ip", s.source}, {"intrusion_id", s.intrusion ? s.intrusion->id : ""}});
            auto [it, _] = slots_.emplace(s.handle, std::move(s));
            publish(it->second);
            continue;
        }
        if (g.state == "running" || g.state == "starting") {
            LogStream out(log_, "recovery: ");
            try {
                stop_guest(cfg_, g.id, out);
            } catch (const Error& e) {
                log_.line(fmt::format("guest {}: cleanup after restart: {}", g.id, e.what()));
            }
        }
        if (open != open_by_guest.end()) {
            Intrusion i = open->second;
            close_intrusion(i, "guest was gone when the sensor restarted");
            emit_intrusion_closed(i);
        }
    }
    // Closed intrusions whose analysis was never reported (the sensor
    // stopped or died first, or they predate forensics): analysed now, in
    // the background.
    if (!cfg_.forensics.enabled) return;
    std::vector<Intrusion> backlog;
    for (auto& i : load_all_intrusions(cfg_.paths.state_dir)) {
        if (i.state == "closed" && !std::filesystem::exists(i.dir / "forensics" / "reported") &&
            std::filesystem::exists(i.dir / "guest.json")) {
            backlog.push_back(std::move(i));
        }
    }
    if (backlog.empty()) return;
    log_.line(fmt::format("forensics: {} closed intrusions not analysed yet; analysing them", backlog.size()));
    for (const auto& i : backlog) hold_for_analysis(i);
    workers_.spawn([this, backlog = std::move(backlog)] {
        for (const auto& i : backlog) analyze(i, true);
    });
}

// ---------------------------------------------------------------- portal policy

Decision SensorDaemon::admit(const PeerAddress& peer, std::uint16_t public_port) {
    std::string src = peer.ip.str();
    Decision d;
    if (stopping_) {
        refuse_event(peer, public_port, "sensor stopping");
        return d;
    }
    // find(), not operator[]: a scan from a million addresses must not leave
    // a million entries behind.
    if (auto it = conns_per_source_.find(src);
        it != conns_per_source_.end() && it->second >= cfg_.sensor.max_connections_per_source) {
        refuse_event(peer, public_port, "too many connections from this source (sensor.max_connections_per_source)");
        return d;
    }
    Slot* slot = nullptr;
    if (auto it = by_source_.find(src); it != by_source_.end()) {
        slot = &slots_.at(it->second);
    } else {
        // A ready guest from the pool, else one of the pool still booting,
        // else a cold boot if the cap allows.
        for (auto& [h, s] : slots_) {
            if (s.source.empty() && s.state == Slot::State::ready) {
                slot = &s;
                break;
            }
        }
        if (slot == nullptr) {
            for (auto& [h, s] : slots_) {
                if (s.source.empty() && s.state == Slot::State::booting) {
                    slot = &s;
                    break;
                }
            }
        }
        if (slot == nullptr) {
            if (slots_.size() >= cfg_.sensor.max_guests) {
                refuse_event(peer, public_port, "guest cap reached (sensor.max_guests)");
                return d;
            }
            Slot s;
            s.handle = next_handle_++;
            auto [placed, _] = slots_.emplace(s.handle, std::move(s));
            slot = &placed->second;
            slot->requested_at = unix_now();
            start_boot(*slot);
            events_.emit("guest_cold_boot", {{"source_ip", src}, {"boot", slot->handle}});
        }
        slot->source = src;
        slot->requested_at = slot->requested_at == 0 ? unix_now() : slot->requested_at;
        by_source_[src] = slot->handle;
        if (slot->state == Slot::State::ready) open_intrusion(*slot, unix_now());
    }
    ++conns_per_source_[src];
    ++slot->connections;
    slot->last_activity = Clock::now();
    if (slot->intrusion) {
        ++slot->intrusion->connections;
        slot->intrusion->last_activity_at = unix_now();
        slot->intrusion_dirty = true;
    }
    d.guest = slot->handle;
    bool ready = slot->state == Slot::State::ready;
    d.kind = ready ? Decision::Kind::connect : Decision::Kind::wait;
    if (ready) d.guest_ip = *parse_ipv4(slot->guest->guest_ip);
    events_.emit("connection", {{"source_ip", src},
                                {"source_port", peer.port},
                                {"port", public_port},
                                {"guest_id", slot->guest ? slot->guest->id : ""},
                                {"intrusion_id", slot->intrusion ? slot->intrusion->id : ""},
                                {"waits_for_boot", !ready}});
    return d;
}

void SensorDaemon::activity(std::uint64_t guest) {
    if (auto it = slots_.find(guest); it != slots_.end()) it->second.last_activity = Clock::now();
}

void SensorDaemon::closed(std::uint64_t guest, const PeerAddress& peer, const ConnectionSummary& summary) {
    std::string src = peer.ip.str();
    if (auto it = conns_per_source_.find(src); it != conns_per_source_.end() && --it->second == 0) {
        conns_per_source_.erase(it);
    }
    std::string guest_id;
    if (auto it = slots_.find(guest); it != slots_.end()) {
        Slot& s = it->second;
        if (s.connections > 0) --s.connections;
        s.last_activity = Clock::now();
        guest_id = s.guest ? s.guest->id : "";
    }
    events_.emit("connection_closed", {{"source_ip", src},
                                       {"source_port", peer.port},
                                       {"guest_id", guest_id},
                                       {"bytes_from_client", summary.bytes_from_client},
                                       {"bytes_to_client", summary.bytes_to_client},
                                       {"duration_ms", summary.duration_ms},
                                       {"reached_guest", summary.reached_guest},
                                       {"end", summary.end}});
}

void SensorDaemon::refuse_event(const PeerAddress& peer, std::uint16_t port, const std::string& reason) {
    ++refused_[reason];
    if (auto suppressed = throttle_.allow("refused " + reason)) {
        events_.emit("connection_refused", {{"source_ip", peer.ip.str()},
                                            {"source_port", peer.port},
                                            {"port", port},
                                            {"reason", reason},
                                            {"refused_total", refused_[reason]},
                                            {"not_logged_since_last", *suppressed}});
    }
}

// ---------------------------------------------------------------- guests

void SensorDaemon::post(Completion c) {
    {
        std::lock_guard lock(q_mu_);
        completions_.push_back(std::move(c));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void SensorDaemon::start_boot(Slot& slot) {
    slot.state = Slot::State::booting;
    std::uint64_t handle = slot.handle;
    workers_.spawn([this, handle] {
        LogStream out(log_, "");
        Completion c{Completion::Kind::boot_failed, handle, std::nullopt, nullptr, {}};
        std::unique_ptr<TapCapture> pcap;
        StartOptions opts;
        opts.owner = "sensor";
        opts.on_tap_ready = [&](const GuestRecord& g) {
            pcap = std::make_unique<TapCapture>(g.tap, g.pcap_dir(), std::uint64_t{cfg_.sensor.pcap_rotate_mib} << 20);
        };
        try {
            c.guest = start_guest(cfg_, platform_, opts, out);
            c.kind = Completion::Kind::booted;
            c.pcap = std::move(pcap);
        } catch (const std::exception& e) {
            c.error = e.what();
        }
        post(std::move(c));
    });
}

void SensorDaemon::begin_stop(Slot& slot, const std::string& reason) {
    if (slot.state != Slot::State::ready) return;
    slot.state = Slot::State::stopping;
    if (!slot.source.empty()) by_source_.erase(slot.source);
    portal_.guest_gone(slot.handle);
    unpublish(slot);
    log_.line(fmt::format("guest {}: stopping ({})", guest_name(slot), reason));
    if (slot.follower) {
        slot.follower->poll();
        slot.follower.reset();
    }
    auto guest = *slot.guest;
    auto intrusion = slot.intrusion;
    std::shared_ptr<TapCapture> pcap = std::move(slot.pcap);
    std::uint64_t handle = slot.handle;
    workers_.spawn([this, guest, intrusion, pcap, handle, reason]() mutable {
        LogStream out(log_, "");
        Completion c{Completion::Kind::stopped, handle, guest, nullptr, {}};
        try {
            stop_guest(cfg_, guest.id, out);
        } catch (const std::exception& e) {
            c.error = e.what();
            log_.line(fmt::format("guest {}: stop: {}", guest.id, e.what()));
        }
        // The tap is gone now; the capture thread has ended with it.
        pcap.reset();
        if (intrusion) {
            try {
                close_intrusion(*intrusion, reason);
            } catch (const std::exception& e) {
                log_.line(fmt::format("intrusion {}: cannot save: {}", intrusion->id, e.what()));
            }
            emit_intrusion_closed(*intrusion);
        }
        // The slot is freed first (a new attacker need not wait for the
        // analysis); the directory is held against pruning until it ends.
        bool analyse = intrusion && cfg_.forensics.enabled;
        if (analyse) hold_for_analysis(*intrusion);
        post(std::move(c));
        if (analyse) analyze(*intrusion, false);
    });
}

void SensorDaemon::drain_completions() {
    std::deque<Completion> batch;
    {
        std::lock_guard lock(q_mu_);
        batch.swap(completions_);
    }
    for (auto& c : batch) {
        auto it = slots_.find(c.handle);
        if (it == slots_.end()) continue;
        Slot& s = it->second;
        switch (c.kind) {
            case Completion::Kind::booted:
                s.state = Slot::State::ready;
                s.guest = std::move(c.guest);
                s.pcap = std::move(c.pcap);
                s.last_activity = Clock::now();
                events_.emit("guest_ready", {{"guest_id", s.guest->id},
                                             {"guest_ip", s.guest->guest_ip},
                                             {"boot_ms", s.guest->boot_ms},
                                             {"source_ip", s.source}});
                if (!s.source.empty()) {
                    open_intrusion(s, s.requested_at);
                    s.intrusion->connections = s.connections;
                    portal_.guest_ready(s.handle, *parse_ipv4(s.guest->guest_ip));
                }
                publish(s);
                if (stopping_) begin_stop(s, "sensor stopped");
                break;
            case Completion::Kind::boot_failed:
                log_.line(fmt::format("guest boot failed: {}", c.error));
                events_.emit("guest_boot_failed", {{"source_ip", s.source}, {"error", c.error}});
                if (!s.source.empty()) by_source_.erase(s.source);
                portal_.guest_gone(s.handle);
                slots_.erase(it);
                break;
            case Completion::Kind::stopped:
                slots_.erase(it);
                prune_if_over_budget();
                break;
        }
    }
}

void SensorDaemon::emit_intrusion_closed(const Intrusion& i) {
    events_.emit("intrusion_closed", {{"intrusion_id", i.id},
                                      {"source_ip", i.source_ip},
                                      {"guest_id", i.guest_id},
                                      {"reason", i.end_reason},
                                      {"connections", i.connections},
                                      {"pcap_files", i.pcap_files},
                                      {"disk_bytes", i.disk_bytes},
                                      {"dir", i.dir.string()}});
}

void SensorDaemon::hold_for_analysis(const Intrusion& i) {
    std::lock_guard lock(analysing_mu_);
    analysing_.insert(i.dir);
}

void SensorDaemon::analyze(const Intrusion& i, bool skip_when_stopping) {
    struct Release {
        SensorDaemon& d;
        const std::filesystem::path& dir;
        ~Release() {
            std::lock_guard lock(d.analysing_mu_);
            d.analysing_.erase(dir);
        }
    } release{*this, i.dir};
    std::lock_guard one_at_a_time(analysis_mu_);
    if (skip_when_stopping && stopping_) return;  // left for the next start
    try {
        auto analysis = forensics::run_analysis_worker("/proc/self/exe", i.dir, analysis_options_);
        emit_analysis(i, analysis);
    } catch (const std::exception& e) {
        log_.line(fmt::format("intrusion {}: forensics: {}", i.id, e.what()));
        events_.emit(
            "forensics_done",
            {{"intrusion_id", i.id}, {"guest_id", i.guest_id}, {"source_ip", i.source_ip}, {"error", e.what()}});
    }
    // Reported, even when it failed: a failure is not retried at every
    // start (oyster files --rescan runs it again by hand).
    try {
        write_file_atomic(i.dir / "forensics" / "reported", utc_timestamp() + "\n");
    } catch (const std::exception& e) {
        log_.line(fmt::format("intrusion {}: forensics: {}", i.id, e.what()));
    }
}

void SensorDaemon::emit_analysis(const Intrusion& i, const json& a) {
    evidence::EvidenceStore store(analysis_options_.evidence_dir);
    auto with_intrusion = [&](json fields) {
        fields["intrusion_id"] = i.id;
        fields["guest_id"] = i.guest_id;
        fields["source_ip"] = i.source_ip;
        return fields;
    };
    auto evidence_of = [&](const json& o) -> json {
        if (!o.value("extracted", true)) return nullptr;
        auto sha = o.find("sha256");
        if (sha == o.end() || !sha->is_string() || !is_sha256_hex(sha->get<std::string>())) return nullptr;
        return store.path_for(sha->get<std::string>()).string();
    };
    std::size_t files = 0, noise = 0, executed = 0;
    for (const auto& f : a.value("files", json::array())) {
        if (!f.is_object()) continue;
        if (f.contains("noise") && !f["noise"].is_null()) {
            ++noise;
            continue;
        }
        if (f.value("change", "") == "executed") ++executed;
        ++files;
        json e = f;
        e["evidence"] = evidence_of(f);
        events_.emit("forensic_file", with_intrusion(std::move(e)));
    }
    const auto& alerts = a.value("alerts", json::array());
    for (const auto& al : alerts) {
        if (!al.is_object()) continue;
        json e = al;
        e["evidence"] = evidence_of(al);
        events_.emit("alert", with_intrusion(std::move(e)));
    }
    const auto& artefacts = a.value("artefacts", json::array());
    for (const auto& art : artefacts) {
        if (art.is_object()) events_.emit("artefact", with_intrusion(art));
    }
    events_.emit("forensics_done", with_intrusion({{"files", files},
                                                   {"noise", noise},
                                                   {"executed", executed},
                                                   {"alerts", alerts.size()},
                                                   {"artefacts", artefacts.size()},
                                                   {"yara_rules", a.value("yara_rules", 0)},
                                                   {"duration_ms", a.value("duration_ms", 0)},
                                                   {"journal_replay", a.value("journal_replay", json(nullptr))},
                                                   {"errors", a.value("errors", json::array())}}));
    log_.line(fmt::format("intrusion {}: forensics: {} files changed or executed ({} noise), {} alerts, {} ms", i.id,
                          files, noise, alerts.size(), a.value("duration_ms", 0)));
}

void SensorDaemon::open_intrusion(Slot& s, std::int64_t started_at) {
    Intrusion i;
    i.guest_id = s.guest->id;
    i.id = new_intrusion_id(i.guest_id, started_at);
    i.state = "open";
    i.source_ip = s.source;
    i.dir = s.guest->dir;
    i.started_at = started_at;
    i.last_activity_at = unix_now();
    save_intrusion(i);
    s.intrusion = i;
    events_.emit("intrusion_opened", {{"intrusion_id", i.id},
                                      {"source_ip", i.source_ip},
                                      {"guest_id", i.guest_id},
                                      {"guest_ip", s.guest->guest_ip},
                                      {"dir", i.dir.string()}});
    log_.line(fmt::format("intrusion {}: {} gets guest {} ({})", i.id, i.source_ip, i.guest_id, s.guest->guest_ip));
    publish(s);
    follow_capture(s);
}

void SensorDaemon::follow_capture(Slot& s) {
    if (!cfg_.capture.enabled || !s.guest || !s.intrusion) return;
    auto sink = [this, guest_id = s.guest->id, intrusion_id = s.intrusion->id, source = s.source](
                    const std::string& type, nlohmann::json fields) {
        fields["guest_id"] = guest_id;
        fields["intrusion_id"] = intrusion_id;
        fields["source_ip"] = source;
        events_.emit(type, std::move(fields));
    };
    s.follower = std::make_unique<CaptureFollower>(s.guest->capture_file(), sink);
}

std::size_t SensorDaemon::pooled_count() const {
    std::size_t n = 0;
    for (const auto& [h, s] : slots_) {
        if (s.source.empty() && s.state != Slot::State::stopping) ++n;
    }
    return n;
}

void SensorDaemon::refill_pool() {
    // One pool boot at a time: boots compete for the same two cores as the
    // guests attackers are using.
    std::size_t booting = 0;
    for (const auto& [h, s] : slots_) {
        if (s.state == Slot::State::booting && s.source.empty()) ++booting;
    }
    if (booting > 0) return;
    if (pooled_count() >= cfg_.sensor.pool_size || slots_.size() >= cfg_.sensor.max_guests) return;
    Slot s;
    s.handle = next_handle_++;
    auto [it, _] = slots_.emplace(s.handle, std::move(s));
    start_boot(it->second);
}

void SensorDaemon::tick() {
    auto now = Clock::now();
    bool check_liveness = now - last_liveness_ >= std::chrono::seconds(2);
    if (check_liveness) last_liveness_ = now;
    bool save = now - last_save_ >= std::chrono::seconds(5);
    if (save) last_save_ = now;
    // tick() runs after every portal wakeup; under a flood of connections
    // that is far more often than the live capture needs reading.
    bool follow = now - last_follow_ >= std::chrono::milliseconds(250);
    if (follow) last_follow_ = now;
    for (auto& [h, s] : slots_) {
        if (s.state != Slot::State::ready) continue;
        if (follow && s.follower) s.follower->poll();
        if (check_liveness && !process_alive(s.guest->pid, s.guest->pid_start_time)) {
            begin_stop(s, "guest exited");
            continue;
        }
        if (!s.source.empty() && s.connections == 0 &&
            now - s.last_activity >= std::chrono::seconds(cfg_.sensor.idle_timeout_s)) {
            begin_stop(s, "idle");
            continue;
        }
        if (save && s.intrusion && s.intrusion_dirty) {
            s.intrusion_dirty = false;
            try {
                save_intrusion(*s.intrusion);
            } catch (const Error& e) {
                log_.line(e.what());
            }
        }
    }
    refill_pool();
    if (now - last_prune_ >= std::chrono::seconds(60)) {
        last_prune_ = now;
        prune_if_over_budget();
    }
}

void SensorDaemon::prune_if_over_budget() {
    std::uint64_t budget = std::uint64_t{cfg_.sensor.disk_budget_mib} << 20;
    // One walk per guest directory: the sizes found here decide what goes.
    std::map<std::filesystem::path, std::uint64_t> bytes;
    std::uint64_t used = 0;
    for (const auto& g : load_all_guests(cfg_.paths.state_dir)) {
        if (g.owner != "sensor") continue;
        used += bytes[g.dir] = allocated_bytes(g.dir);
    }
    if (used <= budget) return;
    // Oldest first (ids sort by start time); open intrusions are never pruned.
    for (const auto& i : load_all_intrusions(cfg_.paths.state_dir)) {
        if (used <= budget) break;
        if (i.state != "closed") continue;
        {
            std::lock_guard lock(analysing_mu_);
            if (analysing_.contains(i.dir)) continue;
        }
        std::uint64_t freed = bytes.contains(i.dir) ? bytes[i.dir] : allocated_bytes(i.dir);
        std::error_code ec;
        std::filesystem::remove_all(i.dir, ec);
        if (ec) {
            log_.line(fmt::format("intrusion {}: cannot prune {}: {}", i.id, i.dir.string(), ec.message()));
            continue;
        }
        used -= std::min(used, freed);
        events_.emit("intrusion_pruned", {{"intrusion_id", i.id},
                                          {"source_ip", i.source_ip},
                                          {"bytes", freed},
                                          {"disk_used_after", used},
                                          {"disk_budget", budget}});
        log_.line(fmt::format("intrusion {}: pruned ({} bytes) to stay within sensor.disk_budget_mib", i.id, freed));
    }
}

// ---------------------------------------------------------------- other threads

void SensorDaemon::publish(const Slot& s) {
    if (!s.guest) return;
    auto ip = parse_ipv4(s.guest->guest_ip);
    if (!ip) return;
    std::lock_guard lock(info_mu_);
    by_guest_ip_[ip->value] = {s.guest->id, s.guest->dir, s.source, s.intrusion ? s.intrusion->id : ""};
}

void SensorDaemon::unpublish(const Slot& s) {
    if (!s.guest) return;
    auto ip = parse_ipv4(s.guest->guest_ip);
    if (!ip) return;
    std::lock_guard lock(info_mu_);
    by_guest_ip_.erase(ip->value);
}

std::optional<GuestInfo> SensorDaemon::guest_by_ip(Ipv4 ip) {
    std::lock_guard lock(info_mu_);
    auto it = by_guest_ip_.find(ip.value);
    if (it == by_guest_ip_.end()) return std::nullopt;
    return it->second;
}

void SensorDaemon::on_drop(const LoggedPacket& p) {
    std::string reason = p.prefix;
    if (reason.starts_with(kDropLogPrefix)) reason = reason.substr(std::string_view(kDropLogPrefix).size());
    while (!reason.empty() && reason.back() == ' ') reason.pop_back();
    json e = {{"reason", reason}, {"cap_hit", reason.ends_with("_cap") || reason == "bandwidth"}};
    if (p.has_ipv4) {
        e["src"] = p.src.str();
        e["dst"] = p.dst.str();
        e["protocol"] = ip_protocol_name(p.protocol);
        if (p.src_port != 0 || p.dst_port != 0) {
            e["src_port"] = p.src_port;
            e["dst_port"] = p.dst_port;
        }
        if (auto g = guest_by_ip(p.src)) {
            e["guest_id"] = g->guest_id;
            e["source_ip"] = g->source_ip;
            e["intrusion_id"] = g->intrusion_id;
        }
    }
    events_.emit("drop", std::move(e));
}

void SensorDaemon::on_mail(const SinkedMessage& m) {
    auto g = guest_by_ip(m.guest_ip);
    events_.emit("mail", {{"guest_id", g ? g->guest_id : ""},
                          {"intrusion_id", g ? g->intrusion_id : ""},
                          {"source_ip", g ? g->source_ip : ""},
                          {"original_destination", m.original_destination},
                          {"helo", m.message.helo},
                          {"mail_from", m.message.mail_from},
                          {"rcpt_to", m.message.rcpt_to},
                          {"auth", m.message.auth},
                          {"bytes", m.message.data.size()},
                          {"truncated", m.message.truncated},
                          {"file", m.file.string()}});
}

}  // namespace

int run_sensor(const Config& cfg, const Platform& platform, DaemonLog& log) {
    // Signals are taken through a signalfd in the event loop; they must be
    // blocked in every thread, so before any thread starts.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGPIPE);
    if (::pthread_sigmask(SIG_BLOCK, &sigs, nullptr) != 0) throw Error("cannot block SIGINT/SIGTERM");
    SensorDaemon daemon(cfg, platform, log);
    return daemon.run();
}

}  // namespace oyster::sensor
