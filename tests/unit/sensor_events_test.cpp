#include "oyster/events/sensor_events.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace oyster::events {
namespace {

TEST(SensorEvents, FieldsAreWrittenAlwaysWhenSetOrAsNull) {
    GuestChange g{.change = GuestChangeKind::held, .guest_id = "g1", .source_ip = "203.0.113.7", .state = "held"};
    auto j = to_fields(g);
    EXPECT_EQ(event_type(g), "guest_held");
    EXPECT_EQ(j["guest_id"], "g1");
    // Left out when not set, as the log has always written them.
    EXPECT_FALSE(j.contains("intrusion_id"));
    EXPECT_FALSE(j.contains("boot"));
    g.boot = 7;
    EXPECT_EQ(to_fields(g)["boot"], 7);

    Artefact a{.kind = "pcap", .path = "pcap/tap-0001.pcap", .size = 12};
    auto aj = to_fields(a);
    ASSERT_TRUE(aj.contains("sha256"));
    EXPECT_TRUE(aj["sha256"].is_null());
    a.sha256 = std::string(64, 'a');
    EXPECT_EQ(to_fields(a)["sha256"], std::string(64, 'a'));
}

TEST(SensorEvents, ReadingBackGivesTheSameStruct) {
    Mail m{.guest_id = "g",
           .intrusion_id = "i",
           .source_ip = "203.0.113.9",
           .original_destination = "198.51.100.2:25",
           .helo = "x",
           .mail_from = "a@example.com",
           .rcpt_to = {"b@example.com", "c@example.com"},
           .auth = {"AGZvbwBiYXI="},
           .auth_dropped = 1,
           .bytes = 300,
           .truncated = true,
           .stored = true,
           .file = "smtp/1.eml"};
    auto back = from_fields<Mail>(to_fields(m));
    EXPECT_EQ(back.rcpt_to, m.rcpt_to);
    EXPECT_EQ(back.auth, m.auth);
    EXPECT_EQ(back.bytes, 300U);
    EXPECT_TRUE(back.truncated);
    EXPECT_EQ(back.file, "smtp/1.eml");

    Drop d{.reason = "tcp_cap", .cap_hit = true, .src = "10.0.0.2", .src_port = 4444};
    auto db = from_fields<Drop>(to_fields(d));
    EXPECT_EQ(db.src, d.src);
    EXPECT_EQ(db.src_port, d.src_port);
    EXPECT_FALSE(db.dst.has_value());
}

// A log line is not trusted: a field of the wrong type or out of range
// reads as the default, never as an exception.
TEST(SensorEvents, HostileFieldsReadAsDefaults) {
    auto j = nlohmann::json::parse(R"({"source_ip": 5, "source_port": 70000, "port": -1, "waits_for_boot": "yes",
                                      "guest_id": ["x"], "guest_state": "engaged"})");
    auto c = from_fields<Connection>(j);
    EXPECT_EQ(c.source_ip, "");
    EXPECT_EQ(c.source_port, 0);
    EXPECT_EQ(c.port, 0);
    EXPECT_FALSE(c.waits_for_boot);
    EXPECT_EQ(c.guest_id, "");
    EXPECT_EQ(c.guest_state, "engaged");

    auto f = from_fields<ForensicFile>(nlohmann::json::parse(R"({"sha256": 3, "executions": "many", "tty": null})"));
    EXPECT_FALSE(f.sha256.value.has_value());
    EXPECT_FALSE(f.executions.has_value());
    EXPECT_EQ(from_fields<Login>(nlohmann::json::array()).user, "");
}

