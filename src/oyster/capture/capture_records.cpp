#include "oyster/capture/capture_records.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include <fmt/format.h>

extern "C" {
#include "oyster/capture/wire/oyster_capture.h"
}

namespace oyster::capture {
namespace {

static_assert(sizeof(oyster_cap_record) == 72, "wire header size changed");
static_assert(sizeof(oyster_cap_stream_header) == 32, "stream header size changed");
static_assert(sizeof(oyster_cap_cred) == 120 && sizeof(oyster_cap_socket) == 32 && sizeof(oyster_cap_file) == 48 &&
                  sizeof(oyster_cap_syscall) == 72,
              "record payload sizes changed");

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A bounds-checked view of one record's payload.
class Payload {
public:
    Payload(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    template <typename T>
    bool read(T& out) {
        if (size_ - pos_ < sizeof(T)) return false;
        std::memcpy(&out, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }

    bool bytes(std::size_t n, std::vector<std::uint8_t>& out) {
        if (size_ - pos_ < n) return false;
        out.assign(data_ + pos_, data_ + pos_ + n);
        pos_ += n;
        return true;
    }

    bool string(std::size_t n, std::string& out) {
        if (size_ - pos_ < n) return false;
        out.assign(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return true;
    }

    // What is left must be the zero padding to the 8-byte boundary.
    bool only_padding_left() const {
        if (size_ - pos_ >= 8) return false;
        for (std::size_t i = pos_; i < size_; ++i)
            if (data_[i] != 0) return false;
        return true;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

std::vector<std::string> split_argv(const std::string& raw) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < raw.size()) {
        auto nul = raw.find('\0', start);
        if (nul == std::string::npos) {
            out.push_back(raw.substr(start));  // truncated last argument
            break;
        }
        out.push_back(raw.substr(start, nul - start));
        start = nul + 1;
    }
    return out;
}

CredIds ids(const oyster_cap_ids& w) {
    return CredIds{w.uid, w.euid, w.suid, w.fsuid, w.gid, w.egid, w.sgid, w.fsgid};
}

// The fields that name a file version, which exec and kept records share.
template <typename Wire, typename Parsed>
void copy_file_version(const Wire& w, std::uint16_t flags, Parsed& r) {
    r.file_size = w.file_size;
    r.ino = w.ino;
    r.mtime_ns = w.mtime_ns;
    r.dev = w.dev;
    r.mode = w.mode;
    r.content_follows = (flags & OYSTER_CAP_EXEC_CONTENT_FOLLOWS) != 0;
    r.content_sent_before = (flags & OYSTER_CAP_EXEC_CONTENT_SENT) != 0;
}

std::optional<RecordBody> parse_body(std::uint16_t type, std::uint16_t flags, Payload p, std::string& why) {
    switch (type) {
        case OYSTER_CAP_EXEC: {
            oyster_cap_exec e{};
            if (!p.read(e)) return why = "exec payload too short", std::nullopt;
            ExecRecord r;
            copy_file_version(e, flags, r);
            r.argc = e.argc;
            std::string argv;
            if (!p.string(e.filename_len, r.filename) || !p.string(e.path_len, r.path) || !p.string(e.cwd_len, r.cwd) ||
                !p.string(e.argv_len, argv)) {
                return why = "exec strings overrun the record", std::nullopt;
            }
            if (!p.only_padding_left()) return why = "exec record has trailing bytes", std::nullopt;
            r.argv = split_argv(argv);
            r.argv_truncated = (flags & OYSTER_CAP_EXEC_ARGV_TRUNCATED) != 0;
            return r;
        }
        case OYSTER_CAP_EXEC_CONTENT: {
            oyster_cap_exec_content c{};
            if (!p.read(c)) return why = "exec content payload too short", std::nullopt;
            ExecContentRecord r{c.exec_seq, c.offset, c.total, (flags & OYSTER_CAP_CONTENT_LAST) != 0, {}};
            if (c.offset > c.total || c.len > c.total - c.offset) {
                return why = "exec content chunk past its total", std::nullopt;
            }
            if (!p.bytes(c.len, r.data)) return why = "exec content overruns the record", std::nullopt;
            if (!p.only_padding_left()) return why = "exec content has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_FORK: {
            oyster_cap_fork f{};
            if (!p.read(f) || !p.only_padding_left()) return why = "bad fork payload", std::nullopt;
            return ForkRecord{f.clone_flags, f.child_pid, f.child_tgid};
        }
        case OYSTER_CAP_EXIT: {
            oyster_cap_exit x{};
            if (!p.read(x) || !p.only_padding_left()) return why = "bad exit payload", std::nullopt;
            return ExitRecord{x.code, x.thread_group_dead != 0};
        }
        case OYSTER_CAP_TTY_IN:
        case OYSTER_CAP_TTY_OUT:
        case OYSTER_CAP_TTY_OPEN:
        case OYSTER_CAP_TTY_CLOSE: {
            oyster_cap_tty t{};
            if (!p.read(t)) return why = "tty payload too short", std::nullopt;
            TtyRecord r;
            r.kind = type == OYSTER_CAP_TTY_IN     ? TtyKind::input
                     : type == OYSTER_CAP_TTY_OUT  ? TtyKind::output
                     : type == OYSTER_CAP_TTY_OPEN ? TtyKind::open
                                                   : TtyKind::close;
            r.tty = t.tty;
            if (!p.bytes(t.len, r.data)) return why = "tty data overruns the record", std::nullopt;
            if (!p.only_padding_left()) return why = "tty record has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_HONEYLOG: {
            oyster_cap_honeylog h{};
            if (!p.read(h)) return why = "honeylog payload too short", std::nullopt;
            if (h.len > OYSTER_HONEYLOG_MAX) return why = "honeylog message over the limit", std::nullopt;
            HoneylogRecord r;
            if (!p.bytes(h.len, r.data)) return why = "honeylog data overruns the record", std::nullopt;
            if (!p.only_padding_left()) return why = "honeylog record has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_LOG: {
            oyster_cap_log l{};
            if (!p.read(l)) return why = "log payload too short", std::nullopt;
            if (l.socket != OYSTER_CAP_LOG_SYSLOG && l.socket != OYSTER_CAP_LOG_JOURNAL)
                return why = "log record names no log socket", std::nullopt;
            if (l.len > OYSTER_CAP_LOG_MAX) return why = "log datagram over the limit", std::nullopt;
            LogRecord r;
            r.socket = l.socket;
            r.truncated = (flags & OYSTER_CAP_LOG_TRUNCATED) != 0;
            if (!p.bytes(l.len, r.data)) return why = "log datagram overruns the record", std::nullopt;
            if (!p.only_padding_left()) return why = "log record has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_DROPPED: {
            oyster_cap_dropped d{};
            if (!p.read(d) || !p.only_padding_left()) return why = "bad dropped payload", std::nullopt;
            return DroppedRecord{d.type, d.bytes};
        }
        case OYSTER_CAP_CRED: {
            oyster_cap_cred c{};
            if (!p.read(c) || !p.only_padding_left()) return why = "bad cred payload", std::nullopt;
            CredRecord r;
            r.result = c.result;
            r.syscall = c.syscall;
            std::copy(std::begin(c.args), std::end(c.args), std::begin(r.args));
            r.before = ids(c.before);
            r.after = ids(c.after);
            r.cap_effective_before = c.cap_effective_before;
            r.cap_effective_after = c.cap_effective_after;
            return r;
        }
        case OYSTER_CAP_SOCKET: {
            oyster_cap_socket s{};
            if (!p.read(s)) return why = "socket payload too short", std::nullopt;
            if (s.local_len > OYSTER_CAP_SOCKADDR_MAX || s.remote_len > OYSTER_CAP_SOCKADDR_MAX) {
                return why = "socket address longer than a sockaddr_storage", std::nullopt;
            }
            SocketRecord r{s.result, s.syscall, s.fd, s.family, s.sock_type, s.protocol, {}, {}};
            if (!p.bytes(s.local_len, r.local) || !p.bytes(s.remote_len, r.remote)) {
                return why = "socket addresses overrun the record", std::nullopt;
            }
            if (!p.only_padding_left()) return why = "socket record has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_FILE: {
            oyster_cap_file f{};
            if (!p.read(f)) return why = "file payload too short", std::nullopt;
            if (f.op < 1 || f.op > OYSTER_CAP_FILE_OP_MAX)
                return why = fmt::format("file op {} unknown", f.op), std::nullopt;
            FileRecord r;
            r.result = f.result;
            r.syscall = f.syscall;
            r.op = static_cast<FileOp>(f.op);
            r.flags = f.flags;
            r.mode = f.mode;
            r.owner = f.owner;
            r.group = f.group;
            r.length = f.length;
            if (!p.string(f.path_len, r.path) || !p.string(f.path2_len, r.path2)) {
                return why = "file paths overrun the record", std::nullopt;
            }
            if (!p.only_padding_left()) return why = "file record has trailing bytes", std::nullopt;
            return r;
        }
        case OYSTER_CAP_SYSCALL: {
            oyster_cap_syscall c{};
            if (!p.read(c)) return why = "syscall payload too short", std::nullopt;
            if (c.kind < 1 || c.kind > OYSTER_CAP_SYSCALL_CLASS_MAX) {
                return why = fmt::format("syscall kind {} unknown", c.kind), std::nullopt;
            }
            SyscallRecord r;
            r.result = c.result;
            r.syscall = c.syscall;
            r.kind = static_cast<SyscallKind>(c.kind);
            std::copy(std::begin(c.args), std::end(c.args), std::begin(r.args));
            std::string strings;
            if (!p.string(c.strings_len, strings)) return why = "syscall strings overrun the record", std::nullopt;
            if (!p.only_padding_left()) return why = "syscall record has trailing bytes", std::nullopt;
            r.strings = split_argv(strings);
            return r;
        }
        case OYSTER_CAP_KEPT: {
            oyster_cap_kept k{};
            if (!p.read(k)) return why = "kept payload too short", std::nullopt;
            KeptRecord r;
            copy_file_version(k, flags, r);
            r.syscall = k.syscall;
            if (!p.string(k.path_len, r.path)) return why = "kept path overruns the record", std::nullopt;
            if (!p.only_padding_left()) return why = "kept record has trailing bytes", std::nullopt;
            r.over_budget = (flags & OYSTER_CAP_KEPT_OVER_BUDGET) != 0;
            return r;
        }
        default:
            return UnknownRecord{type, 0};
    }
}

}  // namespace

void CaptureParser::feed(std::span<const std::uint8_t> bytes) {
    if (!error_.empty()) return;
    if (consumed_ > 0 && consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    } else if (consumed_ > (1u << 20)) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    parse();
}

std::vector<Record> CaptureParser::take() {
    return std::exchange(ready_, {});
}

bool CaptureParser::fail(const std::string& why) {
    error_ = fmt::format("capture stream offset {}: {}", offset_, why);
    return false;
}

void CaptureParser::parse() {
    while (error_.empty()) {
        const std::uint8_t* p = buffer_.data() + consumed_;
        std::size_t avail = buffer_.size() - consumed_;
        // A stream header: the first, or a later boot's at a record boundary
        // (no record starts with the magic: read as a size it is too large).
        if (!header_ ||
            (avail >= OYSTER_CAP_MAGIC_LEN && std::memcmp(p, OYSTER_CAP_MAGIC, OYSTER_CAP_MAGIC_LEN) == 0)) {
            if (avail < sizeof(oyster_cap_stream_header)) return;
            auto h = load<oyster_cap_stream_header>(p);
            if (std::memcmp(h.magic, OYSTER_CAP_MAGIC, OYSTER_CAP_MAGIC_LEN) != 0) {
                fail("not an Oyster capture stream (bad magic)");
                return;
            }
            if (h.version != OYSTER_CAP_VERSION) {
                fail(fmt::format("capture version {} is not supported (expected {})", h.version, OYSTER_CAP_VERSION));
                return;
            }
            if (h.header_size != sizeof(oyster_cap_stream_header)) {
                fail(fmt::format("stream header size {} is not {}", h.header_size, sizeof(oyster_cap_stream_header)));
                return;
            }
            if (header_) {
                ++boots_;
            } else {
                header_ = StreamHeader{h.version, h.boot_realtime_ns, h.exec_content_limit};
            }
            consumed_ += sizeof(h);
            offset_ += sizeof(h);
            continue;
        }
        if (avail < sizeof(oyster_cap_record)) return;
        auto r = load<oyster_cap_record>(p);
        if (r.size < sizeof(oyster_cap_record) || r.size > OYSTER_CAP_MAX_RECORD || r.size % 8 != 0) {
            fail(fmt::format("record size {} is invalid", r.size));
            return;
        }
        if (avail < r.size) return;
        Actor a;
        a.boot = boots_;
        a.seq = r.seq;
        a.time_ns = r.time_ns;
        a.flags = r.flags;
        a.pid = r.pid;
        a.tgid = r.tgid;
        a.ppid = r.ppid;
        a.uid = r.uid;
        a.euid = r.euid;
        a.gid = r.gid;
        a.egid = r.egid;
        a.tty = r.tty;
        a.comm.assign(r.comm, strnlen(r.comm, sizeof r.comm));
        a.end_offset = offset_ + r.size;
        std::string why;
        auto body = parse_body(r.type, r.flags,
                               Payload(p + sizeof(oyster_cap_record), r.size - sizeof(oyster_cap_record)), why);
        if (!body) {
            fail(fmt::format("record seq {} type {}: {}", r.seq, r.type, why));
            return;
        }
        if (auto* u = std::get_if<UnknownRecord>(&*body)) u->size = r.size;
        ready_.push_back(Record{std::move(a), std::move(*body)});
        consumed_ += r.size;
        offset_ += r.size;
    }
}

// Indexed by the enum value; the parser admits only values in range.
const char* file_op_name(FileOp op) {
    static constexpr const char* names[] = {"open_write", "unlink", "rmdir", "rename", "link",    "symlink",
                                            "mkdir",      "mknod",  "chmod", "chown",  "truncate"};
    static_assert(std::size(names) == OYSTER_CAP_FILE_OP_MAX, "a file op has no name");
    auto i = static_cast<std::size_t>(op) - 1;
    return i < std::size(names) ? names[i] : "unknown";
}

const char* syscall_kind_name(SyscallKind kind) {
    static constexpr const char* names[] = {"mount", "module", "ptrace"};
    static_assert(std::size(names) == OYSTER_CAP_SYSCALL_CLASS_MAX, "a syscall kind has no name");
    auto i = static_cast<std::size_t>(kind) - 1;
    return i < std::size(names) ? names[i] : "unknown";
}

std::uint32_t dev_major(std::uint32_t dev) {
    return (dev & 0xfff00) >> 8;
}
std::uint32_t dev_minor(std::uint32_t dev) {
    return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

std::string tty_name(std::uint32_t dev) {
    if (dev == 0) return "";
    std::uint32_t major = dev_major(dev), minor = dev_minor(dev);
    // Unix98 pty slaves: majors 136-143, /dev/pts/N.
    if (major >= 136 && major <= 143) return fmt::format("pts/{}", (major - 136) * 256 + minor);
    if (major == 4 && minor < 64) return fmt::format("tty{}", minor);
    if (major == 4) return fmt::format("ttyS{}", minor - 64);
    if (major == 5 && minor == 1) return "console";
    return fmt::format("tty{}:{}", major, minor);
}

}  // namespace oyster::capture
