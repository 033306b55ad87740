#include "oyster/sensor/sensor.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/capture/capture_writer.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/common/thread_set.h"
#include "oyster/common/unix_time.h"
#include "oyster/detection/flow_inspector.h"
#include "oyster/detection/sigma_ruleset.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/evidence/intrusion_record.h"
#include "oyster/forensics/analysis_worker.h"
#include "oyster/forensics/yara_rules.h"
#include "oyster/net/drop_monitor.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/net/portal_routing.h"
#include "oyster/net/smtp_sink.h"
#include "oyster/net/tap_capture.h"
#include "oyster/outputs/event_outputs.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/sandbox/guest_placement.h"
#include "oyster/sandbox/mconsole.h"
#include "oyster/sensor/capacity.h"
#include "oyster/sensor/capture_follower.h"
#include "oyster/sensor/cpu_balancer.h"
#include "oyster/sensor/event_log.h"
#include "oyster/sensor/guest_pool.h"
#include "oyster/sensor/intrusion_pruner.h"
#include "oyster/sensor/portal.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/store_feeder.h"
#include "oyster/store/store_location.h"
#include "oyster/store/store_paths.h"
#include "oyster/web/web_server.h"

extern "C" {
#include "oyster/capture/wire/oyster_capture.h"
}

namespace oyster::sensor {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The longest a guest's capture holds up the loop (the portal's) per poll:
// a guest's root flooding its capture slows its own live events, never
// the sensor's answers to other connections (or to its own attacker's).
constexpr std::chrono::milliseconds kFollowBudget{20};

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

std::unique_ptr<store::StoreFeeder> central_feeder(const Config& cfg, const std::filesystem::path& events,
                                                   DaemonLog& log) {
    auto at = store::central_store(cfg);
    if (!at) return nullptr;
    std::string server = store::redacted_url(at->where);
    auto source = store::central_log_source(cfg);
    log.line(fmt::format("fleet: shipping events to the central store {} as sensor {}", server, source.sensor));
    return std::make_unique<store::StoreFeeder>(*at, "central store " + server, events, source,
                                                [&log](const std::string& line) { log.line(line); });
}

class SensorDaemon : public PortalPolicy {
public:
    SensorDaemon(const Config& cfg, const Platform& platform, DaemonLog& log)
        : cfg_(cfg),
          platform_(platform),
          log_(log),
          events_(store::sensor_events_file(cfg.paths.state_dir), std::uint64_t{cfg.sensor.events_rotate_mib} << 20,
                  cfg.sensor.events_keep_files, sensor_name(cfg)),
          feeder_(store::store_file(cfg.paths.state_dir), events_.path(),
                  [&log](const std::string& line) { log.line(line); }),
          central_(central_feeder(cfg, events_.path(), log)),
          outputs_(cfg, events_.path(), [&log](const std::string& line) { log.line(line); }),
          analysis_options_(forensics::analysis_options(cfg)),
          capacity_(sensor_capacity(cfg)),
          balancer_(cfg.guest.placement, guest_cpus(cfg)),
          pool_(pool_policy(cfg, capacity_), pool_actions()),
          portal_(cfg.sensor, *this) {}

    int run();

    Decision admit(const PeerAddress& peer, std::uint16_t public_port) override;
    void activity(std::uint64_t guest) override;
    void closed(std::uint64_t guest, const PeerAddress& peer, const ConnectionSummary& summary) override;

private:
    // What the sensor holds for one of the pool's guests (same handle): its
    // process, its intrusion and their I/O. The lifecycle is the pool's.
    struct Slot {
        std::uint64_t handle = 0;
        bool live = false;  // booted and not yet stopped
        bool stopping = false;
        std::optional<GuestRecord> guest;
        std::optional<Intrusion> intrusion;
        std::string source;        // whose guest it is (engaged, dormant); empty before a login
        std::int64_t held_at = 0;  // unix time its source first came to it
        std::unique_ptr<TapCapture> pcap;
        bool pcap_quota_reported = false;
        bool console_quota_reported = false;
        std::unique_ptr<CaptureFollower> follower;  // while it runs
        bool intrusion_dirty = false;
    };
    struct Completion {
        enum class Kind { booted, boot_failed, stopped } kind;
        std::uint64_t handle = 0;
        std::optional<GuestRecord> guest;
        std::unique_ptr<TapCapture> pcap;
        std::string error;
    };

    static PoolPolicy pool_policy(const Config& cfg, const Capacity& capacity);
    GuestActions pool_actions();
    // The pool's requests that touch the portal (whose callbacks come back
    // into the pool) run once the pool's call has returned.
    void defer(std::function<void()> f) { deferred_.push_back(std::move(f)); }
    void run_deferred();
    void on_pool_note(events::GuestChangeKind what, const PoolGuest& g, const std::string& source,
                      const std::string& detail);
    void on_login(std::uint64_t handle, const nlohmann::json& login);
    // The source a guest's events are attributed to: its own, or the one
    // it serves before any login while it serves only one (the pool's).
    std::string attributed_source(const Slot& s) const;
    // Its capture is reported live while any source is on it (a pooled
    // guest's own cron and daemons are read past).
    bool reported(const Slot& s) const;
    // Tells the guest the host's count of its source's failed logins, so
    // that the login policy answers as if every attempt had been made on
    // this guest (capture/wire/oyster_capture.h, struct oyster_login_query).
    void tell_login_failures(const Slot& s, const std::string& source);

