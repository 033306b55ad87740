#include "oyster/sensor/guest_pool.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace oyster::sensor {

using events::GuestChangeKind;

namespace {

// Sources whose failed logins are remembered; a scan from a million
// addresses must not keep a million entries.
constexpr std::size_t kFailureSources = 65536;

template <typename F>
struct AtScopeEnd {
    F f;
    ~AtScopeEnd() { f(); }
};
template <typename F>
AtScopeEnd(F) -> AtScopeEnd<F>;

}  // namespace

const char* guest_state_name(GuestState s) {
    switch (s) {
        case GuestState::booting:
            return "booting";
        case GuestState::pooled:
            return "pooled";
        case GuestState::held:
            return "held";
        case GuestState::engaged:
            return "engaged";
        case GuestState::dormant:
            return "dormant";
        case GuestState::waking:
            return "waking";
        case GuestState::stopping:
            return "stopping";
    }
    return "?";
}

GuestPool::GuestPool(PoolPolicy policy, GuestActions actions) : policy_(policy), actions_(std::move(actions)) {}

PoolGuest& GuestPool::add(GuestState s, PoolTime now) {
    PoolGuest g;
    g.handle = next_++;
    g.state = s;
    g.last_activity = now;
    return guests_.emplace(g.handle, std::move(g)).first->second;
}

const PoolGuest* GuestPool::find(GuestHandle h) const {
    auto it = guests_.find(h);
    return it == guests_.end() ? nullptr : &it->second;
}

PoolCounts GuestPool::counts() const {
    PoolCounts c;
    for (const auto& [h, g] : guests_) {
        switch (g.state) {
            case GuestState::booting:
                ++c.booting;
                break;
            case GuestState::pooled:
                ++c.pooled;
                break;
            case GuestState::held:
                ++c.held;
                break;
            case GuestState::engaged:
                ++c.engaged;
                break;
            case GuestState::dormant:
                ++c.dormant;
                break;
            case GuestState::waking:
                ++c.waking;
                break;
            case GuestState::stopping:
                ++c.stopping;
                break;
        }
    }
    return c;
}

std::size_t GuestPool::places_taken() const {
    std::size_t n = 0;
    for (const auto& [h, g] : guests_) {
        if (g.state == GuestState::dormant) continue;
        if (g.state == GuestState::stopping && g.place_for != 0) continue;
        ++n;
    }
    return n;
}

std::string GuestPool::newest_holder(GuestHandle guest) const {
    const PoolGuest* g = find(guest);
    if (g == nullptr) return {};
    const std::pair<const std::string, Holder>* newest = nullptr;
    for (const auto& h : g->holders) {
        if (h.second.connections > 0 && (newest == nullptr || h.second.last_activity > newest->second.last_activity)) {
            newest = &h;
        }
    }
    return newest == nullptr ? std::string{} : newest->first;
}

unsigned GuestPool::failures(const std::string& source) const {
    auto it = failures_.find(source);
    return it == failures_.end() ? 0 : it->second.n;
}

