// The sensor's guest lifecycle: which guest each source address is given,
// when guests boot, go dormant, wake and stop. Pure policy: no I/O, no clock
// of its own. The sensor feeds it what happened (connections, logins, boots
// done, guests gone, the time) and carries out what it asks through
// GuestActions (boot, stop, reset connections), so the whole policy is
// unit-tested without UML.
//
// Guests are spent on engagement, because the internet sends far more
// sources than a machine has guests:
//
//   booting ──boot done──▶ pooled ◀──▶ held(S1, S2, …) ──login ok by Sk──▶ engaged(Sk)
//                            ▲     connect / last one gone + grace        │
//                            │                                            │ idle, or under pressure
//   waking(S) ──boot done──▶ engaged(S) ◀─────── connect(S) ──────── dormant(S)
//                                               retention over ──▶ closed
//
// - Before any login a guest may be shared, as a real server is: it holds
//   nothing of anyone's beyond failed-authentication lines and
//   pre-authentication sshd processes, which any internet server shows. A
//   new source takes the guest up that the fewest sources are connected to:
//   one of its own while boots keep up (the pool keeps `pool_size` guests
//   free, booting more as sources take them), else it shares one at once
//   rather than wait for a boot. A source keeps to its guest while it has
//   connections there and for `release_grace` after (so its attempts meet
//   one sshd and one tally); a guest no source holds is pooled. So
//   scanners and failed brute force get a banner at once and cost no boot
//   of their own.
// - The first successful login makes the guest that source's alone, for
//   good: every other source's connections on it are reset (they come
//   again to another guest) and it is never shared or pooled again. Idle
//   for `idle_timeout` (no connection), or the least recently used one
//   under pressure, it is made dormant: stopped, disk and intrusion kept.
//   When its source comes back within `dormant_retention` it is booted
//   again from its own disk while the connection waits; after that its
//   intrusion is closed.
// - `pool_size` guests no source is connected to are kept up; with every
//   place taken (max_guests), at the cost of the engaged guest idle longest
//   (idle `pool_reclaim_min_idle` at least), made dormant.
// - A new source with no guest up for it waits for one still booting; else
//   a new boot; else, every place taken, a boot queued behind the engaged
//   guest idle longest, made dormant. A source
//   is refused only when every live guest holds a connected, logged-in
//   attacker (or is booting or stopping for one). Every reclaim is
//   reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oyster/events/sensor_events.h"