    void recover();
    void start_boot(std::uint64_t handle, bool wake);
    void begin_stop(std::uint64_t handle, StopKind kind, const std::string& reason);
    // A dormant guest's intrusion ends (its source did not return, or the
    // sensor stops): closed and analysed; the slot goes.
    void close_dormant(std::uint64_t handle, const std::string& reason);
    void post(Completion c);
    void drain_completions();
    void tick();
    void balance_cpus(Clock::time_point now);
    void open_intrusion(Slot& slot);
    void follow_capture(Slot& slot);
    // After a stop: when the guest's capture writer ended at its quota, says
    // so (`quota_reached`). Any thread.
    void report_capture_quota(const GuestRecord& guest, const std::optional<Intrusion>& intrusion);
    // A `quota_reached` event (and a log line) for a guest's `cause`.
    void report_quota(const GuestRecord& guest, const std::optional<Intrusion>& intrusion, const std::string& cause,
                      std::uint32_t limit_mib, const std::string& detail);
    void report_quota(const std::string& guest_id, const std::string& intrusion_id, const std::string& source_ip,
                      const std::string& cause, std::uint32_t limit_mib, const std::string& detail);
    // The packet capture of a guest's tap, with the sensor's rotation and quota.
    std::unique_ptr<TapCapture> make_tap_capture(const GuestRecord& g);
    // nDPI and the network rules over the guest's tap; nullptr when off.
    std::shared_ptr<PacketObserver> flow_inspector(const GuestRecord& g);
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
    void refuse_event(const PeerAddress& peer, std::uint16_t port, const std::string& reason);

    const Config& cfg_;
    const Platform& platform_;
    DaemonLog& log_;
    EventLog events_;
    // After events_: stopped (with a last sync) before the log closes.
    store::StoreFeeder feeder_;
    // The fleet's central store, when [store] url names one: the same log
    // shipped from its own position there (docs/fleet.md).
    std::unique_ptr<store::StoreFeeder> central_;
    outputs::OutputRunner outputs_;
    const forensics::AnalysisOptions analysis_options_;           // [forensics], resolved once
    std::shared_ptr<const detection::SigmaRuleSet> sigma_rules_;  // [detection], loaded at run()
    std::shared_ptr<detection::NdpiModule> ndpi_;                 // [detection] network, made at run()
    const Capacity capacity_;
    CpuBalancer balancer_;
    std::map<std::uint64_t, Slot> slots_;
    GuestPool pool_;
    std::vector<std::function<void()>> deferred_;
    std::map<std::string, unsigned> conns_per_source_;
    std::atomic<bool> stopping_{false};
    Clock::time_point last_prune_{}, last_liveness_{}, last_save_{}, last_follow_{};
    // A follower stopped at its budget with more to read (see tick()).
    bool capture_behind_ = false;
    EventThrottle throttle_;
    std::map<std::string, std::uint64_t> refused_;

    std::mutex info_mu_;
    std::set<std::string> mail_quota_reported_;  // guest ids, under info_mu_
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

PoolPolicy SensorDaemon::pool_policy(const Config& cfg, const Capacity& capacity) {
    PoolPolicy p;
    p.pool_size = cfg.sensor.pool_size;
    p.max_guests = capacity.max_guests;
    p.release_grace = std::chrono::seconds(cfg.sensor.release_grace_s);
    p.idle_timeout = std::chrono::seconds(cfg.sensor.idle_timeout_s);
    p.dormant_retention = std::chrono::hours(24) * cfg.sensor.dormant_retention_days;
    p.max_intrusion = std::chrono::seconds(cfg.sensor.max_intrusion_s);
    // A boot is CPU-bound: one per core at once, and the pool may use them.
    p.parallel_boots = std::max<std::size_t>(1, capacity.cpus);
    p.parallel_pool_boots = p.parallel_boots;
    return p;
}

GuestActions SensorDaemon::pool_actions() {
    GuestActions a;
    a.boot = [this](const PoolGuest& g) { start_boot(g.handle, g.state == GuestState::waking); };
    a.stop = [this](const PoolGuest& g, StopKind kind, const std::string& reason) {
        defer([this, h = g.handle, kind, reason] { begin_stop(h, kind, reason); });
    };
    a.close_dormant = [this](const PoolGuest& g, const std::string& reason) {
        defer([this, h = g.handle, reason] { close_dormant(h, reason); });
    };
    a.reset_connections = [this](const PoolGuest& g, const std::string& source) {
        auto ip = parse_ipv4(source);
        if (!ip) return;
        defer([this, h = g.handle, ip = *ip] { portal_.close_connections_of(h, ip); });
    };
    a.note = [this](events::GuestChangeKind what, const PoolGuest& g, const std::string& source,
                    const std::string& detail) { on_pool_note(what, g, source, detail); };
    return a;
}

void SensorDaemon::run_deferred() {
    while (!deferred_.empty()) {
        auto batch = std::exchange(deferred_, {});
        for (auto& f : batch) f();
    }
}

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
    if (cfg_.detection.enabled) {
        // A rule that does not load is named now, with its reason; the
        // others run (an operator's SigmaHQ checkout holds rules for
        // sources no honeypot has).
        auto rules = detection::SigmaRuleSet::load(detection::sigma_rule_dirs(cfg_.detection));
        for (const auto& p : rules.problems()) {
            log_.line(fmt::format("detection: {} {}: {}", p.skipped ? "skipped" : "not loaded", p.file, p.reason));
        }
        log_.line(fmt::format("detection: {} Sigma rules live ({} not loaded, {} for sources not fed)",
                              rules.rules().size(), rules.errors(), rules.problems().size() - rules.errors()));
        sigma_rules_ = std::make_shared<const detection::SigmaRuleSet>(std::move(rules));
        if (cfg_.detection.network) {
            ndpi_ = detection::make_ndpi_module();
            log_.line(fmt::format(
                "detection: nDPI names every guest's flows; network rules live (scan at {} "
                "addresses or {} ports a minute, flood at {} packets/s)",
                cfg_.detection.scan_addresses, cfg_.detection.scan_ports, cfg_.detection.flood_packets_per_second));
        }
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
        cfg_.data_control.smtp_sink_port, sink_hostname(platform_.hostname),
        [this](Ipv4 ip) -> std::optional<std::filesystem::path> {
            auto info = guest_by_ip(ip);
            if (!info) return std::nullopt;
            return info->dir / "smtp";
        },
        [this](const SinkedMessage& m) { on_mail(m); }, Ipv4{0},
        std::uint64_t{cfg_.data_control.smtp_sink_max_mib} << 20);

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
    events_.emit(events::SensorStarted{.listen = cfg_.sensor.listen_address,
                                       .ports = ports.empty() ? ports : ports.substr(1),
                                       .pool_size = cfg_.sensor.pool_size,
                                       .max_guests = capacity_.max_guests,
                                       .max_guests_why = capacity_.why,
                                       .pid = ::getpid()});
    log_.line(fmt::format("portal listening on {} ports{}; pool {} guests, at most {}", cfg_.sensor.listen_address,
                          ports, cfg_.sensor.pool_size, capacity_.why));