void GuestPool::count_failure(const std::string& source) {
    auto& f = failures_[source];
    ++f.n;
    f.order = ++failure_order_;
    if (failures_.size() <= kFailureSources) return;
    auto oldest = std::min_element(failures_.begin(), failures_.end(),
                                   [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
    failures_.erase(oldest);
}

void GuestPool::note(GuestChangeKind what, const PoolGuest& g, const std::string& detail) {
    note_source(what, g, g.source, detail);
}

void GuestPool::note_source(GuestChangeKind what, const PoolGuest& g, const std::string& source,
                            const std::string& detail) {
    if (actions_.note) actions_.note(what, g, source, detail);
}

void GuestPool::start_boot(PoolGuest& g) {
    g.waits_for = 0;
    next_boot();
}

void GuestPool::next_boot() {
    std::size_t running = 0;
    for (const auto& [h, o] : guests_) running += o.boot_started ? 1 : 0;
    while (running < policy_.parallel_boots) {
        // Those a source waits for (a wake, a boot with connections
        // waiting) before the pool's.
        PoolGuest* next = nullptr;
        for (auto& [h, g] : guests_) {
            bool waiting = (g.state == GuestState::booting || g.state == GuestState::waking) && !g.boot_started &&
                           g.waits_for == 0;
            if (!waiting) continue;
            if (next == nullptr || (next->connections == 0 && g.connections > 0)) next = &g;
        }
        if (next == nullptr) return;
        next->boot_started = true;
        actions_.boot(*next);
        ++running;
    }
}

void GuestPool::hold(PoolGuest& g, const std::string& source, PoolTime now) {
    Holder& h = g.holders[source];
    h.since = h.last_activity = now;
    by_source_[source] = g.handle;
    g.last_activity = now;
    if (g.state == GuestState::pooled) g.state = GuestState::held;
    // A booting guest's holders are announced once it is up.
    if (g.state == GuestState::held) note_source(GuestChangeKind::held, g, source);
}

void GuestPool::release(PoolGuest& g, const std::string& source, const std::string& why) {
    auto it = g.holders.find(source);
    if (it == g.holders.end()) return;
    g.connections -= std::min(g.connections, it->second.connections);
    g.holders.erase(it);
    if (auto b = by_source_.find(source); b != by_source_.end() && b->second == g.handle) by_source_.erase(b);
    if (g.state == GuestState::held && g.holders.empty()) g.state = GuestState::pooled;
    note_source(GuestChangeKind::released, g, source, why);
}

void GuestPool::forget_sources(const PoolGuest& g) {
    auto forget = [&](const std::string& source) {
        auto it = by_source_.find(source);
        if (it != by_source_.end() && it->second == g.handle) by_source_.erase(it);
    };
    if (!g.source.empty()) forget(g.source);
    for (const auto& [source, holder] : g.holders) forget(source);
}

void GuestPool::stop(PoolGuest& g, StopKind kind, const std::string& reason) {
    if (kind == StopKind::close) {
        forget_sources(g);
        // Its connections go with it.
        g.holders.clear();
    }
    g.state = GuestState::stopping;
    g.stop_kind = kind;
    actions_.stop(g, kind, reason);
}

void GuestPool::make_dormant(PoolGuest& g, const std::string& reason) {
    g.dormant_since = {};
    note(GuestChangeKind::dormant, g, reason);
    stop(g, StopKind::dormant, reason);
}

namespace {

// Sources on a shared guest with a connection open now (not those in their
// grace): how many a login there would reset.
std::size_t connected_sources(const PoolGuest& g) {
    return static_cast<std::size_t>(
        std::count_if(g.holders.begin(), g.holders.end(), [](const auto& h) { return h.second.connections > 0; }));
}

}  // namespace

PoolGuest* GuestPool::least_busy_shared() {
    PoolGuest* best = nullptr;
    auto key = [](const PoolGuest& g) { return std::tuple(connected_sources(g), g.connections, g.holders.size()); };
    for (auto& [h, g] : guests_) {
        if (g.state != GuestState::pooled && g.state != GuestState::held) continue;
        if (best == nullptr || key(g) < key(*best)) best = &g;
    }
    return best;
}

PoolGuest* GuestPool::idlest_engaged(PoolTime now, std::chrono::seconds min_idle) {
    PoolGuest* idle = nullptr;
    for (auto& [h, g] : guests_) {
        if (g.state == GuestState::engaged && g.connections == 0 && now - g.last_activity >= min_idle &&
            (idle == nullptr || g.last_activity < idle->last_activity)) {
            idle = &g;
        }
    }
    return idle;
}

void GuestPool::take_place(PoolGuest& place, PoolGuest& next) {
    place.place_for = next.handle;
    next.waits_for = place.handle;
}

PoolGuest* GuestPool::reclaim_for(const std::string& whom, PoolTime now, std::chrono::seconds min_idle) {
    PoolGuest* idle = idlest_engaged(now, min_idle);
    if (idle == nullptr) return nullptr;
    PoolGuest& fresh = add(GuestState::booting, now);
    take_place(*idle, fresh);
    note(GuestChangeKind::reclaimed, *idle, "engaged guest idle longest, made dormant, for " + whom);
    make_dormant(*idle, "reclaimed for " + whom);
    return &fresh;
}

bool GuestPool::wake(PoolGuest& g, PoolTime now) {
    if (places_taken() >= policy_.max_guests) {
        // The place of least value: a guest nobody logged into that no
        // source is connected to; else the engaged guest idle longest
        // (dormant in its turn); else the shared guest the fewest sources
        // are connected to (they come again elsewhere).
        PoolGuest* place = least_busy_shared();
        if (place == nullptr || connected_sources(*place) > 0) {
            if (PoolGuest* idle = idlest_engaged(now, std::chrono::seconds(0)); idle != nullptr) place = idle;
        }
        if (place == nullptr) return false;
        take_place(*place, g);
        if (place->state == GuestState::engaged) {
            note(GuestChangeKind::reclaimed, *place,
                 "engaged guest idle longest, made dormant, for returning " + g.source);
            make_dormant(*place, "reclaimed for a returning source");
        } else {
            // Held nothing of value: stopped (its connections with it), and
            // the dormant one wakes in its place.
            note(GuestChangeKind::reclaimed, *place,
                 fmt::format("guest nobody logged into ({} connections reset), for returning {}", place->connections,
                             g.source));
            stop(*place, StopKind::close, "its place went to a returning source");
        }
    }
    g.state = GuestState::waking;
    note(GuestChangeKind::woken, g);
    if (g.waits_for == 0) start_boot(g);
    return true;
}

Admission GuestPool::connect(const std::string& source, PoolTime now) {
    Admission a;
    PoolGuest* g = nullptr;
    if (auto it = by_source_.find(source); it != by_source_.end()) {
        g = &guests_.at(it->second);
        if (g->state == GuestState::dormant && !wake(*g, now)) {
            a.reason = "every guest holds a logged-in attacker (sensor.max_guests)";
            return a;
        }
        if (g->state == GuestState::stopping && g->stop_kind == StopKind::dormant) g->wake_when_stopped = true;
    } else {
        // The guest up that the fewest sources are connected to (a free
        // one while there is one); else one still booting (the one with
        // the fewest waiting); else a new place, reclaimed if need be.
        g = least_busy_shared();
        if (g == nullptr) {
            for (auto& [h, c] : guests_) {
                if (c.state == GuestState::booting && c.waits_for == 0 &&
                    (g == nullptr || c.connections < g->connections)) {
                    g = &c;
                }
            }
        }
        if (g == nullptr) {
            if (places_taken() < policy_.max_guests) {
                g = &add(GuestState::booting, now);
                note_source(GuestChangeKind::cold_boot, *g, source);
                start_boot(*g);
            } else {
                g = reclaim_for(source, now, std::chrono::seconds(0));
                if (g == nullptr) {
                    a.reason = "every guest holds a logged-in attacker (sensor.max_guests)";
                    return a;
                }
            }
        }
        hold(*g, source, now);
    }
    if (auto h = g->holders.find(source); h != g->holders.end()) {
        ++h->second.connections;
        h->second.last_activity = now;
    }
    ++g->connections;
    g->last_activity = now;
    a.guest = g->handle;
    a.engaged = g->engaged_once;
    bool ready = g->state == GuestState::held || g->state == GuestState::engaged;
    a.kind = ready ? Admission::Kind::connect : Admission::Kind::wait;
    return a;
}

void GuestPool::disconnect(GuestHandle guest, const std::string& source, PoolTime now) {
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    if (auto h = g.holders.find(source); h != g.holders.end()) {
        if (h->second.connections == 0) return;
        --h->second.connections;
        h->second.last_activity = now;
    } else if (g.source != source) {
        return;
    }
    if (g.connections > 0) --g.connections;
    g.last_activity = now;
}

void GuestPool::activity(GuestHandle guest, PoolTime now) {
    if (auto it = guests_.find(guest); it != guests_.end()) it->second.last_activity = now;
}

void GuestPool::login(GuestHandle guest, const std::string& source, bool success, PoolTime now) {
    if (!success) {
        count_failure(source);
        return;
    }
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    // Only a source the guest serves before any login (a guest root can
    // forge login reports; the guest is then its source's anyway).
    if (g.state != GuestState::held) return;
    auto mine = g.holders.find(source);
    if (mine == g.holders.end()) return;
    Holder holder = mine->second;
    g.holders.erase(mine);
    // Every other source leaves: a login never lands on a guest another
    // source logged into, and no other source sees this one's shell.
    while (!g.holders.empty()) {
        auto other = g.holders.begin()->first;
        if (g.holders.begin()->second.connections > 0) actions_.reset_connections(g, other);
        release(g, other, "another source logged in on its guest; its connections reset");
    }
    g.state = GuestState::engaged;
    g.source = source;
    g.connections = holder.connections;
    g.engaged_once = true;
    g.held_since = holder.since;
    g.engaged_since = now;
    g.last_activity = now;
    by_source_[source] = g.handle;
    note(GuestChangeKind::engaged, g);
}

void GuestPool::boot_done(GuestHandle guest, PoolTime now) {
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    g.boot_started = false;
    g.last_activity = now;
    // Once this one has left its booting state, on every path below.
    AtScopeEnd next{[this] { next_boot(); }};
    if (g.state == GuestState::waking) {
        g.state = GuestState::engaged;
        return;
    }
    if (g.state != GuestState::booting) return;
    if (g.holders.empty()) {
        g.state = GuestState::pooled;
        return;
    }
    // Its sources' connections waited for the boot, and are still counted.
    g.state = GuestState::held;
    for (const auto& [source, holder] : g.holders) note_source(GuestChangeKind::held, g, source);
}

void GuestPool::boot_failed(GuestHandle guest, PoolTime now) {
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    g.boot_started = false;
    AtScopeEnd next{[this] { next_boot(); }};
    if (g.state == GuestState::waking) {
        // Its disk is still there: dormant again, tried at the next return.
        g.state = GuestState::dormant;
        g.dormant_since = now;
        g.connections = 0;
        note(GuestChangeKind::wake_failed, g);
        return;
    }
    forget_sources(g);
    guests_.erase(it);
}

void GuestPool::stopped(GuestHandle guest, PoolTime now) {
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    GuestHandle queued = std::exchange(g.place_for, 0);
    if (queued != 0) {
        auto q = guests_.find(queued);
        if (q != guests_.end() && q->second.waits_for == guest) start_boot(q->second);
    }
    if (g.state != GuestState::stopping || g.stop_kind != StopKind::dormant) {
        forget_sources(g);
        guests_.erase(it);
        return;
    }
    g.state = GuestState::dormant;
    g.dormant_since = now;
    if (!g.wake_when_stopped) {
        g.connections = 0;
        return;
    }
    // Its source came back while it was stopping: its connections wait.
    g.wake_when_stopped = false;
    if (!wake(g, now)) {
        note(GuestChangeKind::refused, g, "no place to wake it in (sensor.max_guests)");
        actions_.reset_connections(g, g.source);
        g.connections = 0;
    }
}

void GuestPool::died(GuestHandle guest, PoolTime now) {
    (void)now;
    auto it = guests_.find(guest);
    if (it == guests_.end()) return;
    PoolGuest& g = it->second;
    if (g.state == GuestState::stopping) return;  // its stop is under way
    note(GuestChangeKind::died, g);
    stop(g, StopKind::close, "guest exited");
}

void GuestPool::refill(PoolTime now) {
    // free: guests nobody logged into and no source is connected to, up or
    // booting for the pool.
    std::size_t free = 0, booting = 0;
    for (const auto& [h, g] : guests_) {
        if (g.state == GuestState::booting) {
            ++booting;
            free += g.holders.empty() ? 1 : 0;
        } else if (g.state == GuestState::pooled || g.state == GuestState::held) {
            free += connected_sources(g) == 0 ? 1 : 0;
        }
    }
    // `pool_size` guests are kept free, so that a new source shares a
    // guest (and may be reset by another's login) only when boots cannot
    // keep up. Every place taken, an engaged guest idle a while gives its
    // place: a returning intruder waits for a wake, which costs less than
    // sharing (bench/internet: 85 sources reset by logins in 10 minutes
    // when only a pool of shared guests was kept under pressure).
    while (booting < policy_.parallel_pool_boots && free < policy_.pool_size) {
        if (places_taken() < policy_.max_guests) {
            start_boot(add(GuestState::booting, now));
        } else {
            // Every place taken: the pool stays warm all the same, so that
            // the next scanner gets a banner at once. An engaged guest idle
            // a while gives its place (dormant; it wakes for its source).
            if (reclaim_for("the pool", now, policy_.pool_reclaim_min_idle) == nullptr) break;
        }
        ++free;
        ++booting;
    }
}

void GuestPool::tick(PoolTime now) {
    std::vector<GuestHandle> handles;
    handles.reserve(guests_.size());
    for (const auto& [h, g] : guests_) handles.push_back(h);
    for (auto h : handles) {
        auto it = guests_.find(h);
        if (it == guests_.end()) continue;
        PoolGuest& g = it->second;
        switch (g.state) {
            case GuestState::held: {
                std::vector<std::string> gone;
                for (const auto& [source, holder] : g.holders) {
                    if (holder.connections == 0 && now - holder.last_activity >= policy_.release_grace) {
                        gone.push_back(source);
                    }
                }
                for (const auto& source : gone) release(g, source, "source left before any login");
                break;
            }
            case GuestState::engaged:
                if (policy_.max_intrusion.count() > 0 && now - g.engaged_since >= policy_.max_intrusion) {
                    note(GuestChangeKind::expired, g, "sensor.max_intrusion_s");
                    stop(g, StopKind::close, "intrusion lifetime reached (sensor.max_intrusion_s)");
                } else if (g.connections == 0 && now - g.last_activity >= policy_.idle_timeout) {
                    make_dormant(g, "idle");
                }
                break;
            case GuestState::dormant:
                if (now - g.dormant_since >= policy_.dormant_retention) {
                    note(GuestChangeKind::retention_ended, g);
                    forget_sources(g);
                    if (actions_.close_dormant)
                        actions_.close_dormant(g, "source did not return (sensor.dormant_retention_days)");
                    guests_.erase(it);
                }
                break;
            default:
                break;
        }
    }
    refill(now);
}

void GuestPool::shutdown(const std::string& reason) {
    std::vector<GuestHandle> dormant;
    for (auto& [h, g] : guests_) {
        switch (g.state) {
            case GuestState::pooled:
            case GuestState::held:
            case GuestState::engaged:
                stop(g, StopKind::close, reason);
                break;
            case GuestState::dormant:
                dormant.push_back(h);
                break;
            default:
                break;  // booting and waking ones once booted; stopping ones are
        }
    }
    for (auto h : dormant) {
        auto it = guests_.find(h);
        forget_sources(it->second);
        if (actions_.close_dormant) actions_.close_dormant(it->second, reason);
        guests_.erase(it);
    }
}

GuestHandle GuestPool::adopt_pooled(PoolTime now) {
    return add(GuestState::pooled, now).handle;
}

GuestHandle GuestPool::adopt_engaged(const std::string& source, PoolTime now) {
    PoolGuest& g = add(GuestState::engaged, now);
    g.source = source;
    g.engaged_once = true;
    g.engaged_since = g.held_since = now;
    by_source_[source] = g.handle;
    return g.handle;
}

GuestHandle GuestPool::adopt_dormant(const std::string& source, PoolTime dormant_since) {
    PoolGuest& g = add(GuestState::dormant, dormant_since);
    g.source = source;
    g.engaged_once = true;
    g.dormant_since = dormant_since;
    by_source_[source] = g.handle;
    return g.handle;
}

}  // namespace oyster::sensor