TEST(SensorEvents, ALineNeedsItsTimeAndType) {
    EXPECT_FALSE(parse_event_line("not json"));
    EXPECT_FALSE(parse_event_line(R"([1, 2])"));
    EXPECT_FALSE(parse_event_line(R"({"type": "connection"})"));
    EXPECT_FALSE(parse_event_line(R"({"ts": 1, "type": "connection"})"));
    auto line = parse_event_line(R"({"ts": "2026-12-07T01:00:00.000Z", "type": "guest_held", "guest_id": "g2"})");
    ASSERT_TRUE(line);
    EXPECT_FALSE(line->as<Connection>());
    auto g = line->as<GuestChange>();
    ASSERT_TRUE(g);
    EXPECT_EQ(g->change, GuestChangeKind::held);
    EXPECT_EQ(g->guest_id, "g2");
    // "guest_ready" is a type of its own, not a change of the pool's.
    auto ready = parse_event_line(R"({"ts": "2026-12-07T01:00:00.000Z", "type": "guest_ready"})");
    ASSERT_TRUE(ready);
    EXPECT_FALSE(ready->as<GuestChange>());
    EXPECT_TRUE(ready->as<GuestReady>());
    // Read from a line the reader is done with, a capture event's object is
    // the line's own, moved.
    auto capture = parse_event_line(R"({"ts": "t", "type": "capture", "event": {"type": "exec", "pid": 7}})");
    ASSERT_TRUE(capture);
    EXPECT_EQ(capture->as<CaptureEvent>()->event["pid"], 7);
    auto moved = std::move(*capture).as<CaptureEvent>();
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->event["type"], "exec");
    // An event already parsed needs only its type.
    auto alert = event_line_of({{"type", "alert"}, {"severity", "high"}});
    ASSERT_TRUE(alert);
    EXPECT_EQ(alert->as<Alert>()->severity, "high");
    EXPECT_FALSE(event_line_of({{"type", 3}}));
    EXPECT_FALSE(event_line_of(nlohmann::json::array()));
}

// The tables of events in docs/sensor.md (and docs/forensics.md, which
// sensor.md's table sends the analysis's events to) and the structs say
// the same: every type is documented with every one of its fields, and
// the tables name no type the sensor does not write.
std::map<std::string, std::string> documented_events(const std::string& doc) {
    std::map<std::string, std::string> out;  // type -> its rows' field columns
    std::ifstream in(std::string(OYSTER_SOURCE_DIR) + "/" + doc);
    EXPECT_TRUE(in) << "cannot read " << doc;
    std::string line;
    bool in_table = false;
    const std::regex code("`([a-z_0-9]+)`");
    while (std::getline(in, line)) {
        if (line == "| type | fields |") {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        if (!line.starts_with("|")) break;
        if (line.starts_with("|---")) continue;
        auto second_bar = line.find('|', 1);
        if (second_bar == std::string::npos) {
            ADD_FAILURE() << doc << ": a row without its second column: " << line;
            continue;
        }
        std::string types = line.substr(1, second_bar - 1), fields = line.substr(second_bar + 1);
        for (std::sregex_iterator it(types.begin(), types.end(), code), end; it != end; ++it) {
            out[(*it)[1]] += fields;
        }
    }
    EXPECT_FALSE(out.empty()) << "no '| type | fields |' table in " << doc;
    return out;
}

TEST(SensorEvents, TheDocsTablesMatchTheSchema) {
    const std::regex code("`([a-z_0-9]+)`");
    auto documented = documented_events("docs/sensor.md");
    for (const auto& [type, fields] : documented_events("docs/forensics.md")) {
        EXPECT_TRUE(documented.contains(type)) << "docs/sensor.md's table does not list " << type;
        documented[type] += fields;
    }
    std::set<std::string> schema_types;
    for (const auto& s : event_schema()) {
        schema_types.insert(s.type);
        auto row = documented.find(s.type);
        if (row == documented.end()) {
            ADD_FAILURE() << "docs/sensor.md does not document the event type " << s.type;
            continue;
        }
        std::set<std::string> named;
        for (std::sregex_iterator it(row->second.begin(), row->second.end(), code), end; it != end; ++it) {
            named.insert((*it)[1]);
        }
        for (const auto& f : s.fields) {
            EXPECT_TRUE(named.contains(f)) << "the docs do not name " << s.type << "'s field " << f;
        }
    }
    for (const auto& [type, fields] : documented) {
        EXPECT_TRUE(schema_types.contains(type)) << "the docs document " << type << ", which no struct is";
    }
}

}  // namespace
}  // namespace oyster::events
