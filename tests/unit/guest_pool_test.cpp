// The guest lifecycle policy, without UML: boots and stops are recorded and
// completed by the test, time is the test's.
#include "oyster/sensor/guest_pool.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

#include <fmt/format.h>

namespace oyster::sensor {
namespace {

using namespace std::chrono_literals;

struct World {
    PoolPolicy policy;
    std::deque<GuestHandle> boots, wakes;
    struct Stop {
        GuestHandle h;
        StopKind kind;
        std::string reason;
    };
    std::deque<Stop> stops;
    struct Reset {
        GuestHandle h;
        std::string source;
        bool operator==(const Reset&) const = default;
    };
    std::vector<Reset> resets;
    std::vector<GuestHandle> closed_dormant;
    std::vector<std::string> notes;
    PoolTime now = PoolTime{} + 1000s;
    std::unique_ptr<GuestPool> pool;

    explicit World(std::size_t pool_size = 2, std::size_t max_guests = 4, std::size_t parallel_boots = 2) {
        policy.pool_size = pool_size;
        policy.max_guests = max_guests;
        policy.parallel_boots = parallel_boots;
        policy.release_grace = 10s;
        policy.idle_timeout = 1800s;
        policy.dormant_retention = 7 * 24h;
        GuestActions a;
        a.boot = [this](const PoolGuest& g) { (g.state == GuestState::waking ? wakes : boots).push_back(g.handle); };
        a.stop = [this](const PoolGuest& g, StopKind k, const std::string& r) { stops.push_back({g.handle, k, r}); };
        a.close_dormant = [this](const PoolGuest& g, const std::string&) { closed_dormant.push_back(g.handle); };
        a.reset_connections = [this](const PoolGuest& g, const std::string& source) {
            resets.push_back({g.handle, source});
        };
        a.note = [this](events::GuestChangeKind what, const PoolGuest& g, const std::string& source,
                        const std::string&) {
            notes.push_back(fmt::format("{} {} {}", events::guest_change_name(what), g.handle, source));
        };
        pool = std::make_unique<GuestPool>(policy, a);
    }
    // Completes every boot (and wake) asked for so far.
    void finish_boots() {
        while (!boots.empty() || !wakes.empty()) {
            auto& q = boots.empty() ? wakes : boots;
            auto h = q.front();
            q.pop_front();
            pool->boot_done(h, now);
        }
    }
    void finish_stops() {
        while (!stops.empty()) {
            auto s = stops.front();
            stops.pop_front();
            pool->stopped(s.h, now);
        }
    }
    // A warm pool: boots its guests one at a time, as the sensor does.
    void warm() {
        for (int i = 0; i < 10; ++i) {
            pool->tick(now);
            finish_boots();
        }
    }
    GuestState state(GuestHandle h) const {
        auto* g = pool->find(h);
        EXPECT_NE(g, nullptr);
        return g ? g->state : GuestState::stopping;
    }
    void advance(std::chrono::seconds s) {
        now += s;
        pool->tick(now);
    }
    bool noted(const std::string& what) const {
        for (const auto& n : notes) {
            if (n.rfind(what + " ", 0) == 0) return true;
        }
        return false;
    }
};

TEST(GuestPoolTest, TheWarmPoolBootsOneAtATimeUpToItsSize) {
    World w(2, 4);
    w.pool->tick(w.now);
    EXPECT_EQ(w.boots.size(), 1u);
    w.pool->tick(w.now);
    EXPECT_EQ(w.boots.size(), 1u) << "a second pool boot waits for the first";
    w.finish_boots();
    w.pool->tick(w.now);
    w.finish_boots();
    w.pool->tick(w.now);
    EXPECT_TRUE(w.boots.empty());
    EXPECT_EQ(w.pool->counts().pooled, 2u);
}

TEST(GuestPoolTest, SourcesBeforeAnyGuestIsUpWaitForOneBootTogether) {
    World w(0, 10);
    auto a = w.pool->connect("198.51.100.1", w.now);
    auto b = w.pool->connect("198.51.100.2", w.now);
    auto c = w.pool->connect("198.51.100.3", w.now);
    EXPECT_EQ(a.kind, Admission::Kind::wait);
    EXPECT_EQ(b.guest, a.guest);
    EXPECT_EQ(c.guest, a.guest);
    ASSERT_EQ(w.boots.size(), 1u) << "one cold boot, not one per source";
    w.finish_boots();
    EXPECT_EQ(w.state(a.guest), GuestState::held);
    EXPECT_EQ(w.pool->find(a.guest)->holders.size(), 3u);
    EXPECT_EQ(w.pool->find(a.guest)->connections, 3u);
}

TEST(GuestPoolTest, BootsWaitTheirTurnAndOneASourceWaitsForGoesFirst) {
    World w(1, 3, 1);
    w.warm();
    auto bot = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(bot.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(bot.guest, "198.51.100.1", w.now);
    w.pool->tick(w.now);
    ASSERT_EQ(w.boots.size(), 1u) << "the pool's replacement";
    w.advance(1800s);
    w.finish_stops();
    ASSERT_EQ(w.state(bot.guest), GuestState::dormant);
    // Its source returns while the pool's boot runs: one boot at a time,
    // and the wake goes next, before any other pool boot.
    w.pool->connect("198.51.100.1", w.now);
    EXPECT_TRUE(w.wakes.empty()) << "no second boot at once";
    auto first = w.boots.front();
    w.boots.pop_front();
    w.pool->boot_done(first, w.now);
    ASSERT_EQ(w.wakes.size(), 1u);
    EXPECT_EQ(w.wakes.front(), bot.guest);
    EXPECT_TRUE(w.boots.empty());
}

TEST(GuestPoolTest, BackToBackBannerGrabsShareTheGuestsUpRatherThanBoot) {
    World w(2, 4);
    w.warm();
    for (int i = 0; i < 20; ++i) {
        std::string src = fmt::format("203.0.113.{}", i);
        auto a = w.pool->connect(src, w.now);
        ASSERT_EQ(a.kind, Admission::Kind::connect) << i;
        w.now += 200ms;
        w.pool->disconnect(a.guest, src, w.now);
        w.pool->tick(w.now);
    }
    EXPECT_TRUE(w.boots.empty());
}

TEST(GuestPoolTest, BannerGrabsFromManySourcesBootNothing) {
    World w(2, 4);
    w.warm();
    for (int i = 0; i < 1000; ++i) {
        std::string src = fmt::format("203.0.113.{}", i % 250);
        auto a = w.pool->connect(src, w.now);
        ASSERT_EQ(a.kind, Admission::Kind::connect) << i;
        EXPECT_FALSE(a.engaged);
        w.now += 1s;
        w.pool->disconnect(a.guest, src, w.now);
        w.advance(11s);
    }
    EXPECT_TRUE(w.boots.empty()) << "no boot is spent on a scanner";
    EXPECT_TRUE(w.stops.empty());
    EXPECT_EQ(w.pool->counts().pooled, 2u);
    EXPECT_TRUE(w.noted("released"));
}

TEST(GuestPoolTest, AHeldGuestGoesBackToThePoolOnlyAfterTheGrace) {
    World w(1, 2);
    w.warm();
    auto a = w.pool->connect("198.51.100.7", w.now);
    ASSERT_EQ(a.kind, Admission::Kind::connect);
    EXPECT_EQ(w.state(a.guest), GuestState::held);
    w.pool->disconnect(a.guest, "198.51.100.7", w.now);
    w.advance(9s);
    EXPECT_EQ(w.state(a.guest), GuestState::held);
    auto again = w.pool->connect("198.51.100.7", w.now);
    EXPECT_EQ(again.guest, a.guest) << "sticky while held";
    w.pool->disconnect(a.guest, "198.51.100.7", w.now);
    w.advance(10s);
    EXPECT_EQ(w.state(a.guest), GuestState::pooled);
}

// Sharing is the overflow: while boots keep up, every source connected at
// once has a guest of its own, so no login resets anyone.
TEST(GuestPoolTest, ASourceHasAGuestOfItsOwnWhileBootsKeepUp) {
    World w(2, 8);
    w.warm();
    std::set<GuestHandle> seen;
    for (int i = 0; i < 5; ++i) {
        std::string src = fmt::format("198.51.100.{}", i);
        auto a = w.pool->connect(src, w.now);
        ASSERT_EQ(a.kind, Admission::Kind::connect) << i;
        EXPECT_TRUE(seen.insert(a.guest).second) << src << " shares a guest";
        w.now += 10s;
        w.warm();  // boots keep up
        EXPECT_EQ(w.pool->counts().pooled, 2u) << "two kept free";
    }
    // A source that left (in its grace) does not keep its guest from others.
    auto last = *seen.rbegin();
    w.pool->disconnect(last, "198.51.100.4", w.now);
    w.pool->tick(w.now);
    EXPECT_TRUE(w.boots.empty());
    EXPECT_EQ(w.pool->counts().live(), 7u);
}

TEST(GuestPoolTest, SourcesShareAGuestUntilALoginMakesItOnesAlone) {
    World w(2, 4);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    auto b = w.pool->connect("198.51.100.2", w.now);
    ASSERT_NE(a.guest, b.guest) << "the least busy guest takes a new source";
    auto c = w.pool->connect("198.51.100.3", w.now);
    ASSERT_EQ(c.kind, Admission::Kind::connect) << "a banner at once, on a shared guest";
    ASSERT_EQ(c.guest, a.guest);
    auto c2 = w.pool->connect("198.51.100.3", w.now);
    EXPECT_EQ(c2.guest, a.guest) << "a source keeps to its guest";
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    EXPECT_EQ(w.state(a.guest), GuestState::engaged);
    EXPECT_EQ(w.resets, (std::vector<World::Reset>{{a.guest, "198.51.100.3"}})) << "the other source's connections";
    EXPECT_EQ(w.pool->find(a.guest)->connections, 1u);
    EXPECT_TRUE(w.pool->find(a.guest)->holders.empty());
    // Its reset connections' ends count for nothing.
    w.pool->disconnect(a.guest, "198.51.100.3", w.now);
    w.pool->disconnect(a.guest, "198.51.100.3", w.now);
    EXPECT_EQ(w.pool->find(a.guest)->connections, 1u);
    // Its login, reported late, engages nothing and lands nowhere.
    w.pool->login(a.guest, "198.51.100.3", true, w.now);
    EXPECT_EQ(w.pool->find(a.guest)->source, "198.51.100.1");
    // It comes again: to the other shared guest, never the engaged one.
    auto again = w.pool->connect("198.51.100.3", w.now);
    EXPECT_EQ(again.guest, b.guest);
    auto d = w.pool->connect("198.51.100.4", w.now);
    EXPECT_NE(d.guest, a.guest);
    // The pool is refilled for the guest the login took.
    w.pool->tick(w.now);
    EXPECT_EQ(w.boots.size(), 1u);
}

TEST(GuestPoolTest, ALoginMakesTheGuestItsSourcesForGood) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", false, w.now);
    EXPECT_EQ(w.state(a.guest), GuestState::held);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    EXPECT_EQ(w.state(a.guest), GuestState::engaged);
    w.pool->disconnect(a.guest, "198.51.100.1", w.now);
    w.advance(600s);
    EXPECT_EQ(w.state(a.guest), GuestState::engaged) << "not released to the pool";
    auto back = w.pool->connect("198.51.100.1", w.now);
    EXPECT_EQ(back.guest, a.guest);
    EXPECT_TRUE(back.engaged);
}

TEST(GuestPoolTest, ALoginReportForAnotherSourceEngagesNothing) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "203.0.113.9", true, w.now);
    EXPECT_EQ(w.state(a.guest), GuestState::held);
}

