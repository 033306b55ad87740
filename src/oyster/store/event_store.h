// The analyst's store: every event of the sensor's events.jsonl
// (docs/sensor.md) in SQLite or PostgreSQL (sql_db.h), with the intrusions, credentials and
// commands they describe in tables of their own (docs/store.md).
//
// events.jsonl is the durable record (one write(2) per event before the
// sensor acts); the store is derived from it and can always be rebuilt
// from it. ingest_jsonl() adds what was appended since its last call, in
// transactions that also record how far the file has been read, so a crash
// or kill -9 at any moment neither loses nor doubles an event: the next
// call resumes where the last committed transaction ended. The lines are
// the sensor's, but they carry attacker-typed strings: each is parsed as
// untrusted JSON, bounded in size, and a line that is not a sensor event
// is counted and skipped, never a reason to stop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/events/sensor_events.h"
#include "oyster/store/session_tracker.h"
#include "oyster/store/sql_db.h"

namespace oyster::store {

struct IngestResult {
    std::uint64_t events = 0;   // lines stored
    std::uint64_t skipped = 0;  // lines that were not events (malformed, too long)
    std::uint64_t bytes = 0;    // bytes of the file consumed
};

class EventStore {
public:
    // Lines longer than this are skipped (no sensor event comes near it).
    static constexpr std::size_t kMaxLineBytes = 4U << 20;

    // Opens (creating) the SQLite database and brings its schema up to date.
    explicit EventStore(const std::filesystem::path& db_file);
    // The same over a database of either engine (sql_db.h).
    explicit EventStore(std::unique_ptr<SqlDb> db);
    ~EventStore();
    EventStore(const EventStore&) = delete;
    EventStore& operator=(const EventStore&) = delete;

    // Adds the complete lines appended to `jsonl` since the last call for
    // that path (a partial last line waits for its newline). A file that
    // was replaced (another inode) or truncated is read from its start.
    // A missing file adds nothing. Throws oyster::Error on I/O or database
    // failure; what was committed before stays.
    IngestResult ingest_jsonl(const std::filesystem::path& jsonl);

    // Whose log it is, for a store that holds several (a fleet's central
    // store): `key` names the log's position in the store (default: the
    // file's path), `sensor` is the name stored for lines that carry none.
    struct LogSource {
        std::string key;
        std::string sensor;
    };
    IngestResult ingest_jsonl(const std::filesystem::path& jsonl, const LogSource& source);

    // Adds the events in `text` (lines), in one transaction, without
    // recording a file position: for tests and the fuzz target.
    IngestResult ingest_text(std::string_view text);

    // Where the last ingest_jsonl() left its log in the store (the file's
    // inode and the offset in it), read or stored; nullopt before any.
    struct LogPosition {
        std::uint64_t inode = 0, offset = 0;
    };
    std::optional<LogPosition> last_position() const { return last_position_; }

    // Rows in one of the store's tables ("events", "intrusions",
    // "credentials", "commands", "sessions").
    std::uint64_t count(std::string_view table);

    // An intrusion's events, oldest first, as the sensor wrote them.
    std::vector<nlohmann::json> intrusion_events(std::string_view intrusion_id);

    SqlDb& db() { return *db_; }

private:
    struct Statements;
    // Stores one line; false when it is not an event. `default_sensor`:
    // the name for a line that carries none.
    bool add_line(std::string_view line, std::string_view default_sensor = {});
    void add_forensic_file(const events::ForensicFile& f, std::int64_t event_id);

    std::unique_ptr<SqlDb> db_;
    std::unique_ptr<Statements> st_;
    std::unique_ptr<SessionTracker> sessions_;
    std::optional<LogPosition> last_position_;
};

}  // namespace oyster::store