    bool shutdown_begun = false;
    while (true) {
        // While a capture is behind, the loop only looks at the portal
        // between the followers' slices, without waiting.
        portal_.run_once(capture_behind_ ? 0 : 250);
        drain_completions();
        if (stopping_ && !shutdown_begun) {
            shutdown_begun = true;
            portal_.stop_listening();
            portal_.close_all();
        }
        if (stopping_) {
            // Also the guests whose boot ended since the last pass.
            pool_.shutdown("sensor stopped");
            run_deferred();
            if (slots_.empty()) break;
            continue;
        }
        tick();
    }
    workers_.join_all();
    for (const auto& [reason, n] : refused_) log_.line(fmt::format("refused {} connections: {}", n, reason));
    events_.emit(events::SensorStopped{.connections_accepted = portal_.accepted()});
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
    auto now = Clock::now();
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
            bool engaged = open != open_by_guest.end();
            auto h = engaged ? pool_.adopt_engaged(open->second.source_ip, now) : pool_.adopt_pooled(now);
            Slot& s = slots_[h];
            s.handle = h;
            s.live = true;
            s.guest = g;
            try {
                s.pcap = make_tap_capture(g);
            } catch (const Error& e) {
                log_.line(fmt::format("guest {}: no packet capture after restart: {}", g.id, e.what()));
            }
            if (engaged) {
                s.intrusion = open->second;
                s.source = open->second.source_ip;
                s.held_at = open->second.started_at;
            }
            // From where the old sensor's follower stopped reading: what the
            // guest did while no sensor ran is reported now.
            follow_capture(s);
            log_.line(fmt::format("guest {}: still running, adopted ({})", g.id,
                                  engaged ? "intrusion of " + s.source : "back in the pool"));
            events_.emit(events::GuestRecovered{
                .guest_id = g.id, .source_ip = s.source, .intrusion_id = s.intrusion ? s.intrusion->id : ""});
            publish(s);
            continue;
        }
        if (g.state == "running" || g.state == "starting") {
            LogStream out(log_, "recovery: ");
            try {
                g = stop_guest(cfg_, g.id, out);
            } catch (const Error& e) {
                log_.line(fmt::format("guest {}: cleanup after restart: {}", g.id, e.what()));
            }
        }
        if (open == open_by_guest.end()) {
            // A pool guest nobody logged into: nothing of value on it.
            if (!std::filesystem::exists(g.dir / "intrusion.json")) {
                std::error_code ec;
                std::filesystem::remove_all(g.dir, ec);
            }
            continue;
        }
        Intrusion i = open->second;
        auto retention = std::chrono::hours(24) * cfg_.sensor.dormant_retention_days;
        auto dormant_for = std::chrono::seconds(unix_now() - i.dormant_since);
        if (i.dormant_since > 0 && g.state == "stopped" && dormant_for < retention) {
            // Dormant: its source may still come back.
            auto h = pool_.adopt_dormant(i.source_ip, now - dormant_for);
            Slot& s = slots_[h];
            s.handle = h;
            s.guest = g;
            s.intrusion = i;
            s.source = i.source_ip;
            log_.line(fmt::format("intrusion {}: dormant, kept for {}", i.id, i.source_ip));
            continue;
        }
        close_intrusion(i, i.dormant_since > 0 ? "source did not return (sensor.dormant_retention_days)"
                                               : "guest was gone when the sensor restarted");
        emit_intrusion_closed(i);
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
    Admission a = pool_.connect(src, Clock::now());
    run_deferred();
    if (a.kind == Admission::Kind::refuse) {
        refuse_event(peer, public_port, a.reason);
        return d;
    }
    Slot& slot = slots_[a.guest];
    slot.handle = a.guest;
    ++conns_per_source_[src];
    if (slot.intrusion) {
        ++slot.intrusion->connections;
        slot.intrusion->last_activity_at = unix_now();
        slot.intrusion_dirty = true;
    }
    d.guest = a.guest;
    d.login_grace = !a.engaged;
    bool ready = a.kind == Admission::Kind::connect && slot.live;
    d.kind = ready ? Decision::Kind::connect : Decision::Kind::wait;
    if (ready) d.guest_ip = *parse_ipv4(slot.guest->guest_ip);
    const PoolGuest* g = pool_.find(a.guest);
    events_.emit(events::Connection{.source_ip = src,
                                    .source_port = peer.port,
                                    .port = public_port,
                                    .guest_id = slot.guest ? slot.guest->id : "",
                                    .intrusion_id = slot.intrusion ? slot.intrusion->id : "",
                                    .guest_state = g ? guest_state_name(g->state) : "",
                                    .waits_for_boot = !ready});
    return d;
}

