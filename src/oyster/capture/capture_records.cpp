#include "oyster/capture/capture_records.h"

#include <cstring>
#include <utility>

#include <fmt/format.h>

extern "C" {
#include "oyster/capture/wire/oyster_capture.h"
}

namespace oyster::capture {
namespace {

static_assert(sizeof(oyster_cap_record) == 72, "wire header size changed");
static_assert(sizeof(oyster_cap_stream_header) == 32, "stream header size changed");

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

std::optional<RecordBody> parse_body(std::uint16_t type, std::uint16_t flags, Payload p, std::string& why) {
    switch (type) {
        case OYSTER_CAP_EXEC: {
            oyster_cap_exec e{};
            if (!p.read(e)) return why = "exec payload too short", std::nullopt;
            ExecRecord r;
            r.file_size = e.file_size;
            r.ino = e.ino;
            r.mtime_ns = e.mtime_ns;
            r.dev = e.dev;
            r.mode = e.mode;
            r.argc = e.argc;
            std::string argv;
            if (!p.string(e.filename_len, r.filename) || !p.string(e.path_len, r.path) || !p.string(e.cwd_len, r.cwd) ||
                !p.string(e.argv_len, argv)) {
                return why = "exec strings overrun the record", std::nullopt;
            }
            if (!p.only_padding_left()) return why = "exec record has trailing bytes", std::nullopt;
            r.argv = split_argv(argv);
            r.argv_truncated = (flags & OYSTER_CAP_EXEC_ARGV_TRUNCATED) != 0;
            r.content_follows = (flags & OYSTER_CAP_EXEC_CONTENT_FOLLOWS) != 0;
            r.content_sent_before = (flags & OYSTER_CAP_EXEC_CONTENT_SENT) != 0;
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
        case OYSTER_CAP_DROPPED: {
            oyster_cap_dropped d{};
            if (!p.read(d) || !p.only_padding_left()) return why = "bad dropped payload", std::nullopt;
            return DroppedRecord{d.type, d.bytes};
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
        if (!header_) {
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
            header_ = StreamHeader{h.version, h.boot_realtime_ns, h.exec_content_limit};
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