TEST(GuestPoolTest, AnEngagedGuestIdlePastTheTimeoutGoesDormantAndWakesFromItsDisk) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(a.guest, "198.51.100.1", w.now);
    w.advance(1800s);
    ASSERT_EQ(w.stops.size(), 1u);
    EXPECT_EQ(w.stops.front().kind, StopKind::dormant);
    w.finish_stops();
    EXPECT_EQ(w.state(a.guest), GuestState::dormant);
    w.advance(3600s);
    auto back = w.pool->connect("198.51.100.1", w.now);
    EXPECT_EQ(back.guest, a.guest);
    EXPECT_EQ(back.kind, Admission::Kind::wait);
    ASSERT_EQ(w.wakes.size(), 1u);
    EXPECT_EQ(w.wakes.front(), a.guest);
    w.finish_boots();
    EXPECT_EQ(w.state(a.guest), GuestState::engaged);
    EXPECT_TRUE(w.noted("woken"));
}

TEST(GuestPoolTest, ADormantGuestWhoseSourceNeverReturnsIsClosedAfterTheRetention) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(a.guest, "198.51.100.1", w.now);
    w.advance(1800s);
    w.finish_stops();
    w.advance(7 * 24h - 1s);
    EXPECT_TRUE(w.closed_dormant.empty());
    w.advance(1s);
    ASSERT_EQ(w.closed_dormant.size(), 1u);
    EXPECT_EQ(w.pool->find(a.guest), nullptr);
    auto later = w.pool->connect("198.51.100.1", w.now);
    EXPECT_NE(later.guest, a.guest) << "after the retention it is a new source";
}

