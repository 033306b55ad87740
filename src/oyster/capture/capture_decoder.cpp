#include "oyster/capture/capture_decoder.h"

#include <openssl/evp.h>

#include <ctime>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "oyster/capture/guest_log_line.h"
#include "oyster/capture/login_attempt.h"
#include "oyster/capture/socket_address.h"
#include "oyster/capture/syscall_names.h"
#include "oyster/common/error.h"
#include "oyster/common/syslog_facility.h"

extern "C" {
#include "oyster/capture/wire/oyster_capture.h"
}

namespace oyster::capture {
namespace {

const char* type_name(std::uint32_t type) {
    switch (type) {
        case OYSTER_CAP_EXEC:
            return "exec";
        case OYSTER_CAP_EXEC_CONTENT:
            return "exec_content";
        case OYSTER_CAP_FORK:
            return "fork";
        case OYSTER_CAP_EXIT:
            return "exit";
        case OYSTER_CAP_TTY_IN:
            return "tty_in";
        case OYSTER_CAP_TTY_OUT:
            return "tty_out";
        case OYSTER_CAP_TTY_OPEN:
            return "tty_open";
        case OYSTER_CAP_TTY_CLOSE:
            return "tty_close";
        case OYSTER_CAP_HONEYLOG:
            return "honeylog";
        case OYSTER_CAP_LOG:
            return "log";
        case OYSTER_CAP_DROPPED:
            return "dropped";
        case OYSTER_CAP_CRED:
            return "cred";
        case OYSTER_CAP_SOCKET:
            return "socket";
        case OYSTER_CAP_FILE:
            return "file";
        case OYSTER_CAP_SYSCALL:
            return "syscall";
        case OYSTER_CAP_KEPT:
            return "kept";
        default:
            return "unknown";
    }
}

std::string as_text(const std::vector<std::uint8_t>& data) {
    return std::string(data.begin(), data.end());
}

// The file an exec or kept record names, as its event shows it.
template <typename Rec>
nlohmann::json file_version_json(const Rec& b) {
    return {{"size", b.file_size},
            {"ino", b.ino},
            {"dev", fmt::format("{}:{}", dev_major(b.dev), dev_minor(b.dev))},
            {"mode", fmt::format("{:o}", b.mode)},
            {"mtime_ns", b.mtime_ns}};
}

std::string file_key(std::uint32_t dev, std::uint64_t ino, std::uint64_t mtime_ns, std::uint64_t size) {
    return fmt::format("{}:{}:{}:{}", dev, ino, mtime_ns, size);
}

// Length of the longest prefix of `s` that does not end inside a UTF-8
// sequence, so a character split across records is written whole.
std::size_t utf8_complete_prefix(const std::string& s) {
    std::size_t n = s.size();
    for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
        auto c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xc0) == 0x80) continue;  // continuation byte: look further back
        std::size_t need = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
        return need > back ? n - back : n;
    }
    return n;
}

// The fields every system-call event has: which call and how it ended.
void put_call(nlohmann::json& e, std::uint32_t nr, std::int64_t result) {
    e["syscall"] = syscall_name(nr);
    e["result"] = result;
    e["ok"] = result >= 0;
    if (auto err = errno_name(result); !err.empty()) e["error"] = err;
}

nlohmann::json ids_json(const CredIds& c) {
    return {{"uid", c.uid}, {"euid", c.euid}, {"suid", c.suid}, {"fsuid", c.fsuid},
            {"gid", c.gid}, {"egid", c.egid}, {"sgid", c.sgid}, {"fsgid", c.fsgid}};
}

// -1 as passed to chown means "leave unchanged".
nlohmann::json id_or_null(std::uint32_t id) {
    return id == 0xffffffffU ? nlohmann::json(nullptr) : nlohmann::json(id);
}

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string iso_time(std::uint64_t ns) {
    std::time_t secs = static_cast<std::time_t>(ns / 1000000000ULL);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:09}Z", buf, ns % 1000000000ULL);
}

struct CaptureDecoder::TtySession {
    std::string name;
    std::uint32_t tty = 0;
    std::uint64_t start_ns = 0;
    std::filesystem::path cast_path, ttylog_path;
    std::ofstream cast;
    std::ofstream ttylog;
    std::string carry_in, carry_out;  // incomplete UTF-8 tails
    bool opened_before = false;       // its files exist: reopen to append
    std::uint64_t last_use = 0;

