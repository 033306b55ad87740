// `oyster show SESSION` (its timeline: connection, logins, commands,
// connections out, files, terminal) and `oyster replay SESSION` (its
// terminal, as the attacker saw it).
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/tty_replay.h"
#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/scratch_dir.h"
#include "oyster/common/terminal_text.h"
#include "oyster/events/sensor_events.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/json_fields.h"
#include "oyster/store/session_tracker.h"

namespace oyster::cli {
namespace {

using store::int_field;
using store::str_field;

nlohmann::json load_session(store::EventStore& db, std::int64_t id) {
    auto s = store::find_session(db.db(), id);
    if (!s) throw Error(fmt::format("no session {} in the store (see oyster sessions)", id));
    return *s;
}

std::string safe(const nlohmann::json& j, const char* key) {
    return terminal_safe(str_field(j, key));
}

std::string address(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) return "?";
    if (it->contains("port")) return fmt::format("{}:{}", safe(*it, "address"), int_field(*it, "port"));
    if (it->contains("path")) return safe(*it, "path");
    return safe(*it, "family");
}

// One line of the timeline, or "" for events not worth a line. The
// sensor's events are read through their structs (events/sensor_events.h);
// a capture event's own fields are the decoder's (docs/capture-format.md).
std::string describe(const nlohmann::json& e) {
    auto event = events::event_line_of(e);
    if (!event) return "";
    if (auto conn = event->as<events::Connection>()) {
        return fmt::format("connected from {}:{} to port {}", terminal_safe(conn->source_ip), conn->source_port,
                           conn->port);
    }
    if (auto closed = event->as<events::ConnectionClosed>()) {
        return fmt::format("disconnected ({}): {} bytes from the attacker, {} to them", terminal_safe(closed->end),
                           closed->bytes_from_client, closed->bytes_to_client);
    }
    if (auto login = event->as<events::Login>()) {
        return fmt::format("login {} {} / {}: {} ({})", terminal_safe(login->service), terminal_safe(login->user),
                           terminal_safe(login->password), login->success ? "accepted" : "rejected",
                           terminal_safe(login->reason));
    }
    auto capture = event->as<events::CaptureEvent>();
    if (!capture) return terminal_safe(event->type);
    if (!capture->event.is_object()) return "";
    const auto& c = capture->event;
    std::string kind = str_field(c, "type");
    std::string who = fmt::format("{}[{}] uid {}", safe(c, "comm"), int_field(c, "pid"), int_field(c, "uid"));
    if (kind == "exec") {
        std::string line;
        if (auto a = c.find("argv"); a != c.end() && a->is_array()) {
            for (const auto& arg : *a) {
                if (!arg.is_string()) continue;
                line += (line.empty() ? "" : " ") + terminal_safe(arg.get<std::string>());
            }
        }
        return fmt::format("exec {}  (uid {}, in {}, pid {})", line, int_field(c, "uid"), safe(c, "cwd"),
                           int_field(c, "pid"));
    }
    if (kind == "accept") return fmt::format("accepted by {}", who);
    if (kind == "connect") {
        return fmt::format("connect to {}: {} ({})", address(c, "remote"),
                           store::bool_field(c, "ok") ? "ok" : safe(c, "error"), who);
    }
    if (kind == "file") {
        std::string what = fmt::format("file {} {}", safe(c, "op"), safe(c, "path"));
        if (c.contains("new_path")) what += " -> " + safe(c, "new_path");
        if (c.contains("target")) what += " -> " + safe(c, "target");
        if (!store::bool_field(c, "ok")) what += fmt::format(" (failed: {})", safe(c, "error"));
        return what + fmt::format(" ({})", who);
    }
    if (kind == "kept") {
        // A written file's content, kept as the call was about to destroy it.
        return fmt::format("kept {} before {} (content {}) ({})", safe(c, "path"), safe(c, "syscall"),
                           safe(c, "content"), who);
    }
    if (kind == "tty_open") return fmt::format("terminal {} opened", safe(c, "session_tty"));
    if (kind == "tty_close") return fmt::format("terminal {} closed", safe(c, "session_tty"));
    if (kind == "bind" || kind == "listen") return fmt::format("{} {} ({})", kind, address(c, "local"), who);
    if (kind == "cred") return fmt::format("{} ({})", safe(c, "syscall"), who);
    if (kind == "socket") return "";
    return fmt::format("{} {} ({})", terminal_safe(kind), safe(c, "syscall"), who);
}

// "2026-11-27T10:30:00.123Z" -> "10:30:00.123".
std::string clock_time(const std::string& ts) {
    return ts.size() >= 23 ? ts.substr(11, 12) : terminal_safe(ts);
}

// The session's recording (capture/tty_replay.h's session_recording),
// or why it has none.
std::filesystem::path recording_for(const nlohmann::json& session, const nlohmann::json& intrusion,
                                    const std::filesystem::path& scratch) {
    auto seq = session.find("tty_open_seq");
    if (seq == session.end() || !seq->is_number_integer()) {
        throw Error(
            fmt::format("session {} had no terminal (a command run without a tty, or no login); see oyster "
                        "show {}",
                        session["id"].dump(), session["id"].dump()));
    }
    std::filesystem::path dir = str_field(intrusion, "dir");
    if (dir.empty()) throw Error("the session's intrusion has no evidence directory on record");
    return capture::session_recording(dir, seq->get<std::uint64_t>(), scratch);
}

}  // namespace