namespace oyster::sensor {

using PoolClock = std::chrono::steady_clock;
using PoolTime = PoolClock::time_point;
using GuestHandle = std::uint64_t;

enum class GuestState { booting, pooled, held, engaged, dormant, waking, stopping };
const char* guest_state_name(GuestState s);

struct PoolPolicy {
    std::size_t pool_size = 2;
    std::size_t max_guests = 8;
    // A source whose last connection to a shared guest closed this long
    // ago no longer holds it (a new connection may go elsewhere).
    std::chrono::seconds release_grace{10};
    // An engaged guest without a connection this long: dormant.
    std::chrono::seconds idle_timeout{1800};
    // A dormant guest's source may come back this long; then it is closed.
    std::chrono::seconds dormant_retention{std::chrono::hours(24 * 7)};
    // An engaged guest's intrusion ends this long after it began, whatever
    // its source does (0: no limit).
    std::chrono::seconds max_intrusion{0};
    // Boots under way at once, of every kind (a boot is CPU-bound: more
    // than one per core only makes each slower). Beyond it a boot waits its
    // turn, those a source waits for first.
    std::size_t parallel_boots = 2;
    // Of which for the pool.
    std::size_t parallel_pool_boots = 1;
    // With every place taken, an engaged guest idle this long is made
    // dormant to keep the pool at its size (a new source, which cannot
    // wait, may take one idle for less). Long enough for an intruder's
    // next connection of the same visit (a second session, an scp).
    std::chrono::seconds pool_reclaim_min_idle{30};
};

// Why a guest is stopped.
enum class StopKind {
    dormant,  // disk and intrusion kept, may wake
    close,    // its intrusion (if any) closed, disk kept as evidence
};

// A source on a guest nobody has logged into.
struct Holder {
    unsigned connections = 0;  // open, spliced or waiting for the boot
    PoolTime since{}, last_activity{};
};

struct PoolGuest {
    GuestHandle handle = 0;
    GuestState state = GuestState::booting;
    // Engaged, dormant, waking: the source whose guest it is.
    std::string source;
    // Booting, held: the sources it serves before any login.
    std::map<std::string, Holder> holders;
    unsigned connections = 0;  // open connections spliced or waiting, of every source
    bool engaged_once = false;
    bool boot_started = false;  // booting, waking: asked of GuestActions::boot
    // booting: waits for `place_of` to finish stopping before it boots.
    GuestHandle waits_for = 0;
    // stopping: its place is promised to this queued boot.
    GuestHandle place_for = 0;
    // stopping to dormant: its source came back meanwhile; wake it once stopped.
    bool wake_when_stopped = false;
    StopKind stop_kind = StopKind::close;
    // held_since: when its source (engaged and after) first came to it.
    PoolTime held_since{}, engaged_since{}, last_activity{}, dormant_since{};
};

// What the pool asks the sensor to do. Each is called from inside the
// pool's own calls, and must not call back into the pool.
struct GuestActions {
    // Boot a guest: a fresh one (state booting), or from its own disk
    // (state waking). Ends with boot_done() or boot_failed().
    std::function<void(const PoolGuest&)> boot;
    // Stop a live guest. Ends with stopped().
    std::function<void(const PoolGuest&, StopKind, const std::string& reason)> stop;
    // Close the intrusion of a dormant guest whose retention ended (no
    // process to stop). The guest is forgotten.
    std::function<void(const PoolGuest&, const std::string& reason)> close_dormant;
    // Reset `source`'s connections to a guest (another source logged in on
    // it, or a returning source wakes in its place).
    std::function<void(const PoolGuest&, const std::string& source)> reset_connections;
    // A guest changed hands or state in a way worth an event (one
    // `guest_<change>` type each, events/sensor_events.h): held and
    // released (by `source`), engaged, reclaimed, dormant, woken, ...
    // (`source`: the guest's, or empty).
    std::function<void(events::GuestChangeKind what, const PoolGuest&, const std::string& source,
                       const std::string& detail)>
        note;
};

struct Admission {
    enum class Kind { connect, wait, refuse } kind = Kind::refuse;
    GuestHandle guest = 0;
    bool engaged = false;  // the guest is its source's (no pre-login limits)
    std::string reason;    // refuse
};

struct PoolCounts {
    std::size_t booting = 0, pooled = 0, held = 0, engaged = 0, dormant = 0, waking = 0, stopping = 0;
    std::size_t live() const { return booting + pooled + held + engaged + waking + stopping; }
};

class GuestPool {
public:
    GuestPool(PoolPolicy policy, GuestActions actions);

    // A new connection from `source`.
    Admission connect(const std::string& source, PoolTime now);
    // One of `guest`'s connections from `source` ended (ignored when the
    // source no longer holds the guest: another logged in on it).
    void disconnect(GuestHandle guest, const std::string& source, PoolTime now);
    // Bytes moved on one of `guest`'s connections.
    void activity(GuestHandle guest, PoolTime now);
    // A password login on `guest` by `source`, as its PAM hook reported it.
    void login(GuestHandle guest, const std::string& source, bool success, PoolTime now);

    void boot_done(GuestHandle guest, PoolTime now);
    void boot_failed(GuestHandle guest, PoolTime now);
    // A stop the pool asked for is complete (or a guest died and its stop
    // ran). A dormant stop leaves the guest dormant; any other, gone.
    void stopped(GuestHandle guest, PoolTime now);
    // The guest's process is gone without being asked to stop.
    void died(GuestHandle guest, PoolTime now);