    bool is_open() const { return cast.is_open(); }
    void open_files() {
        auto mode = opened_before ? std::ios::app : std::ios::trunc;
        cast.open(cast_path, std::ios::out | mode);
        ttylog.open(ttylog_path, std::ios::out | std::ios::binary | mode);
        opened_before = true;
    }
    // Closes its files (they are reopened to append when it is used again).
    void park() {
        cast.close();
        ttylog.close();
    }

    void ttylog_record(std::int32_t op, std::int32_t dir, std::uint64_t time_ns, const std::uint8_t* data,
                       std::uint32_t len) {
        // Cowrie's playlog: struct.unpack("<iLiiLL", 24 bytes) then data.
        std::uint32_t fields[6] = {static_cast<std::uint32_t>(op),
                                   tty,
                                   len,
                                   static_cast<std::uint32_t>(dir),
                                   static_cast<std::uint32_t>(time_ns / 1000000000ULL),
                                   static_cast<std::uint32_t>((time_ns % 1000000000ULL) / 1000)};
        ttylog.write(reinterpret_cast<const char*>(fields), sizeof fields);
        if (len) ttylog.write(reinterpret_cast<const char*>(data), len);
    }

    void cast_event(std::uint64_t time_ns, bool input, const std::vector<std::uint8_t>& data) {
        std::string& carry = input ? carry_in : carry_out;
        carry.append(data.begin(), data.end());
        std::size_t n = utf8_complete_prefix(carry);
        if (n == 0) return;
        double t = time_ns > start_ns ? static_cast<double>(time_ns - start_ns) / 1e9 : 0.0;
        nlohmann::json ev = nlohmann::json::array({t, input ? "i" : "o", carry.substr(0, n)});
        cast << dump(ev) << "\n";
        carry.erase(0, n);
    }
};

struct CaptureDecoder::PendingContent {
    std::filesystem::path tmp;
    std::ofstream out;
    EVP_MD_CTX* md = nullptr;
    std::uint64_t received = 0, total = 0;
    std::uint64_t exec_seq = 0;
    ~PendingContent() {
        if (md != nullptr) EVP_MD_CTX_free(md);
    }
};

CaptureDecoder::CaptureDecoder(std::filesystem::path out_dir) : out_(std::move(out_dir)) {
    std::filesystem::create_directories(out_ / "tty");
    std::filesystem::create_directories(out_ / "files");
    events_.open(out_ / "events.jsonl", std::ios::app);
    tty_index_.open(out_ / "tty" / "sessions.jsonl", std::ios::app);
    if (!events_) throw Error("cannot write " + (out_ / "events.jsonl").string());
}

CaptureDecoder::~CaptureDecoder() = default;