void SensorDaemon::activity(std::uint64_t guest) {
    pool_.activity(guest, Clock::now());
}

void SensorDaemon::closed(std::uint64_t guest, const PeerAddress& peer, const ConnectionSummary& summary) {
    std::string src = peer.ip.str();
    if (auto it = conns_per_source_.find(src); it != conns_per_source_.end() && --it->second == 0) {
        conns_per_source_.erase(it);
    }
    pool_.disconnect(guest, src, Clock::now());
    run_deferred();
    std::string guest_id;
    if (auto it = slots_.find(guest); it != slots_.end() && it->second.guest) guest_id = it->second.guest->id;
    events_.emit(events::ConnectionClosed{.source_ip = src,
                                          .source_port = peer.port,
                                          .guest_id = guest_id,
                                          .bytes_from_client = summary.bytes_from_client,
                                          .bytes_to_client = summary.bytes_to_client,
                                          .duration_ms = summary.duration_ms,
                                          .reached_guest = summary.reached_guest,
                                          .end = summary.end});
}

void SensorDaemon::refuse_event(const PeerAddress& peer, std::uint16_t port, const std::string& reason) {
    ++refused_[reason];
    if (auto suppressed = throttle_.allow("refused " + reason)) {
        events_.emit(events::ConnectionRefused{.source_ip = peer.ip.str(),
                                               .source_port = peer.port,
                                               .port = port,
                                               .reason = reason,
                                               .refused_total = refused_[reason],
                                               .not_logged_since_last = *suppressed});
    }
}

// ---------------------------------------------------------------- the pool's word

void SensorDaemon::on_pool_note(events::GuestChangeKind what, const PoolGuest& g, const std::string& source,
                                const std::string& detail) {
    auto it = slots_.find(g.handle);
    Slot* slot = it == slots_.end() ? nullptr : &it->second;
    if (slot != nullptr) {
        if (what == events::GuestChangeKind::held) {
            publish(*slot);
            tell_login_failures(*slot, source);
        } else if (what == events::GuestChangeKind::released) {
            publish(*slot);
        } else if (what == events::GuestChangeKind::engaged) {
            // The intrusion began when its source first came to the guest.
            slot->held_at =
                unix_now() - std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - g.held_since).count();
            slot->source = g.source;
            open_intrusion(*slot);
            portal_.lift_login_grace(g.handle);
        }
    }
    events::GuestChange e{.change = what,
                          .guest_id = slot && slot->guest ? slot->guest->id : "",
                          .source_ip = source,
                          .state = guest_state_name(g.state)};
    if (slot && slot->intrusion) e.intrusion_id = slot->intrusion->id;
    if (!detail.empty()) e.detail = detail;
    if (what == events::GuestChangeKind::cold_boot) e.boot = g.handle;
    events_.emit(e);
    if (what != events::GuestChangeKind::held && what != events::GuestChangeKind::released) {
        log_.line(fmt::format("guest {}: {}{}{}", slot ? guest_name(*slot) : std::to_string(g.handle),
                              events::guest_change_name(what), source.empty() ? "" : " (" + source + ")",
                              detail.empty() ? "" : ": " + detail));
    }
}

void SensorDaemon::tell_login_failures(const Slot& s, const std::string& source) {
    unsigned failures = pool_.failures(source);
    if (failures == 0 || !s.guest || !s.live) return;
    // The SSH key exchange takes longer than this round trip, so the count
    // is there before the first password; off the event loop all the same.
    auto socket = s.guest->mconsole_socket();
    auto command = fmt::format("config {}={}:{}", OYSTER_LOGIN_MCONSOLE_DEV, source, failures);
    workers_.spawn([this, socket, command, guest_id = s.guest->id] {
        try {
            auto reply = mconsole_command(socket, command, std::chrono::seconds(2));
            if (!reply.ok) log_.line(fmt::format("guest {}: {}: {}", guest_id, command, reply.text));
        } catch (const std::exception& e) {
            log_.line(fmt::format("guest {}: {}: {}", guest_id, command, e.what()));
        }
    });
}

std::string SensorDaemon::attributed_source(const Slot& s) const {
    const PoolGuest* g = pool_.find(s.handle);
    if (!s.source.empty() || g == nullptr || g->holders.size() != 1) return s.source;
    return g->holders.begin()->first;
}

bool SensorDaemon::reported(const Slot& s) const {
    const PoolGuest* g = pool_.find(s.handle);
    return !s.source.empty() || (g != nullptr && !g->holders.empty());
}