TEST(GuestPoolTest, TheSourceComingBackWhileItsGuestStopsWaitsAndWakesIt) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(a.guest, "198.51.100.1", w.now);
    w.advance(1800s);
    ASSERT_EQ(w.state(a.guest), GuestState::stopping);
    auto back = w.pool->connect("198.51.100.1", w.now);
    EXPECT_EQ(back.guest, a.guest);
    EXPECT_EQ(back.kind, Admission::Kind::wait);
    w.finish_stops();
    EXPECT_EQ(w.state(a.guest), GuestState::waking);
    EXPECT_EQ(w.pool->find(a.guest)->connections, 1u);
    w.finish_boots();
    EXPECT_EQ(w.state(a.guest), GuestState::engaged);
}

// Under pressure: pooled first, then a held guest whose source left, then
// the held guest held longest, then the engaged guest idle longest.
// Under pressure a new source first shares a guest nobody logged into;
// with none, the engaged guest idle longest is made dormant for a boot.
TEST(GuestPoolTest, ReclaimFollowsTheOrderOfLeastValue) {
    World w(0, 3);
    std::vector<GuestHandle> bots;
    for (auto src : {"198.51.100.1", "198.51.100.2", "198.51.100.3"}) {
        auto e = w.pool->connect(src, w.now);
        w.finish_boots();
        w.pool->login(e.guest, src, true, w.now);
        bots.push_back(e.guest);
        w.now += 5s;
    }
    w.pool->disconnect(bots[1], "198.51.100.2", w.now);
    w.now += 5s;
    w.pool->disconnect(bots[0], "198.51.100.1", w.now);  // idle, but for less time
    w.now += 5s;
    auto n = w.pool->connect("203.0.113.2", w.now);
    EXPECT_EQ(n.kind, Admission::Kind::wait);
    ASSERT_EQ(w.stops.size(), 1u);
    EXPECT_EQ(w.stops.front().h, bots[1]) << "the one idle longest";
    EXPECT_EQ(w.stops.front().kind, StopKind::dormant);
    EXPECT_TRUE(w.boots.empty()) << "the boot waits for the place";
    EXPECT_TRUE(w.noted("reclaimed"));
    w.finish_stops();
    ASSERT_EQ(w.boots.size(), 1u);
    EXPECT_EQ(w.boots.front(), n.guest);
    w.finish_boots();
    EXPECT_EQ(w.state(n.guest), GuestState::held);
    // A second new source shares it: no further reclaim.
    auto n2 = w.pool->connect("203.0.113.3", w.now);
    EXPECT_EQ(n2.guest, n.guest);
    EXPECT_EQ(w.state(bots[0]), GuestState::engaged);
    EXPECT_EQ(w.state(bots[1]), GuestState::dormant);
    EXPECT_EQ(w.pool->counts().live(), 3u);
    EXPECT_TRUE(w.resets.empty());
}