std::optional<nlohmann::json> CaptureDecoder::event_for(const Record& r) {
    const Actor& a = r.actor;
    nlohmann::json e = {{"seq", a.seq},         {"time", iso_time(a.time_ns)},
                        {"time_ns", a.time_ns}, {"pid", a.pid},
                        {"tgid", a.tgid},       {"ppid", a.ppid},
                        {"uid", a.uid},         {"euid", a.euid},
                        {"gid", a.gid},         {"egid", a.egid},
                        {"comm", a.comm}};
    e["tty"] = a.tty ? nlohmann::json(tty_name(a.tty)) : nlohmann::json(nullptr);
    return std::visit(
        [&](const auto& b) -> std::optional<nlohmann::json> {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, ExecRecord>) {
                e["type"] = "exec";
                e["filename"] = b.filename;
                e["path"] = b.path;
                e["cwd"] = b.cwd;
                e["argv"] = b.argv;
                e["argc"] = b.argc;
                e["argv_truncated"] = b.argv_truncated;
                e["file"] = file_version_json(b);
                e["content"] = b.content_follows ? "follows" : b.content_sent_before ? "sent_before" : "none";
            } else if constexpr (std::is_same_v<T, ExecContentRecord>) {
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, ForkRecord>) {
                e["type"] = "fork";
                e["child_pid"] = b.child_pid;
                e["child_tgid"] = b.child_tgid;
                e["clone_flags"] = b.clone_flags;
                e["thread"] = (b.clone_flags & kCloneThread) != 0;
            } else if constexpr (std::is_same_v<T, ExitRecord>) {
                e["type"] = "exit";
                e["code"] = b.code;
                e["exit_status"] = (b.code >> 8) & 0xff;
                e["signal"] = b.code & 0x7f;
                e["process_exited"] = b.thread_group_dead;
            } else if constexpr (std::is_same_v<T, TtyRecord>) {
                static const char* names[] = {"tty_in", "tty_out", "tty_open", "tty_close"};
                e["type"] = names[static_cast<int>(b.kind)];
                e["session_tty"] = tty_name(b.tty);
                if (b.kind == TtyKind::input || b.kind == TtyKind::output) e["bytes"] = b.data.size();
                // Keystrokes are small and telling; output is in the replay files.
                if (b.kind == TtyKind::input) e["data"] = as_text(b.data);
            } else if constexpr (std::is_same_v<T, HoneylogRecord>) {
                if (auto login = parse_login_report(b.data)) {
                    e["type"] = "login";
                    e["service"] = login->service;
                    e["user"] = login->user;
                    e["password"] = login->password;
                    e["remote_ip"] = login->remote_ip;
                    e["remote_port"] = login->remote_port;
                    e["success"] = login->accepted;
                    e["reason"] = login->reason;
                } else {
                    e["type"] = "honeylog";
                    e["message"] = as_text(b.data);
                }
            } else if constexpr (std::is_same_v<T, LogRecord>) {
                std::string_view text(reinterpret_cast<const char*>(b.data.data()), b.data.size());
                auto line =
                    b.socket == OYSTER_CAP_LOG_JOURNAL ? parse_journal_datagram(text) : parse_syslog_datagram(text);
                e["type"] = "guest_log";
                e["socket"] = b.socket == OYSTER_CAP_LOG_JOURNAL ? "journal" : "syslog";
                e["ident"] = line.ident;
                if (line.claimed_pid) e["claimed_pid"] = *line.claimed_pid;
                // A code without a name (12-15) shows as its number.
                if (line.facility) {
                    auto name = syslog_facility_name(*line.facility);
                    if (name.empty()) {
                        e["facility"] = std::to_string(*line.facility);
                    } else {
                        e["facility"] = name;
                    }
                }
                if (line.severity) e["severity"] = syslog_severity_name(*line.severity);
                e["message"] = line.message;
                if (b.truncated) e["truncated"] = true;
            } else if constexpr (std::is_same_v<T, CredRecord>) {
                e["type"] = "cred";
                put_call(e, b.syscall, b.result);
                e["args"] = b.args;
                e["before"] = ids_json(b.before);
                e["after"] = ids_json(b.after);
                e["changed"] = !(b.before == b.after) || b.cap_effective_before != b.cap_effective_after;
                e["cap_effective_before"] = fmt::format("{:016x}", b.cap_effective_before);
                e["cap_effective_after"] = fmt::format("{:016x}", b.cap_effective_after);
            } else if constexpr (std::is_same_v<T, SocketRecord>) {
                // The type comes from a fixed set: the number is the guest's word.
                std::string call = syscall_name(b.syscall);
                e["type"] = call == "accept4"                                                               ? "accept"
                            : (call == "connect" || call == "accept" || call == "bind" || call == "listen") ? call
                                                                                                            : "socket";
                put_call(e, b.syscall, b.result);
                e["fd"] = b.fd;
                e["family"] = address_family_name(b.family);
                e["sock_type"] = socket_type_name(b.sock_type);
                e["protocol"] = ip_protocol_name(b.protocol);
                e["local"] = socket_address_json(b.local);
                e["remote"] = socket_address_json(b.remote);
            } else if constexpr (std::is_same_v<T, FileRecord>) {
                e["type"] = "file";
                e["op"] = file_op_name(b.op);
                put_call(e, b.syscall, b.result);
                e["path"] = b.path;
                if (b.op == FileOp::rename || b.op == FileOp::link) e["new_path"] = b.path2;
                if (b.op == FileOp::symlink) e["target"] = b.path2;
                if (b.op == FileOp::open_write) e["flags"] = fmt::format("{:o}", b.flags);
                if (b.op == FileOp::open_write || b.op == FileOp::mkdir || b.op == FileOp::mknod ||
                    b.op == FileOp::chmod) {
                    e["mode"] = fmt::format("{:o}", b.mode);
                }
                if (b.op == FileOp::chown) {
                    e["owner"] = id_or_null(b.owner);
                    e["group"] = id_or_null(b.group);
                }
                if (b.op == FileOp::truncate) e["length"] = b.length;
            } else if constexpr (std::is_same_v<T, SyscallRecord>) {
                e["type"] = syscall_kind_name(b.kind);
                put_call(e, b.syscall, b.result);
                e["args"] = b.args;
                e["strings"] = b.strings;
            } else if constexpr (std::is_same_v<T, KeptRecord>) {
                e["type"] = "kept";
                e["path"] = b.path;
                e["syscall"] = syscall_name(b.syscall);
                e["file"] = file_version_json(b);
                e["content"] = b.content_follows       ? "follows"
                               : b.content_sent_before ? "sent_before"
                               : b.over_budget         ? "over_budget"
                                                       : "none";
            } else if constexpr (std::is_same_v<T, DroppedRecord>) {
                e["type"] = "dropped";
                e["what"] = type_name(b.type);
                e["bytes"] = b.bytes;
            } else {
                e["type"] = "unknown";
                e["record_type"] = b.type;
                e["size"] = b.size;
            }
            return e;
        },
        r.body);
}