void SensorDaemon::on_login(std::uint64_t handle, const json& login) {
    auto it = slots_.find(handle);
    if (it == slots_.end()) return;
    // The address the guest saw; telnet's login may only know a name (a
    // PTR record's), and then the source that connected last is the
    // likeliest.
    std::string who = login.value("remote_ip", "");
    if (!parse_ipv4(who)) who = it->second.source.empty() ? pool_.newest_holder(handle) : it->second.source;
    pool_.login(handle, who, login.value("success", false), Clock::now());
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

void SensorDaemon::start_boot(std::uint64_t handle, bool wake) {
    Slot& slot = slots_[handle];
    slot.handle = handle;
    std::optional<GuestRecord> restart;
    if (wake && slot.guest) restart = *slot.guest;
    workers_.spawn([this, handle, restart] {
        LogStream out(log_, "");
        Completion c{Completion::Kind::boot_failed, handle, std::nullopt, nullptr, {}};
        std::unique_ptr<TapCapture> pcap;
        StartOptions opts;
        opts.owner = "sensor";
        opts.restart = restart;
        opts.on_tap_ready = [&](const GuestRecord& g) { pcap = make_tap_capture(g); };
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

void SensorDaemon::begin_stop(std::uint64_t handle, StopKind kind, const std::string& reason) {
    auto it = slots_.find(handle);
    if (it == slots_.end() || !it->second.live || it->second.stopping) return;
    Slot& slot = it->second;
    slot.stopping = true;
    portal_.guest_gone(slot.handle);
    unpublish(slot);
    log_.line(fmt::format("guest {}: stopping ({}{})", guest_name(slot), reason,
                          kind == StopKind::dormant ? "; dormant, disk and intrusion kept" : ""));
    // The last live events; then the follower only finishes the decode,
    // on the stopping thread, once the guest's writer has ended.
    std::shared_ptr<CaptureFollower> follower = std::move(slot.follower);
    if (follower) follower->poll(reported(slot));
    auto guest = *slot.guest;
    auto intrusion = slot.intrusion;
    std::shared_ptr<TapCapture> pcap = std::move(slot.pcap);
    workers_.spawn([this, guest, intrusion, pcap, follower, handle, kind, reason]() mutable {
        LogStream out(log_, "");
        Completion c{Completion::Kind::stopped, handle, guest, nullptr, {}};
        try {
            c.guest = stop_guest(cfg_, guest.id, out, !(follower && follower->decodes()));
        } catch (const std::exception& e) {
            c.error = e.what();
            log_.line(fmt::format("guest {}: stop: {}", guest.id, e.what()));
        }
        report_capture_quota(guest, intrusion);
        // A pool guest nobody logged into is deleted below: nothing to finish.
        if (follower && intrusion) {
            try {
                std::string error;
                auto stats = follower->finish(&error);
                log_.line(fmt::format(
                    "guest {}: capture decoded as it came: {} records, {} events, {} tty sessions, {} files, {} "
                    "gaps{}",
                    guest.id, stats.records, stats.events, stats.tty_sessions, stats.files_stored, stats.gaps,
                    error.empty() ? "" : " (" + error + ")"));
            } catch (const std::exception& e) {
                log_.line(fmt::format("guest {}: capture decode: {}", guest.id, e.what()));
            }
        }
        follower.reset();
        // The tap is gone now; the capture thread has ended with it.
        pcap.reset();
        if (!intrusion) {
            // Nobody logged in: nothing on it but failed logins, which
            // are events already.
            std::error_code ec;
            std::filesystem::remove_all(guest.dir, ec);
            post(std::move(c));
            return;
        }
        if (kind == StopKind::dormant) {
            intrusion->dormant_since = unix_now();
            try {
                save_intrusion(*intrusion);
            } catch (const std::exception& e) {
                log_.line(fmt::format("intrusion {}: cannot save: {}", intrusion->id, e.what()));
            }
            post(std::move(c));
            return;
        }
        try {
            close_intrusion(*intrusion, reason);
        } catch (const std::exception& e) {
            log_.line(fmt::format("intrusion {}: cannot save: {}", intrusion->id, e.what()));
        }
        emit_intrusion_closed(*intrusion);
        // The slot is freed first (a new attacker need not wait for the
        // analysis); the directory is held against pruning until it ends.
        bool analyse = cfg_.forensics.enabled;
        if (analyse) hold_for_analysis(*intrusion);
        post(std::move(c));
        if (analyse) analyze(*intrusion, false);
    });
}

void SensorDaemon::close_dormant(std::uint64_t handle, const std::string& reason) {
    auto it = slots_.find(handle);
    if (it == slots_.end()) return;
    std::optional<Intrusion> intrusion = std::move(it->second.intrusion);
    slots_.erase(it);
    if (!intrusion) return;
    try {
        close_intrusion(*intrusion, reason);
    } catch (const std::exception& e) {
        log_.line(fmt::format("intrusion {}: cannot save: {}", intrusion->id, e.what()));
    }
    emit_intrusion_closed(*intrusion);
    if (!cfg_.forensics.enabled) return;
    hold_for_analysis(*intrusion);
    workers_.spawn([this, i = *intrusion] { analyze(i, false); });
}

void SensorDaemon::drain_completions() {
    std::deque<Completion> batch;
    {
        std::lock_guard lock(q_mu_);
        batch.swap(completions_);
    }
    auto now = Clock::now();
    for (auto& c : batch) {
        auto it = slots_.find(c.handle);
        if (it == slots_.end()) continue;
        Slot& s = it->second;
        switch (c.kind) {
            case Completion::Kind::booted: {
                s.live = true;
                s.stopping = false;
                s.guest = std::move(c.guest);
                s.pcap = std::move(c.pcap);
                bool woken = s.intrusion.has_value();
                if (woken) {
                    s.intrusion->dormant_since = 0;
                    ++s.intrusion->boots;
                    s.intrusion_dirty = true;
                }
                follow_capture(s);
                pool_.boot_done(c.handle, now);
                events_.emit(events::GuestReady{.guest_id = s.guest->id,
                                                .guest_ip = s.guest->guest_ip,
                                                .boot_ms = s.guest->boot_ms,
                                                .woken = woken,
                                                .intrusion_id = s.intrusion ? s.intrusion->id : "",
                                                .source_ip = attributed_source(s)});
                publish(s);
                if (const PoolGuest* g = pool_.find(c.handle);
                    g != nullptr && (g->state == GuestState::held || g->state == GuestState::engaged)) {
                    if (g->engaged_once) portal_.lift_login_grace(c.handle);
                    portal_.guest_ready(c.handle, *parse_ipv4(s.guest->guest_ip));
                }
                break;
            }
            case Completion::Kind::boot_failed: {
                log_.line(fmt::format("guest boot failed: {}", c.error));
                events_.emit(events::GuestBootFailed{
                    .source_ip = attributed_source(s), .guest_id = s.guest ? s.guest->id : "", .error = c.error});
                portal_.guest_gone(c.handle);
                bool dormant_again = s.intrusion.has_value();
                pool_.boot_failed(c.handle, now);
                if (!dormant_again) slots_.erase(c.handle);
                break;
            }
            case Completion::Kind::stopped: {
                s.live = false;
                s.stopping = false;
                if (c.guest) s.guest = std::move(c.guest);
                pool_.stopped(c.handle, now);
                const PoolGuest* g = pool_.find(c.handle);
                if (g == nullptr) {
                    slots_.erase(c.handle);
                } else if (g->state == GuestState::dormant && s.intrusion) {
                    s.intrusion->dormant_since = unix_now();
                }
                prune_if_over_budget();
                break;
            }
        }
        run_deferred();
    }
}

void SensorDaemon::emit_intrusion_closed(const Intrusion& i) {
    events_.emit(events::IntrusionClosed{.intrusion_id = i.id,
                                         .source_ip = i.source_ip,
                                         .guest_id = i.guest_id,
                                         .reason = i.end_reason,
                                         .connections = i.connections,
                                         .pcap_files = i.pcap_files,
                                         .disk_bytes = i.disk_bytes,
                                         .dir = i.dir.string()});
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
        auto analysis = forensics::run_analysis_worker(forensics::worker_program(), i.dir, analysis_options_);
        emit_analysis(i, analysis);
    } catch (const std::exception& e) {
        log_.line(fmt::format("intrusion {}: forensics: {}", i.id, e.what()));
        events_.emit(events::ForensicsDone{
            .intrusion_id = i.id, .guest_id = i.guest_id, .source_ip = i.source_ip, .error = e.what()});
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
    auto attribute = [&](auto e) {
        e.intrusion_id = i.id;
        e.guest_id = i.guest_id;
        e.source_ip = i.source_ip;
        return e;
    };
    auto evidence_of = [&](const json& o) -> events::Nullable<std::string> {
        if (!o.value("extracted", true)) return std::nullopt;
        auto sha = o.find("sha256");
        if (sha == o.end() || !sha->is_string() || !is_sha256_hex(sha->get<std::string>())) return std::nullopt;
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
        auto e = attribute(events::from_fields<events::ForensicFile>(f));
        e.evidence = evidence_of(f);
        events_.emit(e);
    }
    const auto& alerts = a.value("alerts", json::array());
    for (const auto& al : alerts) {
        if (!al.is_object()) continue;
        auto e = attribute(events::from_fields<events::Alert>(al));
        e.evidence = evidence_of(al);
        events_.emit(e);
    }
    const auto& artefacts = a.value("artefacts", json::array());
    for (const auto& art : artefacts) {
        if (art.is_object()) events_.emit(attribute(events::from_fields<events::Artefact>(art)));
    }
    events_.emit(attribute(events::ForensicsDone{.files = files,
                                                 .noise = noise,
                                                 .executed = executed,
                                                 .alerts = alerts.size(),
                                                 .artefacts = artefacts.size(),
                                                 .yara_rules = a.value("yara_rules", std::uint64_t{0}),
                                                 .duration_ms = a.value("duration_ms", std::int64_t{0}),
                                                 .journal_replay = a.value("journal_replay", json(nullptr)),
                                                 .errors = a.value("errors", json::array())}));
    log_.line(fmt::format("intrusion {}: forensics: {} files changed or executed ({} noise), {} alerts, {} ms", i.id,
                          files, noise, alerts.size(), a.value("duration_ms", 0)));
}

void SensorDaemon::open_intrusion(Slot& s) {
    if (s.intrusion || !s.guest) return;
    Intrusion i;
    i.guest_id = s.guest->id;
    // It began when its source took the guest, before the login.
    i.started_at = s.held_at != 0 ? s.held_at : unix_now();
    i.id = new_intrusion_id(i.guest_id, i.started_at);
    i.state = "open";
    i.source_ip = s.source;
    i.dir = s.guest->dir;
    i.last_activity_at = unix_now();
    i.connections = 1;
    save_intrusion(i);
    s.intrusion = i;
    events_.emit(events::IntrusionOpened{.intrusion_id = i.id,
                                         .source_ip = i.source_ip,
                                         .guest_id = i.guest_id,
                                         .guest_ip = s.guest->guest_ip,
                                         .dir = i.dir.string()});
    log_.line(
        fmt::format("intrusion {}: {} logged into guest {} ({})", i.id, i.source_ip, i.guest_id, s.guest->guest_ip));
    publish(s);
}

void SensorDaemon::report_capture_quota(const GuestRecord& guest, const std::optional<Intrusion>& intrusion) {
    std::ifstream in(guest.capture_writer_log());
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    if (last.find(capture::kQuotaMessage) == std::string::npos) return;
    report_quota(guest, intrusion, "capture", cfg_.capture.max_mib, last);
}

void SensorDaemon::report_quota(const GuestRecord& guest, const std::optional<Intrusion>& intrusion,
                                const std::string& cause, std::uint32_t limit_mib, const std::string& detail) {
    report_quota(guest.id, intrusion ? intrusion->id : "", intrusion ? intrusion->source_ip : "", cause, limit_mib,
                 detail);
}

void SensorDaemon::report_quota(const std::string& guest_id, const std::string& intrusion_id,
                                const std::string& source_ip, const std::string& cause, std::uint32_t limit_mib,
                                const std::string& detail) {
    log_.line(fmt::format("guest {}: reached its {} quota ({} MiB): {}", guest_id, cause, limit_mib, detail));
    events_.emit(events::QuotaReached{.guest_id = guest_id,
                                      .intrusion_id = intrusion_id,
                                      .source_ip = source_ip,
                                      .cause = cause,
                                      .limit_mib = limit_mib,
                                      .detail = detail});
}

std::unique_ptr<TapCapture> SensorDaemon::make_tap_capture(const GuestRecord& g) {
    return std::make_unique<TapCapture>(g.tap, g.pcap_dir(), std::uint64_t{cfg_.sensor.pcap_rotate_mib} << 20,
                                        std::uint64_t{cfg_.sensor.pcap_max_mib} << 20, flow_inspector(g));
}

std::shared_ptr<PacketObserver> SensorDaemon::flow_inspector(const GuestRecord& g) {
    auto ip = parse_ipv4(g.guest_ip);
    if (!ndpi_ || !ip) return nullptr;
    detection::FlowInspectorOptions o{.guest_ip = *ip,
                                      .scan_addresses = cfg_.detection.scan_addresses,
                                      .scan_ports = cfg_.detection.scan_ports,
                                      .flood_packets_per_second = cfg_.detection.flood_packets_per_second};
    // On the capture's thread: the guest's intrusion as the sensor's
    // other threads see it (guest_by_ip), at the time of the event; and
    // after the guest is unpublished at its stop, as last seen, for the
    // flows the capture's end names.
    auto last = std::make_shared<GuestInfo>();
    auto seen = [this, ip = *ip, guest_id = g.id, last]() -> const GuestInfo& {
        if (auto info = guest_by_ip(ip); info && info->guest_id == guest_id) *last = *info;
        return *last;
    };
    auto attribute = [guest_id = g.id, seen](auto& e) {
        const GuestInfo& info = seen();
        e.guest_id = guest_id;
        e.intrusion_id = info.intrusion_id;
        e.source_ip = info.source_ip;
    };
    return std::make_shared<detection::FlowInspector>(
        ndpi_, o,
        [this, attribute](events::Flow f) {
            attribute(f);
            events_.emit(std::move(f));
        },
        [this, attribute](events::Alert a) {
            attribute(a);
            events_.emit(std::move(a));
        },
        [seen] { return !seen().intrusion_id.empty(); });
}

void SensorDaemon::follow_capture(Slot& s) {
    if (!cfg_.capture.enabled || !s.guest) return;
    auto handle = s.handle;
    auto sink = [this, handle, guest_id = s.guest->id](CaptureFollower::Event event) {
        std::visit(
            [&](auto& e) {
                e.guest_id = guest_id;
                auto it = slots_.find(handle);
                if (it != slots_.end()) {
                    e.intrusion_id = it->second.intrusion ? it->second.intrusion->id : "";
                    e.source_ip = attributed_source(it->second);
                }
                events_.emit(std::move(e));
            },
            event);
    };
    auto on_login_report = [this, handle](const json& login) { on_login(handle, login); };
    try {
        s.follower = std::make_unique<CaptureFollower>(s.guest->capture_file(), sink, on_login_report,
                                                       s.guest->capture_dir(), s.guest->capture_progress_file());
    } catch (const std::exception& e) {
        // Live events still; the decode is then made at stop.
        log_.line(fmt::format("guest {}: cannot decode the capture as it comes: {}", s.guest->id, e.what()));
        s.follower = std::make_unique<CaptureFollower>(s.guest->capture_file(), sink, on_login_report,
                                                       std::filesystem::path{}, s.guest->capture_progress_file());
    }
    s.follower->detect(sigma_rules_, [this, handle] {
        auto it = slots_.find(handle);
        return it != slots_.end() && it->second.intrusion.has_value();
    });
}

void SensorDaemon::tick() {
    auto now = Clock::now();
    bool check_liveness = now - last_liveness_ >= std::chrono::seconds(2);
    if (check_liveness) last_liveness_ = now;
    bool save = now - last_save_ >= std::chrono::seconds(5);
    if (save) last_save_ = now;
    // tick() runs after every portal wakeup; under a flood of connections
    // that is far more often than the live capture needs reading.
    // A follower that was cut short by its budget is read again at once.
    bool follow = capture_behind_ || now - last_follow_ >= std::chrono::milliseconds(250);
    if (follow) {
        last_follow_ = now;
        capture_behind_ = false;
    }
    for (auto& [h, s] : slots_) {
        if (!s.live || s.stopping) continue;
        // A pooled guest's own cron and daemons are read past, not reported.
        if (follow && s.follower && s.follower->poll(reported(s), kFollowBudget)) capture_behind_ = true;
        if (check_liveness && !process_alive(s.guest->pid, s.guest->pid_start_time)) {
            pool_.died(h, now);
            continue;
        }
        // Its capture writer gone (its quota reached, or killed), the guest
        // cannot be recorded: its kernel panics at its next record, and a
        // panicked UML process (pid 1 of its namespace) spins rather than
        // exits. A guest that cannot be recorded is stopped.
        if (check_liveness && s.guest->writer_pid > 0 &&
            !process_alive(s.guest->writer_pid, s.guest->writer_start_time)) {
            ::waitpid(s.guest->writer_pid, nullptr, WNOHANG);
            log_.line(fmt::format("guest {}: its capture writer {} has ended: stopping it", s.guest->id,
                                  s.guest->writer_pid));
            pool_.died(h, now);
            continue;
        }
        if (check_liveness && s.pcap && s.pcap->quota_reached() && !s.pcap_quota_reported) {
            s.pcap_quota_reported = true;
            report_quota(*s.guest, s.intrusion, "pcap", cfg_.sensor.pcap_max_mib,
                         fmt::format("packets past the quota are counted, not written ({} so far)",
                                     s.pcap->packets_not_written()));
        }
        // The console's writer discards past its quota and the guest goes
        // on; its file's size says when that happened.
        if (check_liveness && !s.console_quota_reported && s.guest->console_writer_pid > 0) {
            std::error_code ec;
            auto size = std::filesystem::file_size(s.guest->console_log(), ec);
            if (!ec && size >= std::uint64_t{cfg_.guest.console_max_mib} << 20) {
                s.console_quota_reported = true;
                report_quota(*s.guest, s.intrusion, "console", cfg_.guest.console_max_mib,
                             "later console output is discarded");
            }
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
    run_deferred();
    pool_.tick(now);
    run_deferred();
    if (balancer_.due(now)) balance_cpus(now);
    if (now - last_prune_ >= std::chrono::seconds(60)) {
        last_prune_ = now;
        prune_if_over_budget();
    }
}

void SensorDaemon::balance_cpus(Clock::time_point now) {
    std::vector<CpuBalancer::Live> live;
    for (const auto& [h, s] : slots_) {
        if (s.live && !s.stopping && s.guest) live.push_back({s.guest->id, s.guest->cpu});
    }
    try {
        auto move = balancer_.balance(live, now);
        if (!move) return;
        for (auto& [h, s] : slots_) {
            if (s.guest && s.guest->id == move->id) s.guest->cpu = move->to;
        }
        record_guest_cpu(cfg_, move->id, move->to);
        log_.line(fmt::format("guest {}: moved from CPU {} (load {:.2f}) to CPU {} (load {:.2f})", move->id, move->from,
                              move->from_load, move->to, move->to_load));
    } catch (const Error& e) {
        log_.line(fmt::format("guest placement: {}", e.what()));
    }
}

void SensorDaemon::prune_if_over_budget() {
    auto busy = [this](const Intrusion& i) {
        std::lock_guard lock(analysing_mu_);
        return analysing_.contains(i.dir);
    };
    PruneResult r;
    try {
        r = prune_to_budget(cfg_.paths.state_dir, analysis_options_.evidence_dir,
                            std::uint64_t{cfg_.sensor.disk_budget_mib} << 20, busy);
    } catch (const std::exception& e) {
        log_.line(fmt::format("pruning: {}", e.what()));
        return;
    }
    std::uint64_t used = r.used_before;
    for (const auto& p : r.pruned) {
        const Intrusion& i = p.intrusion;
        if (p.bytes == 0 && !p.error.empty()) {
            log_.line(fmt::format("intrusion {}: cannot prune {}: {}", i.id, i.dir.string(), p.error));
            continue;
        }
        used -= std::min(used, p.bytes);
        events_.emit(events::IntrusionPruned{.intrusion_id = i.id,
                                             .source_ip = i.source_ip,
                                             .bytes = p.bytes,
                                             .evidence_blobs_removed = p.blobs_removed,
                                             .disk_used_after = used,
                                             .disk_budget = r.budget});
        log_.line(
            fmt::format("intrusion {}: pruned ({} bytes, {} evidence blobs) to stay within "
                        "sensor.disk_budget_mib{}",
                        i.id, p.bytes, p.blobs_removed, p.error.empty() ? "" : "; " + p.error));
    }
}

// ---------------------------------------------------------------- other threads

void SensorDaemon::publish(const Slot& s) {
    if (!s.guest) return;
    auto ip = parse_ipv4(s.guest->guest_ip);
    if (!ip) return;
    std::lock_guard lock(info_mu_);
    by_guest_ip_[ip->value] = {s.guest->id, s.guest->dir, attributed_source(s), s.intrusion ? s.intrusion->id : ""};
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
    events::Drop e{.reason = reason, .cap_hit = reason.ends_with("_cap") || reason == "bandwidth"};
    if (const auto& ip = p.ip) {
        e.src = ip->src.str();
        e.dst = ip->dst.str();
        e.protocol = ip_protocol_name(ip->protocol);
        if (ip->src_port != 0 || ip->dst_port != 0) {
            e.src_port = ip->src_port;
            e.dst_port = ip->dst_port;
        }
        if (auto g = guest_by_ip(ip->src)) {
            e.guest_id = g->guest_id;
            e.source_ip = g->source_ip;
            e.intrusion_id = g->intrusion_id;
        }
    }
    events_.emit(e);
}

void SensorDaemon::on_mail(const SinkedMessage& m) {
    auto g = guest_by_ip(m.guest_ip);
    events_.emit(events::Mail{.guest_id = g ? g->guest_id : "",
                              .intrusion_id = g ? g->intrusion_id : "",
                              .source_ip = g ? g->source_ip : "",
                              .original_destination = m.original_destination,
                              .helo = m.message.helo,
                              .mail_from = m.message.mail_from,
                              .rcpt_to = m.message.rcpt_to,
                              .auth = m.message.auth,
                              .auth_dropped = m.message.auth_dropped,
                              .bytes = m.message.data.size(),
                              .truncated = m.message.truncated,
                              .stored = !m.file.empty(),
                              .file = m.file.string()});
    if (!m.over_quota || !g) return;
    {
        std::lock_guard lock(info_mu_);
        if (!mail_quota_reported_.insert(g->guest_id).second) return;
    }
    report_quota(g->guest_id, g->intrusion_id, g->source_ip, "mail", cfg_.data_control.smtp_sink_max_mib,
                 "messages past the quota are answered, listed in mail events, and not kept");
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