// Found by bench/internet when guests were held by one source each: a
// scanner took a brute-forcer's guest, the brute-forcer took it back, each
// resetting the other. Shared, they both keep it.
TEST(GuestPoolTest, ASourceIsNeverResetForAnotherThatHasNotLoggedIn) {
    World w(0, 1);
    auto brute = w.pool->connect("198.51.100.1", w.now);
    w.finish_boots();
    w.now += 31s;
    auto scan = w.pool->connect("203.0.113.1", w.now);
    ASSERT_EQ(scan.guest, brute.guest);
    EXPECT_EQ(scan.kind, Admission::Kind::connect);
    w.pool->disconnect(brute.guest, "198.51.100.1", w.now);
    auto back = w.pool->connect("198.51.100.1", w.now);
    EXPECT_EQ(back.guest, brute.guest);
    EXPECT_TRUE(w.resets.empty());
    EXPECT_TRUE(w.boots.empty());
}

TEST(GuestPoolTest, UnderPressureThePoolStaysWarmAtTheCostOfIdleEngagedGuests) {
    World w(1, 3);
    w.warm();
    // Three bots log in and leave: every place is engaged, the pool empty.
    std::vector<GuestHandle> bots;
    for (auto src : {"198.51.100.1", "198.51.100.2", "198.51.100.3"}) {
        auto a = w.pool->connect(src, w.now);
        w.finish_boots();
        w.pool->login(a.guest, src, true, w.now);
        w.pool->disconnect(a.guest, src, w.now);
        bots.push_back(a.guest);
        w.now += 1s;
        w.pool->tick(w.now);
        w.finish_boots();
    }
    EXPECT_EQ(w.pool->counts().pooled, 0u);
    EXPECT_TRUE(w.stops.empty()) << "not before they have been idle a while";
    w.advance(60s);
    ASSERT_EQ(w.stops.size(), 1u);
    EXPECT_EQ(w.stops.front().h, bots[0]) << "the one idle longest";
    EXPECT_EQ(w.stops.front().kind, StopKind::dormant);
    w.pool->tick(w.now);
    EXPECT_EQ(w.stops.size(), 1u) << "one reclaim for one missing pool guest";
    w.finish_stops();
    w.finish_boots();
    EXPECT_EQ(w.pool->counts().pooled, 1u);
    EXPECT_EQ(w.pool->counts().live(), 3u);
    auto scanner = w.pool->connect("203.0.113.99", w.now);
    EXPECT_EQ(scanner.kind, Admission::Kind::connect) << "a banner at once";
}