std::filesystem::path receive_times_file_for(const std::filesystem::path& capture) {
    auto times = capture;
    return times.replace_extension(".times");
}

void CaptureDecoder::stamp_received(nlohmann::json& e, std::uint64_t received_ns) {
    e["received"] = iso_time(received_ns);
    e["received_ns"] = received_ns;
}

void CaptureDecoder::write_event(const nlohmann::json& e) {
    if (received_ns_) {
        // Everything a record causes (its event, a completed file, a gap)
        // happened when the record reached the host.
        auto stamped = e;
        stamp_received(stamped, *received_ns_);
        events_ << dump(stamped) << "\n";
    } else {
        events_ << dump(e) << "\n";
    }
    ++stats_.events;
}

void CaptureDecoder::on_header(const StreamHeader& h) {
    write_event({{"type", "capture_start"},
                 {"time", iso_time(h.boot_realtime_ns)},
                 {"time_ns", h.boot_realtime_ns},
                 {"version", h.version},
                 {"exec_content_limit", h.exec_content_limit}});
}

void CaptureDecoder::open_session_files(TtySession& s) {
    s.last_use = ++use_clock_;
    if (s.is_open()) return;
    std::size_t open = 0;
    TtySession* oldest = nullptr;
    for (auto& [tty, other] : sessions_) {
        if (!other->is_open()) continue;
        ++open;
        if (oldest == nullptr || other->last_use < oldest->last_use) oldest = other.get();
    }
    // Many terminals open at once must not take the sensor's descriptors:
    // the least recently used one's files are closed meanwhile.
    if (open >= kMaxOpenTtyFiles && oldest != nullptr) oldest->park();
    s.open_files();
}

CaptureDecoder::TtySession* CaptureDecoder::session_for(std::uint32_t tty, std::uint64_t seq, std::uint64_t time_ns) {
    if (auto it = sessions_.find(tty); it != sessions_.end()) {
        open_session_files(*it->second);
        return it->second.get();
    }
    if (sessions_.size() >= kMaxTtySessions) {
        // A guest's root can forge records for any number of terminals:
        // beyond this many at once, their bytes are in events.jsonl only.
        if (!tty_limit_reported_) {
            tty_limit_reported_ = true;
            write_event({{"type", "capture_limit"},
                         {"what", "terminal sessions open at once"},
                         {"limit", kMaxTtySessions},
                         {"detail", "further terminals are not recorded as replays; their bytes are in the events"}});
        }
        ++stats_.tty_sessions_unrecorded;
        return nullptr;
    }
    auto s = std::make_unique<TtySession>();
    unsigned n = ++session_counts_[tty];
    std::string base = tty_name(tty);
    for (char& c : base)
        if (c == '/' || c == ':') c = '-';
    s->name = fmt::format("{}-{}", base, n);
    s->tty = tty;
    s->start_ns = time_ns;
    s->cast_path = out_ / "tty" / (s->name + ".cast");
    s->ttylog_path = out_ / "tty" / (s->name + ".ttylog");
    open_session_files(*s);
    nlohmann::json header = {{"version", 2},
                             {"width", 80},
                             {"height", 24},
                             {"timestamp", time_ns / 1000000000ULL},
                             {"title", fmt::format("{} session {}", tty_name(tty), n)}};
    s->cast << dump(header) << "\n";
    s->ttylog_record(1, 0, time_ns, nullptr, 0);
    // The live events name a session by its tty_open record's seq (the
    // sensor reports it); this is how the store finds its replay.
    tty_index_ << dump({{"name", s->name}, {"tty", tty_name(tty)}, {"seq", seq}, {"boot", boot_}, {"time_ns", time_ns}})
               << "\n";
    tty_index_.flush();
    ++stats_.tty_sessions;
    // Only now in the map: open_session_files() above looks at the others.
    auto& slot = sessions_[tty];
    slot = std::move(s);
    return slot.get();
}