    // Timers (release grace, idle, retention, intrusion lifetime) and the
    // pool's refill. Call it often (every second is plenty).
    void tick(PoolTime now);
    // The sensor is stopping: every live guest is stopped and every
    // intrusion closed, dormant ones too (a guest booting now is stopped by
    // the next call once it is up; call it until nothing is left).
    void shutdown(const std::string& reason);

    // Recovery after a restart: guests a previous run left.
    GuestHandle adopt_pooled(PoolTime now);
    GuestHandle adopt_engaged(const std::string& source, PoolTime now);
    GuestHandle adopt_dormant(const std::string& source, PoolTime dormant_since);

    const PoolGuest* find(GuestHandle h) const;
    // Of the sources `guest` serves before any login, the one with open
    // connections that connected last (a login report that names no
    // address is most likely its); empty when none.
    std::string newest_holder(GuestHandle guest) const;
    PoolCounts counts() const;
    const std::map<GuestHandle, PoolGuest>& guests() const { return guests_; }
    // Failed logins seen per source (bounded, oldest sources forgotten).
    unsigned failures(const std::string& source) const;
    const PoolPolicy& policy() const { return policy_; }

private:
    PoolGuest& add(GuestState s, PoolTime now);
    // `source` joins a booting or shared guest.
    void hold(PoolGuest& g, const std::string& source, PoolTime now);
    // `source` no longer holds `g` (a guest nobody holds is pooled).
    void release(PoolGuest& g, const std::string& source, const std::string& why);
    // The guest nobody logged into (pooled or held) a new source takes:
    // the one the fewest sources are connected to, then the fewest
    // connections; nullptr when none is up.
    PoolGuest* least_busy_shared();
    void make_dormant(PoolGuest& g, const std::string& reason);
    // Boots a dormant guest again for its returning source, reclaiming a
    // place if every one is taken; false when none may be reclaimed.
    bool wake(PoolGuest& g, PoolTime now);
    void stop(PoolGuest& g, StopKind kind, const std::string& reason);
    // `g` may boot: now, or when a boot ends if `parallel_boots` are under
    // way (next_boot() decides).
    void start_boot(PoolGuest& g);
    // Starts the boots waiting for their turn while fewer than
    // `parallel_boots` run, those a source waits for first.
    void next_boot();
    // Forgets which sources `g` is the guest of (its own and its holders).
    void forget_sources(const PoolGuest& g);
    void note(events::GuestChangeKind what, const PoolGuest& g, const std::string& detail = {});
    void note_source(events::GuestChangeKind what, const PoolGuest& g, const std::string& source,
                     const std::string& detail = {});
    // The engaged guest with no connection idle longest, if idle at least
    // `min_idle`; nullptr when none.
    PoolGuest* idlest_engaged(PoolTime now, std::chrono::seconds min_idle);
    // `next` boots in `place` once `place` has stopped.
    static void take_place(PoolGuest& place, PoolGuest& next);
    // A new boot (for `whom`: a source, or the pool) when every place is
    // taken, queued behind the engaged guest idle longest (at least
    // `min_idle`), made dormant. nullptr when none is idle.
    PoolGuest* reclaim_for(const std::string& whom, PoolTime now, std::chrono::seconds min_idle);
    // Live places taken: every guest but the dormant, and a stopping guest
    // whose place is promised to a queued boot (that boot counts instead).
    std::size_t places_taken() const;
    void refill(PoolTime now);
    void count_failure(const std::string& source);

    PoolPolicy policy_;
    GuestActions actions_;
    std::map<GuestHandle, PoolGuest> guests_;
    // Each source's guest: the one it holds before a login (booting,
    // held), or its own (engaged, dormant, waking, stopping to dormant).
    std::map<std::string, GuestHandle> by_source_;
    GuestHandle next_ = 1;
    struct FailureCount {
        unsigned n = 0;
        std::uint64_t order = 0;
    };
    std::map<std::string, FailureCount> failures_;
    std::uint64_t failure_order_ = 0;
};

}  // namespace oyster::sensor
