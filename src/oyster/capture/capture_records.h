// Typed, validated records of the capture channel (wire format:
// wire/oyster_capture.h, documented in docs/capture-format.md).
//
// CaptureParser turns the byte stream a guest kernel wrote into these
// records. The guest kernel may be controlled by an attacker, so the parser
// trusts nothing: every size and length is checked against the record and
// the stream, strings are copied, unknown record types are passed on as
// such, and a malformed record ends the stream with an error instead of a
// guess at where the next one starts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace oyster::capture {

struct StreamHeader {
    std::uint32_t version = 0;
    std::uint64_t boot_realtime_ns = 0;
    std::uint64_t exec_content_limit = 0;
};

// Who did it: the common header of every record.
struct Actor {
    // Which boot of the guest wrote it: a guest woken from its own disk
    // appends a new stream (header, records from seq 0) to the same file.
    std::uint32_t boot = 0;
    std::uint64_t seq = 0;
    std::uint64_t time_ns = 0;
    std::uint16_t flags = 0;
    std::uint32_t pid = 0, tgid = 0, ppid = 0;
    std::uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
    std::uint32_t tty = 0;  // new_encode_dev() of the controlling tty, 0: none
    std::string comm;
    // Stream offset just past the record: where it ends in capture.bin, which
    // is what the host's receive times are keyed by (receive_times.h).
    std::uint64_t end_offset = 0;
};

struct ExecRecord {
    std::uint64_t file_size = 0, ino = 0, mtime_ns = 0;
    std::uint32_t dev = 0, mode = 0, argc = 0;
    std::string filename, path, cwd;
    std::vector<std::string> argv;
    bool argv_truncated = false, content_follows = false, content_sent_before = false;
};

struct ExecContentRecord {
    std::uint64_t exec_seq = 0, offset = 0, total = 0;
    bool last = false;
    std::vector<std::uint8_t> data;
};

// A fork's clone_flags bit that makes the child a thread of its parent.
inline constexpr std::uint64_t kCloneThread = 0x00010000;

struct ForkRecord {
    std::uint64_t clone_flags = 0;
    std::uint32_t child_pid = 0, child_tgid = 0;
};

struct ExitRecord {
    std::int32_t code = 0;
    bool thread_group_dead = false;
};

enum class TtyKind { input, output, open, close };

struct TtyRecord {
    TtyKind kind = TtyKind::input;
    std::uint32_t tty = 0;
    std::vector<std::uint8_t> data;
};

struct HoneylogRecord {
    std::vector<std::uint8_t> data;
};

// A datagram sent to the system log's sockets (OYSTER_CAP_LOG).
struct LogRecord {
    std::uint32_t socket = 0;  // OYSTER_CAP_LOG_SYSLOG or OYSTER_CAP_LOG_JOURNAL
    bool truncated = false;    // longer than OYSTER_CAP_LOG_MAX
    std::vector<std::uint8_t> data;
};

struct DroppedRecord {
    std::uint32_t type = 0;
    std::uint64_t bytes = 0;
};

// A credential set (see struct oyster_cap_ids).
struct CredIds {
    std::uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
    std::uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
    bool operator==(const CredIds&) const = default;
};

// A set*id/setgroups/capset call and what it changed.
struct CredRecord {
    std::int64_t result = 0;
    std::uint32_t syscall = 0;
    std::uint64_t args[3] = {};
    CredIds before, after;
    std::uint64_t cap_effective_before = 0, cap_effective_after = 0;
};

// connect/accept/accept4/bind/listen. Addresses are raw struct sockaddr
// bytes as the guest sent them (socket_address.h renders them).
struct SocketRecord {
    std::int64_t result = 0;
    std::uint32_t syscall = 0;
    std::int32_t fd = 0;
    std::uint16_t family = 0, sock_type = 0, protocol = 0;
    std::vector<std::uint8_t> local, remote;
};

enum class FileOp : std::uint32_t {
    open_write = 1,
    unlink,
    rmdir,
    rename,
    link,
    symlink,
    mkdir,
    mknod,
    chmod,
    chown,
    truncate,
};
const char* file_op_name(FileOp op);

struct FileRecord {
    std::int64_t result = 0;
    std::uint32_t syscall = 0;
    FileOp op = FileOp::open_write;
    std::uint32_t flags = 0, mode = 0, owner = 0, group = 0;
    std::uint64_t length = 0;
    std::string path, path2;
};

enum class SyscallKind : std::uint32_t { mount = 1, module, ptrace };
const char* syscall_kind_name(SyscallKind kind);

// mount/module/ptrace family calls: raw arguments and string arguments.
struct SyscallRecord {
    std::int64_t result = 0;
    std::uint32_t syscall = 0;
    SyscallKind kind = SyscallKind::mount;
    std::uint64_t args[6] = {};
    std::vector<std::string> strings;
};

// A file this guest wrote, about to lose its content to `syscall` (an
// unlink, truncation or rename over it); its content follows as
// ExecContentRecords naming this record's seq when content_follows.
struct KeptRecord {
    std::uint64_t file_size = 0, ino = 0, mtime_ns = 0;
    std::uint32_t dev = 0, mode = 0, syscall = 0;
    std::string path;
    bool content_follows = false, content_sent_before = false, over_budget = false;
};

struct UnknownRecord {
    std::uint16_t type = 0;
    std::uint32_t size = 0;
};

using RecordBody =
    std::variant<ExecRecord, ExecContentRecord, ForkRecord, ExitRecord, TtyRecord, HoneylogRecord, LogRecord,
                 DroppedRecord, CredRecord, SocketRecord, FileRecord, SyscallRecord, KeptRecord, UnknownRecord>;

struct Record {
    Actor actor;
    RecordBody body;
};

// Incremental parser: feed() bytes as they arrive, take() complete records.
class CaptureParser {
public:
    // Appends bytes; parses what is complete. After an error, further input
    // is ignored and error() says what was wrong and at which offset.
    void feed(std::span<const std::uint8_t> bytes);

    // Records parsed so far and not yet taken.
    std::vector<Record> take();

    // The first boot's header; later boots' headers are counted in boots().
    const std::optional<StreamHeader>& header() const { return header_; }
    std::uint32_t boots() const { return boots_; }
    const std::string& error() const { return error_; }
    // Bytes received that do not yet form a whole record (0 at a clean end).
    std::size_t pending_bytes() const { return buffer_.size() - consumed_; }
    std::uint64_t stream_offset() const { return offset_; }

private:
    void parse();
    bool fail(const std::string& why);

    std::vector<std::uint8_t> buffer_;
    std::size_t consumed_ = 0;
    std::uint64_t offset_ = 0;  // stream offset of buffer_[consumed_]
    std::optional<StreamHeader> header_;
    std::uint32_t boots_ = 0;
    std::vector<Record> ready_;
    std::string error_;
};

// Device number helpers (Linux new_encode_dev()).
std::uint32_t dev_major(std::uint32_t dev);
std::uint32_t dev_minor(std::uint32_t dev);
// "pts/3" for a pseudo-terminal, "tty4:64" otherwise, "" for 0.
std::string tty_name(std::uint32_t dev);

}  // namespace oyster::capture