void CaptureDecoder::close_session(std::uint32_t tty, std::uint64_t time_ns) {
    auto it = sessions_.find(tty);
    if (it == sessions_.end()) return;
    open_session_files(*it->second);
    it->second->ttylog_record(2, 0, time_ns, nullptr, 0);
    sessions_.erase(it);
}

void CaptureDecoder::on_content(const Record& r, const ExecContentRecord& c) {
    auto owner = content_owner_.find(c.exec_seq);
    const char* type = owner != content_owner_.end() && owner->second.kept ? "kept_content" : "exec_content";
    auto found = contents_.find(c.exec_seq);
    if (found == contents_.end()) {
        if (c.offset != 0) return;  // its start was lost (a gap), or it was refused below
        if (contents_.size() >= kMaxPendingContents) {
            // Each file arriving holds a descriptor and a hash: a forged
            // stream of starts without ends must not take them all.
            write_event({{"type", type},
                         {"seq", r.actor.seq},
                         {"exec_seq", c.exec_seq},
                         {"complete", false},
                         {"error", fmt::format("more than {} files arriving at once: not kept", kMaxPendingContents)}});
            return;
        }
        found = contents_.emplace(c.exec_seq, nullptr).first;
    }
    auto& slot = found->second;
    if (!slot) {
        slot = std::make_unique<PendingContent>();
        slot->exec_seq = c.exec_seq;
        slot->total = c.total;
        slot->tmp = out_ / "files" / fmt::format(".partial-{}", c.exec_seq);
        slot->out.open(slot->tmp, std::ios::binary | std::ios::trunc);
        slot->md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(slot->md, EVP_sha256(), nullptr);
    }
    PendingContent& p = *slot;
    if (c.offset != p.received || c.total != p.total) {
        write_event({{"type", "capture_error"},
                     {"seq", r.actor.seq},
                     {"error", fmt::format("content of exec {} out of order (offset {}, expected {})", c.exec_seq,
                                           c.offset, p.received)}});
        return;
    }
    p.out.write(reinterpret_cast<const char*>(c.data.data()), static_cast<std::streamsize>(c.data.size()));
    EVP_DigestUpdate(p.md, c.data.data(), c.data.size());
    p.received += c.data.size();
    if (!c.last && p.received < p.total) return;

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(p.md, md, &len);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    p.out.close();
    auto dest = out_ / "files" / hex;
    std::error_code ec;
    if (std::filesystem::exists(dest, ec)) {
        std::filesystem::remove(p.tmp, ec);
    } else {
        std::filesystem::rename(p.tmp, dest, ec);
        ++stats_.files_stored;
    }
    nlohmann::json e = {
        {"type", type},  {"seq", r.actor.seq}, {"time", iso_time(r.actor.time_ns)}, {"exec_seq", p.exec_seq},
        {"sha256", hex}, {"size", p.received}, {"complete", p.received == p.total}, {"stored", "files/" + hex}};
    if (owner != content_owner_.end()) {
        if (known_files_.size() < kMaxKnownFiles) known_files_[owner->second.key] = hex;
        content_owner_.erase(owner);
    }
    write_event(e);
    contents_.erase(c.exec_seq);
}