void register_session_views(CLI::App& app, const ConfigLoader& load) {
    // ---- oyster show SESSION
    auto* show = app.add_subcommand("show", "Show one session: who, how they logged in, and what they did, in order");
    auto show_id = std::make_shared<std::int64_t>(0);
    auto show_json = std::make_shared<bool>(false);
    auto show_all = std::make_shared<bool>(false);
    show->add_option("session", *show_id, "Session id (see oyster sessions)")->required();
    show->add_flag("--all", *show_all,
                   "Also show sshd's and the system's bookkeeping (privilege drops, local sockets)");
    show->add_flag("--json", *show_json, "Print {\"session\", \"timeline\": [...]} as JSON");
    show->callback([=]() {
        Config cfg = load();
        auto db = open_synced_store(cfg);
        auto session = load_session(*db, *show_id);
        auto timeline = store::session_timeline(db->db(), *show_id);
        // What the analysis of the session's intrusion found: the disk is
        // the intrusion's, not one connection's.
        std::string intrusion_id = safe(session, "intrusion_id");
        auto files = store::intrusion_files(db->db(), intrusion_id);
        auto alerts = store::intrusion_alerts(db->db(), intrusion_id);
        if (*show_json) {
            nlohmann::json out = {
                {"session", session}, {"timeline", timeline}, {"intrusion_files", files}, {"intrusion_alerts", alerts}};
            std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            return;
        }
        std::cout << fmt::format("session {}: {}:{} to port {}, intrusion {}, guest {}\n", *show_id,
                                 safe(session, "source_ip"), int_field(session, "source_port"),
                                 int_field(session, "port"), safe(session, "intrusion_id"), safe(session, "guest_id"));
        std::cout << fmt::format(
            "  {} to {}; {} login attempt(s), {}; {} command(s), {} transfer(s), {} connection(s) "
            "out{}\n",
            safe(session, "started"), session["ended"].is_string() ? safe(session, "ended") : std::string("(open)"),
            int_field(session, "login_attempts"),
            int_field(session, "logged_in") == 1 ? fmt::format("logged in as {}", safe(session, "username"))
                                                 : std::string("not logged in"),
            int_field(session, "commands"), int_field(session, "downloads"), int_field(session, "connections_out"),
            session["tty"].is_string() ? fmt::format("; terminal {} (oyster replay {})", safe(session, "tty"), *show_id)
                                       : "");
        std::size_t hidden = 0;
        for (const auto& row : timeline) {
            if (!*show_all && row.value("bookkeeping", false)) {
                ++hidden;
                continue;
            }
            std::string line = describe(row["event"]);
            if (line.empty()) continue;
            std::cout << fmt::format("  {}  {}\n", clock_time(row["time"].get<std::string>()), line);
        }
        if (hidden > 0) std::cout << fmt::format("  ({} bookkeeping records not shown: --all)\n", hidden);
        std::size_t changed = 0;
        for (const auto& f : files) changed += f.value("change", "") != "executed" ? 1 : 0;
        if (!files.empty() || !alerts.empty()) {
            std::cout << fmt::format(
                "intrusion {}: {} file(s) added, changed or deleted (oyster files {}), {} alert(s)\n", intrusion_id,
                changed, intrusion_id, alerts.size());
        }
        for (const auto& a : alerts) {
            std::cout << fmt::format("  alert {} {}: {} on {}\n", safe(a, "severity"), safe(a, "rule"),
                                     safe(a, "description"), safe(a, "path"));
        }
    });

    // ---- oyster replay SESSION
    auto* replay = app.add_subcommand(
        "replay", "Play a session's terminal as the attacker saw it (also while the intrusion is still open)");
    auto replay_id = std::make_shared<std::int64_t>(0);
    auto options = std::make_shared<capture::ReplayOptions>();
    auto print_path = std::make_shared<bool>(false);
    replay->add_option("session", *replay_id, "Session id (see oyster sessions)")->required();
    replay->add_option("--speed", options->speed, "Play this many times faster than real time")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    replay->add_option("--idle-limit", options->idle_limit, "Shorten every pause to at most this many seconds")
        ->check(CLI::NonNegativeNumber);
    replay->add_flag("--instant", options->instant, "No pauses: print the whole output at once");
    replay->add_flag("--raw", options->raw,
                     "Write the attacker's bytes unfiltered: clipboard writes (OSC 52), terminal queries, DCS/APC "
                     "strings and all (by default they are kept from your terminal)");
    replay->add_flag("--print-path", *print_path,
                     "Print the asciicast file's path instead of playing it (closed intrusions)");
    replay->callback([=]() {
        Config cfg = load();
        auto db = open_synced_store(cfg);
        auto session = load_session(*db, *replay_id);
        auto intrusion = intrusion_or_fail(*db, str_field(session, "intrusion_id"));
        ScratchDir scratch("oyster-replay");
        auto cast = recording_for(session, intrusion, scratch.path());
        if (*print_path) {
            if (cast.string().rfind(scratch.path().string(), 0) == 0) {
                throw Error("the intrusion is still open: its terminal is decoded when its guest stops");
            }
            std::cout << cast.string() << "\n";
            return;
        }
        std::ifstream in(cast, std::ios::binary);
        if (!in) throw Error("cannot read " + cast.string());
        auto stats = capture::play_asciicast(in, std::cout, *options, cast.string());
        std::cerr << fmt::format("\n[oyster] replayed {} bytes of output, {:.1f} s of session, from {}{}\n",
                                 stats.output_bytes, stats.duration, cast.string(),
                                 stats.dropped_sequences == 0
                                     ? ""
                                     : fmt::format(" ({} terminal queries or strings kept from your terminal; "
                                                   "--raw shows them)",
                                                   stats.dropped_sequences));
    });
}

}  // namespace oyster::cli
