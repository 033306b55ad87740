#include "oyster/store/event_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/log_segments.h"
#include "oyster/common/read_at.h"
#include "oyster/events/sensor_events.h"
#include "oyster/store/json_fields.h"
#include "oyster/store/sqlite_db.h"
#include "oyster/store/store_schema.h"

namespace oyster::store {

struct EventStore::Statements {
    explicit Statements(SqlDb& db)
        : insert_event(
              db,
              "INSERT INTO events (ts, type, intrusion_id, guest_id, source_ip, session_id, body, sensor) VALUES (?, "
              "?, ?, ?, ?, ?, ?, ?) RETURNING id"),
          intrusion_opened(
              db,
              "INSERT INTO intrusions (id, source_ip, guest_id, opened, dir, sensor) VALUES (?, ?, ?, ?, ?, "
              "?) ON CONFLICT (id) DO UPDATE SET opened = excluded.opened, guest_id = "
              "excluded.guest_id, dir = excluded.dir, sensor = excluded.sensor"),
          intrusion_closed(db,
                           "INSERT INTO intrusions (id, source_ip, guest_id, closed, close_reason, connections, "
                           "disk_bytes, dir, sensor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                           "SET closed = excluded.closed, close_reason = excluded.close_reason, connections = "
                           "excluded.connections, disk_bytes = excluded.disk_bytes, sensor = excluded.sensor"),
          insert_credential(db,
                            "INSERT INTO credentials (event_id, ts, intrusion_id, source_ip, service, username, "
                            "password, success, reason, session_id, sensor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          insert_command(db,
                         "INSERT INTO commands (event_id, ts, intrusion_id, source_ip, pid, path, cwd, argv, "
                         "command_line, session_id, sensor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          // Upserts: a repeated report (a sensor that died while
          // reporting) replaces the row its unique key names.
          upsert_file(db,
                      "INSERT INTO files (event_id, intrusion_id, change, path, size, mode, uid, gid, mtime, sha256, "
                      "sha256_before, file_type, mime, evidence, executions, in_base_image) VALUES (?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (intrusion_id, change, path, ifnull(sha256, '')) DO "
                      "UPDATE SET event_id = excluded.event_id, size = excluded.size, mode = excluded.mode, uid = "
                      "excluded.uid, gid = excluded.gid, mtime = excluded.mtime, sha256 = excluded.sha256, "
                      "sha256_before = excluded.sha256_before, file_type = excluded.file_type, mime = excluded.mime, "
                      "evidence = excluded.evidence, executions = excluded.executions, in_base_image = "
                      "excluded.in_base_image"),
          upsert_alert(
              db,
              "INSERT INTO alerts (event_id, ts, intrusion_id, rule, rule_file, severity, description, tags, "
              "path, sha256, change, evidence, engine, rule_id, category, detail, event_time, seq, pid, sensor) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (intrusion_id, "
              "ifnull(rule_file, ''), rule, ifnull(path, ''), ifnull(sha256, '')) DO UPDATE SET event_id = "
              "excluded.event_id, ts = excluded.ts, rule_file = excluded.rule_file, severity = "
              "excluded.severity, description = excluded.description, tags = excluded.tags, path = "
              "excluded.path, sha256 = excluded.sha256, change = excluded.change, evidence = "
              "excluded.evidence, engine = excluded.engine, rule_id = excluded.rule_id, category = "
              "excluded.category, detail = excluded.detail, event_time = excluded.event_time, seq = "
              "excluded.seq, pid = excluded.pid, sensor = excluded.sensor"),
          upsert_artefact(
              db,
              "INSERT INTO artefacts (event_id, intrusion_id, kind, path, size, sha256, tty_seq) VALUES (?, ?, "
              "?, ?, ?, ?, ?) ON CONFLICT (intrusion_id, path) DO UPDATE SET event_id = excluded.event_id, "
              "kind = excluded.kind, size = excluded.size, sha256 = excluded.sha256, tty_seq = "
              "excluded.tty_seq"),
          forensics_done(db,
                         "UPDATE intrusions SET analysed = ?, files_changed = ?, alerts = ?, forensics_error = ? "
                         "WHERE id = ?"),
          get_position(db, "SELECT inode, \"offset\" FROM ingest_positions WHERE source = ?"),
          set_position(db,
                       "INSERT INTO ingest_positions (source, inode, \"offset\") VALUES (?, ?, ?) ON CONFLICT "
                       "(source) DO UPDATE SET inode = excluded.inode, \"offset\" = excluded.\"offset\"") {}

    Statement insert_event, intrusion_opened, intrusion_closed, insert_credential, insert_command, upsert_file,
        upsert_alert, upsert_artefact, forensics_done, get_position, set_position;
};

EventStore::EventStore(const std::filesystem::path& db_file) : EventStore(std::make_unique<SqliteDb>(db_file)) {}

EventStore::EventStore(std::unique_ptr<SqlDb> db) : db_(std::move(db)) {
    migrate_store(*db_);
    st_ = std::make_unique<Statements>(*db_);
    sessions_ = std::make_unique<SessionTracker>(*db_);
}

EventStore::~EventStore() = default;

bool EventStore::add_line(std::string_view text, std::string_view default_sensor) {
    auto line = events::parse_event_line(text);
    if (!line) return false;
    const auto& j = line->fields;
    const std::string& ts = line->ts;
    std::string intrusion = str_field(j, "intrusion_id"), source = str_field(j, "source_ip");
    std::string sensor = str_field(j, "sensor");
    if (sensor.empty()) sensor = default_sensor;
    auto session = sessions_->apply(j, sensor);
    auto bind_session = [&](Statement& s, int index) -> Statement& {
        return session ? s.bind(index, *session) : s.bind_null(index);
    };
    st_->insert_event.bind(1, ts)
        .bind(2, line->type)
        .bind_or_null(3, intrusion)
        .bind_or_null(4, str_field(j, "guest_id"))
        .bind_or_null(5, source);
    bind_session(st_->insert_event, 6).bind(7, text).bind_or_null(8, sensor);
    if (!st_->insert_event.step()) db_->fail("no id for a stored event");
    std::int64_t event_id = st_->insert_event.int64(0);
    st_->insert_event.reset();

    if (auto opened = line->as<events::IntrusionOpened>(); opened && !intrusion.empty()) {
        st_->intrusion_opened.bind(1, intrusion)
            .bind(2, source)
            .bind_or_null(3, opened->guest_id)
            .bind(4, ts)
            .bind_or_null(5, opened->dir)
            .bind_or_null(6, sensor)
            .run();
    } else if (auto closed = line->as<events::IntrusionClosed>(); closed && !intrusion.empty()) {
        st_->intrusion_closed.bind(1, intrusion)
            .bind(2, source)
            .bind_or_null(3, closed->guest_id)
            .bind(4, ts)
            .bind_or_null(5, closed->reason)
            .bind(6, static_cast<std::int64_t>(closed->connections))
            .bind(7, static_cast<std::int64_t>(closed->disk_bytes))
            .bind_or_null(8, closed->dir)
            .bind_or_null(9, sensor)
            .run();
    } else if (auto login = line->as<events::Login>()) {
        st_->insert_credential.bind(1, event_id)
            .bind(2, ts)
            .bind_or_null(3, intrusion)
            .bind_or_null(4, source)
            .bind_or_null(5, login->service)
            .bind(6, login->user)
            .bind(7, login->password)
            .bind(8, login->success ? 1 : 0)
            .bind_or_null(9, login->reason);
        bind_session(st_->insert_credential, 10).bind_or_null(11, sensor).run();
    } else if (auto file = line->as<events::ForensicFile>(); file && !intrusion.empty()) {
        add_forensic_file(*file, event_id);
    } else if (auto alert = line->as<events::Alert>(); alert && !intrusion.empty()) {
        st_->upsert_alert.bind(1, event_id)
            .bind(2, ts)
            .bind(3, intrusion)
            .bind(4, alert->rule)
            .bind_or_null(5, alert->rule_file)
            .bind_or_null(6, alert->severity)
            .bind_or_null(7, alert->description)
            .bind(8, nlohmann::json(alert->tags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            .bind_or_null(9, alert->path)
            .bind_or_null(10, alert->sha256)
            .bind_or_null(11, alert->change)
            .bind_or_null(12, alert->evidence.value.value_or(""))
            .bind(13, alert->engine.value_or("yara"))
            .bind_or_null(14, alert->rule_id.value_or(""))
            .bind_or_null(15, alert->category.value_or(""))
            .bind_or_null(16, alert->detail.value_or(""))
            .bind_or_null(17, alert->event_time.value_or(""));
        auto& st = st_->upsert_alert;
        alert->seq ? st.bind(18, static_cast<std::int64_t>(*alert->seq)) : st.bind_null(18);
        alert->pid ? st.bind(19, static_cast<std::int64_t>(*alert->pid)) : st.bind_null(19);
        st.bind_or_null(20, sensor).run();
    } else if (auto artefact = line->as<events::Artefact>(); artefact && !intrusion.empty()) {
        auto& st = st_->upsert_artefact;
        st.bind(1, event_id)
            .bind(2, intrusion)
            .bind(3, artefact->kind)
            .bind(4, artefact->path)
            .bind(5, static_cast<std::int64_t>(artefact->size))
            .bind_or_null(6, artefact->sha256.value.value_or(""));
        (artefact->tty_seq ? st.bind(7, *artefact->tty_seq) : st.bind_null(7)).run();
    } else if (auto done = line->as<events::ForensicsDone>(); done && !intrusion.empty()) {
        st_->forensics_done.bind(1, ts)
            .bind(2, static_cast<std::int64_t>(done->files.value_or(0)))
            .bind(3, static_cast<std::int64_t>(done->alerts.value_or(0)))
            .bind_or_null(4, done->error.value_or(""))
            .bind(5, intrusion)
            .run();
    } else if (auto capture = std::move(*line).as<events::CaptureEvent>()) {
        const auto& inner = capture->event;
        if (inner.is_object() && str_field(inner, "type") == "exec") {
            nlohmann::json argv = nlohmann::json::array();
            std::string command_line;
            auto a = inner.find("argv");
            if (a != inner.end() && a->is_array()) {
                for (const auto& arg : *a) {
                    if (!arg.is_string()) continue;
                    if (!command_line.empty()) command_line += ' ';
                    command_line += arg.get<std::string>();
                    argv.push_back(arg);
                }
            }
            st_->insert_command.bind(1, event_id)
                .bind(2, ts)
                .bind_or_null(3, intrusion)
                .bind_or_null(4, source)
                .bind(5, int_field(inner, "pid"))
                .bind_or_null(6, str_field(inner, "path"))
                .bind_or_null(7, str_field(inner, "cwd"))
                .bind(8, argv.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                .bind(9, command_line);
            bind_session(st_->insert_command, 10).bind_or_null(11, sensor).run();
        }
    }
    return true;
}

void EventStore::add_forensic_file(const events::ForensicFile& f, std::int64_t event_id) {
    // The state after the change, or before it for a deletion.
    const nlohmann::json* entry = f.after.is_object() ? &f.after : f.before.is_object() ? &f.before : nullptr;
    auto& st = st_->upsert_file;
    st.bind(1, event_id).bind(2, f.intrusion_id).bind(3, f.change).bind(4, f.path);
    if (entry != nullptr) {
        st.bind(5, int_field(*entry, "size"))
            .bind_or_null(6, str_field(*entry, "mode"))
            .bind(7, int_field(*entry, "uid"))
            .bind(8, int_field(*entry, "gid"))
            .bind(9, int_field(*entry, "mtime"));
    } else {
        for (int i = 5; i <= 9; ++i) st.bind_null(i);
    }
    st.bind_or_null(10, f.sha256.value.value_or(""))
        .bind_or_null(11, f.sha256_before.value.value_or(""))
        .bind_or_null(12, f.file_type.value.value_or(""))
        .bind_or_null(13, f.mime.value.value_or(""))
        .bind_or_null(14, f.evidence.value.value_or(""));
    if (f.change == "executed") {
        st.bind(15, f.executions.value_or(0)).bind(16, f.in_base_image.value_or(false));
    } else {
        st.bind_null(15).bind_null(16);
    }
    st.run();
}

IngestResult EventStore::ingest_text(std::string_view text) {
    IngestResult r;
    Transaction t(*db_);
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        auto line = text.substr(start, end - start);
        if (line.size() > kMaxLineBytes || !add_line(line))
            ++r.skipped;
        else
            ++r.events;
        start = end + 1;
    }
    t.commit();
    r.bytes = text.size();
    return r;
}

IngestResult EventStore::ingest_jsonl(const std::filesystem::path& jsonl) {
    return ingest_jsonl(jsonl, LogSource{});
}

IngestResult EventStore::ingest_jsonl(const std::filesystem::path& jsonl, const LogSource& source) {
    IngestResult r;
    // Where this log's position is kept, and whose lines they are.
    const std::string key = source.key.empty() ? jsonl.string() : source.key;
    struct Position {
        std::uint64_t inode = 0, offset = 0;
        bool operator==(const Position&) const = default;
    };
    // Where this log's stored lines end: the file (by inode: the live one
    // or a rotated one) and the offset in it.
    auto stored = [&]() {
        Position p;
        st_->get_position.bind(1, key);
        if (st_->get_position.step()) {
            p.inode = static_cast<std::uint64_t>(st_->get_position.int64(0));
            p.offset = static_cast<std::uint64_t>(st_->get_position.int64(1));
        }
        st_->get_position.reset();
        last_position_ = LogPosition{p.inode, p.offset};
        return p;
    };
    auto store_position = [&](const Position& p) {
        st_->set_position.bind(1, key)
            .bind(2, static_cast<std::int64_t>(p.inode))
            .bind(3, static_cast<std::int64_t>(p.offset))
            .run();
        last_position_ = LogPosition{p.inode, p.offset};
    };

    // One transaction per chunk: thousands of events per commit, and the
    // position committed with exactly the lines it covers.
    constexpr std::size_t kChunk = 4U << 20;
    // Each round reads on from the stored position, in the file holding
    // it or the next (common/log_segments.h); a round ends at the live
    // file's end, or when another ingester moved the position.
    for (int round = 0; round < 1000; ++round) {
        Position expected = stored();
        // Listed after the position was read: files only grow, so one
        // shorter than the position was truncated.
        auto segments = log_segments(jsonl);
        auto place = place_in(segments, expected.inode, expected.offset);
        if (!place) return r;
        const LogSegment& seg = segments[place->index];
        bool live = place->index + 1 == segments.size();
        FdGuard fd(::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) {
            if (errno == ENOENT) return r;  // rotated away meanwhile: the next sync
            throw_errno("open " + seg.path.string());
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + seg.path.string());
        if (static_cast<std::uint64_t>(st.st_ino) != seg.inode) return r;
        auto size = static_cast<std::uint64_t>(st.st_size);
        std::uint64_t offset = place->offset;
        bool moved = false;
        while (offset < size) {
            LineChunk chunk = read_line_chunk(fd.get(), seg.path, offset, size, kChunk, kMaxLineBytes);
            if (chunk.end == offset) {
                // A partial last line: the live file's rest is still being
                // written; a rotated file's never will be.
                if (!live) {
                    Transaction t(*db_);
                    db_->lock_writers(key);
                    if (stored() != expected) {
                        moved = true;
                        break;
                    }
                    expected = {seg.inode, size};
                    store_position(expected);
                    t.commit();
                    ++r.skipped;
                    offset = size;
                }
                break;
            }
            Transaction t(*db_);
            db_->lock_writers(key);
            // Another ingester (the sensor's feeder, a CLI command's sync) may
            // have stored these lines while this one read them: the position
            // is read again under the write lock, and the chunk dropped if it
            // moved (the transaction rolls back, nothing was added).
            if (stored() != expected) {
                moved = true;
                break;
            }
            r.skipped += chunk.skipped;
            for (const auto& line : chunk.lines) {
                if (add_line(line, source.sensor))
                    ++r.events;
                else
                    ++r.skipped;
            }
            expected = {seg.inode, chunk.end};
            store_position(expected);
            t.commit();
            r.bytes += chunk.end - offset;
            offset = chunk.end;
        }
        if (moved) continue;
        if (live) return r;
        if (offset < size) return r;
        // A rotated file read to its end: its position names it until the
        // first chunk of the next is stored, and place_in() moves on.
        if (expected.inode != seg.inode) {
            Transaction t(*db_);
            db_->lock_writers(key);
            if (stored() != expected) continue;
            expected = {seg.inode, size};
            store_position(expected);
            t.commit();
        }
    }
    return r;
}

std::uint64_t EventStore::count(std::string_view table) {
    for (const char* known :
         {"events", "intrusions", "credentials", "commands", "sessions", "files", "alerts", "artefacts"}) {
        if (table == known)
            return static_cast<std::uint64_t>(db_->query_int(fmt::format("SELECT COUNT(*) FROM {}", known)));
    }
    throw Error(fmt::format("no table {} in the store", table));
}

std::vector<nlohmann::json> EventStore::intrusion_events(std::string_view intrusion_id) {
    std::vector<nlohmann::json> out;
    Statement q(*db_, "SELECT body FROM events WHERE intrusion_id = ? ORDER BY id");
    q.bind(1, intrusion_id);
    while (q.step()) out.push_back(nlohmann::json::parse(q.text(0), nullptr, false));
    return out;
}

}  // namespace oyster::store