void CaptureDecoder::on_record(const Record& r) {
    ++stats_.records;
    received_ns_ = receive_times_.received_ns(r.actor.end_offset);
    receive_times_.forget_before(r.actor.end_offset);
    if (r.actor.boot != boot_) {
        // The guest was booted again from its disk: what the last boot left
        // open ended with it, and pids and sequence numbers start anew.
        end_open_records("the guest stopped before the content did");
        boot_ = r.actor.boot;
        next_seq_.reset();
        write_event({{"type", "guest_boot"}, {"boot", boot_}, {"time", iso_time(r.actor.time_ns)}});
    }
    if (next_seq_ && r.actor.seq != *next_seq_) {
        ++stats_.gaps;
        write_event({{"type", "capture_gap"}, {"expected_seq", *next_seq_}, {"seq", r.actor.seq}});
    }
    next_seq_ = r.actor.seq + 1;

    if (const auto* c = std::get_if<ExecContentRecord>(&r.body)) {
        on_content(r, *c);
        received_ns_.reset();
        return;
    }
    auto e = event_for(r);
    if (const auto* x = std::get_if<ExecRecord>(&r.body)) {
        note_content_owner(*e, r.actor.seq, file_key(x->dev, x->ino, x->mtime_ns, x->file_size), x->content_follows,
                           false);
    } else if (const auto* k = std::get_if<KeptRecord>(&r.body)) {
        note_content_owner(*e, r.actor.seq, file_key(k->dev, k->ino, k->mtime_ns, k->file_size), k->content_follows,
                           true);
    } else if (const auto* t = std::get_if<TtyRecord>(&r.body)) {
        switch (t->kind) {
            case TtyKind::open:
                close_session(t->tty, r.actor.time_ns);
                session_for(t->tty, r.actor.seq, r.actor.time_ns);
                break;
            case TtyKind::close:
                close_session(t->tty, r.actor.time_ns);
                break;
            case TtyKind::input:
            case TtyKind::output: {
                bool input = t->kind == TtyKind::input;
                if (TtySession* s = session_for(t->tty, r.actor.seq, r.actor.time_ns)) {
                    s->cast_event(r.actor.time_ns, input, t->data);
                    s->ttylog_record(3, input ? 1 : 2, r.actor.time_ns, t->data.data(),
                                     static_cast<std::uint32_t>(t->data.size()));
                }
                (input ? stats_.tty_in_bytes : stats_.tty_out_bytes) += t->data.size();
                break;
            }
        }
    }
    if (e) write_event(*e);
    received_ns_.reset();
}

void CaptureDecoder::note_content_owner(nlohmann::json& e, std::uint64_t seq, const std::string& key,
                                        bool content_follows, bool kept) {
    if (content_follows && content_owner_.size() < kMaxKnownFiles) content_owner_[seq] = {key, kept};
    if (auto k = known_files_.find(key); k != known_files_.end()) e["sha256"] = k->second;
}

void CaptureDecoder::end_open_records(const char* why) {
    while (!sessions_.empty()) close_session(sessions_.begin()->first, 0);
    for (auto& [seq, p] : contents_) {
        auto owner = content_owner_.find(seq);
        bool kept = owner != content_owner_.end() && owner->second.kept;
        write_event({{"type", kept ? "kept_content" : "exec_content"},
                     {"exec_seq", seq},
                     {"size", p->received},
                     {"complete", false},
                     {"error", why}});
        std::error_code ec;
        std::filesystem::remove(p->tmp, ec);
    }
    contents_.clear();
    content_owner_.clear();
}

std::size_t CaptureDecoder::tty_files_open() const {
    std::size_t n = 0;
    for (const auto& [tty, s] : sessions_) n += s->is_open() ? 1 : 0;
    return n;
}

void CaptureDecoder::flush() {
    events_.flush();
    tty_index_.flush();
    for (auto& [tty, session] : sessions_) {
        if (!session->is_open()) continue;
        session->cast.flush();
        session->ttylog.flush();
    }
}

std::string stream_end_error(const CaptureParser& parser) {
    if (!parser.error().empty()) return parser.error();
    if (parser.pending_bytes() > 0) {
        return fmt::format("capture stream ends inside a record ({} bytes at offset {})", parser.pending_bytes(),
                           parser.stream_offset());
    }
    if (!parser.header()) return "capture stream has no header";
    return {};
}

void CaptureDecoder::finish(const std::string& error) {
    received_ns_.reset();
    if (!error.empty()) write_event({{"type", "capture_error"}, {"error", error}});
    end_open_records("stream ended before the content did");
    events_.flush();
}

DecodeStats decode_capture_file(const std::filesystem::path& capture, const std::filesystem::path& out_dir,
                                std::string* error) {
    std::ifstream in(capture, std::ios::binary);
    if (!in) throw Error("cannot read capture file " + capture.string());
    CaptureDecoder decoder(out_dir);
    decoder.set_receive_times(ReceiveTimes::load(receive_times_file_for(capture)));
    CaptureParser parser;
    bool header_seen = false;
    std::vector<std::uint8_t> buf(1 << 20);
    while (in) {
        in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
        auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        parser.feed(std::span(buf.data(), n));
        if (!header_seen && parser.header()) {
            decoder.on_header(*parser.header());
            header_seen = true;
        }
        for (const auto& r : parser.take()) decoder.on_record(r);
        if (!parser.error().empty()) break;
    }
    std::string err = stream_end_error(parser);
    decoder.finish(err);
    if (error != nullptr) *error = err;
    return decoder.stats();
}

}  // namespace oyster::capture