TEST(GuestPoolTest, ResetOnlyWhenEveryGuestHoldsAConnectedLoggedInAttacker) {
    World w(0, 2);
    for (auto src : {"198.51.100.1", "198.51.100.2"}) {
        auto a = w.pool->connect(src, w.now);
        w.finish_boots();
        w.pool->login(a.guest, src, true, w.now);
    }
    auto refused = w.pool->connect("203.0.113.1", w.now);
    EXPECT_EQ(refused.kind, Admission::Kind::refuse);
    EXPECT_FALSE(refused.reason.empty());
}

TEST(GuestPoolTest, AReturningBotWakesInAPlaceReclaimedForIt) {
    World w(2, 2);
    w.warm();
    auto bot = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(bot.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(bot.guest, "198.51.100.1", w.now);
    w.advance(1800s);
    w.finish_stops();
    ASSERT_EQ(w.state(bot.guest), GuestState::dormant);
    w.warm();
    // Two places: a guest nobody holds and one a scanner holds.
    auto scan = w.pool->connect("203.0.113.5", w.now);
    w.finish_boots();
    w.warm();
    ASSERT_EQ(w.pool->counts().live(), 2u);
    auto back = w.pool->connect("198.51.100.1", w.now);
    EXPECT_EQ(back.guest, bot.guest);
    EXPECT_EQ(back.kind, Admission::Kind::wait);
    EXPECT_TRUE(w.wakes.empty()) << "it wakes once the reclaimed place is free";
    ASSERT_EQ(w.stops.size(), 1u);
    EXPECT_NE(w.stops.front().h, scan.guest) << "the guest nobody holds goes before the held one";
    w.finish_stops();
    ASSERT_EQ(w.wakes.size(), 1u);
    w.finish_boots();
    EXPECT_EQ(w.state(bot.guest), GuestState::engaged);
    EXPECT_EQ(w.state(scan.guest), GuestState::held);
}

TEST(GuestPoolTest, FailedLoginsAreCountedPerSourceWhereverTheyLand) {
    World w(2, 2);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", false, w.now);
    w.pool->login(a.guest, "198.51.100.1", false, w.now);
    EXPECT_EQ(w.pool->failures("198.51.100.1"), 2u);
    EXPECT_EQ(w.pool->failures("198.51.100.2"), 0u);
}

TEST(GuestPoolTest, AGuestThatDiesIsStoppedAndReplaced) {
    World w(1, 2);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    w.pool->died(a.guest, w.now);
    ASSERT_EQ(w.stops.size(), 1u);
    EXPECT_EQ(w.stops.front().kind, StopKind::close);
    w.finish_stops();
    EXPECT_EQ(w.pool->find(a.guest), nullptr);
    auto later = w.pool->connect("198.51.100.1", w.now);
    EXPECT_NE(later.guest, a.guest);
}

TEST(GuestPoolTest, AWakeThatFailsLeavesTheGuestDormant) {
    World w(0, 2);
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.finish_boots();
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    w.pool->disconnect(a.guest, "198.51.100.1", w.now);
    w.advance(1800s);
    w.finish_stops();
    w.pool->connect("198.51.100.1", w.now);
    ASSERT_EQ(w.wakes.size(), 1u);
    w.pool->boot_failed(a.guest, w.now);
    EXPECT_EQ(w.state(a.guest), GuestState::dormant);
}

TEST(GuestPoolTest, TheIntrusionLifetimeEndsAnEngagedGuest) {
    PoolPolicy p;
    p.pool_size = 1;
    p.max_guests = 2;
    p.max_intrusion = 3600s;
    GuestActions a;
    std::vector<StopKind> kinds;
    a.boot = [](const PoolGuest&) {};
    a.stop = [&](const PoolGuest&, StopKind k, const std::string&) { kinds.push_back(k); };
    GuestPool pool(p, a);
    auto now = PoolTime{} + 100s;
    pool.tick(now);
    pool.boot_done(1, now);
    auto c = pool.connect("198.51.100.1", now);
    pool.login(c.guest, "198.51.100.1", true, now);
    pool.tick(now + 3599s);
    EXPECT_TRUE(kinds.empty());
    pool.tick(now + 3600s);
    ASSERT_EQ(kinds.size(), 1u);
    EXPECT_EQ(kinds[0], StopKind::close);
}

TEST(GuestPoolTest, ShutdownStopsEveryGuestAndClosesEveryIntrusion) {
    World w(1, 3);
    w.warm();
    auto a = w.pool->connect("198.51.100.1", w.now);
    w.pool->login(a.guest, "198.51.100.1", true, w.now);
    auto b = w.pool->connect("198.51.100.2", w.now);
    w.finish_boots();
    w.pool->login(b.guest, "198.51.100.2", true, w.now);
    w.pool->disconnect(b.guest, "198.51.100.2", w.now);
    w.now += 1800s;
    w.pool->tick(w.now);
    w.finish_stops();
    ASSERT_EQ(w.state(b.guest), GuestState::dormant);
    w.finish_boots();
    w.pool->shutdown("sensor stopped");
    EXPECT_EQ(w.closed_dormant, std::vector<GuestHandle>{b.guest});
    for (const auto& s : w.stops) EXPECT_EQ(s.kind, StopKind::close);
    w.pool->shutdown("sensor stopped");
    w.finish_stops();
    EXPECT_TRUE(w.pool->guests().empty());
}

// Thousands of simulated sources of every kind against a small sensor:
// the invariants hold at every step.
TEST(GuestPoolTest, ThousandsOfSimulatedSourcesKeepTheInvariants) {
    World w(2, 6);
    std::mt19937 rng(42);
    std::map<std::string, GuestHandle> engaged_by;  // source -> its guest
    struct Open {
        std::string source;
        GuestHandle guest;
    };
    std::vector<Open> open;
    std::size_t refused = 0, admitted = 0;
    for (int step = 0; step < 20000; ++step) {
        w.now += std::chrono::milliseconds(rng() % 3000);
        int what = static_cast<int>(rng() % 10);
        if (what < 4) {
            std::string src = fmt::format("203.0.{}.{}", (rng() % 40), rng() % 250);
            auto a = w.pool->connect(src, w.now);
            if (a.kind == Admission::Kind::refuse) {
                ++refused;
                continue;
            }
            ++admitted;
            // A source that ever logged in always gets its own guest back.
            if (auto it = engaged_by.find(src); it != engaged_by.end() && w.pool->find(it->second)) {
                ASSERT_EQ(a.guest, it->second) << src;
            }
            // No other source's engaged guest.
            for (const auto& [s, h] : engaged_by) {
                if (s != src) {
                    ASSERT_NE(a.guest, h) << src << " landed on " << s << "'s guest";
                }
            }
            open.push_back({src, a.guest});
        } else if (what < 7 && !open.empty()) {
            auto i = rng() % open.size();
            w.pool->disconnect(open[i].guest, open[i].source, w.now);
            open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
        } else if (what == 7 && !open.empty()) {
            auto& o = open[rng() % open.size()];
            auto* g = w.pool->find(o.guest);
            if (g && (g->state == GuestState::held) && g->holders.contains(o.source) && rng() % 4 == 0) {
                w.pool->login(o.guest, o.source, true, w.now);
                engaged_by[o.source] = o.guest;
            }
        } else if (what == 8) {
            w.finish_boots();
        } else {
            w.finish_stops();
        }
        w.pool->tick(w.now);
        // Connections the pool had reset are gone.
        for (const auto& r : w.resets) {
            std::erase_if(open, [&](const Open& o) { return o.guest == r.h && o.source == r.source; });
        }
        w.resets.clear();
        // Forget engagements whose intrusion closed.
        for (auto it = engaged_by.begin(); it != engaged_by.end();) {
            it = w.pool->find(it->second) ? std::next(it) : engaged_by.erase(it);
        }
        ASSERT_LE(w.pool->counts().live(), w.policy.max_guests + w.pool->counts().stopping);
        for (const auto& [h, g] : w.pool->guests()) {
            // A guest once engaged is never pooled or shared.
            if (g.engaged_once) {
                ASSERT_NE(g.state, GuestState::pooled);
                ASSERT_TRUE(g.holders.empty());
            }
            // A held guest's connections are its sources'.
            if (g.state == GuestState::held) {
                unsigned sum = 0;
                for (const auto& [src, holder] : g.holders) sum += holder.connections;
                ASSERT_EQ(sum, g.connections);
                ASSERT_FALSE(g.holders.empty());
            }
            if (g.state == GuestState::pooled) {
                ASSERT_TRUE(g.holders.empty());
            }
        }
    }
    EXPECT_GT(admitted, 5000u);
    EXPECT_GT(w.pool->counts().live(), 0u);
    (void)refused;
}

}  // namespace
}  // namespace oyster::sensor
