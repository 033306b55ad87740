// Builds capture streams byte by byte, the way the guest kernel writes them,
// for the parser and decoder tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "oyster/capture/wire/oyster_capture.h"
}

namespace oyster::capture::testing {

class StreamBuilder {
public:
    explicit StreamBuilder(bool with_header = true) {
        if (!with_header) return;
        oyster_cap_stream_header h{};
        std::memcpy(h.magic, OYSTER_CAP_MAGIC, OYSTER_CAP_MAGIC_LEN);
        h.version = OYSTER_CAP_VERSION;
        h.header_size = sizeof h;
        h.boot_realtime_ns = 1764172800000000000ULL;  // 2025-11-26T16:00:00Z
        h.exec_content_limit = 16 << 20;
        append(&h, sizeof h);
    }

    // Appends a record; returns its seq. `size_override` forges the size field.
    std::uint64_t record(std::uint16_t type, std::uint16_t flags, const std::string& payload, std::uint32_t pid = 100,
                         std::int64_t size_override = -1) {
        oyster_cap_record r{};
        std::size_t used = sizeof r + payload.size();
        std::size_t size = (used + 7) / 8 * 8;
        r.size = size_override >= 0 ? static_cast<std::uint32_t>(size_override) : static_cast<std::uint32_t>(size);
        r.type = type;
        r.flags = flags;
        r.seq = next_seq++;
        r.time_ns = 1764172800000000000ULL + r.seq * 1000000ULL;
        r.pid = pid;
        r.tgid = pid;
        r.ppid = 1;
        r.uid = r.euid = r.gid = r.egid = 0;
        r.tty = (136 << 8) | 0;  // pts/0
        std::memcpy(r.comm, "bash", 4);
        append(&r, sizeof r);
        bytes.insert(bytes.end(), payload.begin(), payload.end());
        bytes.resize(bytes.size() + (size - used), 0);
        return r.seq;
    }

    template <typename T>
    static std::string pod(const T& v) {
        return std::string(reinterpret_cast<const char*>(&v), sizeof v);
    }

    std::uint64_t exec(const std::string& filename, const std::vector<std::string>& argv, std::uint64_t file_size,
                       std::uint16_t flags, std::uint32_t pid = 100) {
        oyster_cap_exec e{};
        std::string args;
        for (const auto& a : argv) args += a + '\0';
        e.file_size = file_size;
        e.ino = 42;
        e.dev = (8 << 8) | 1;
        e.mode = 0100755;
        e.argc = static_cast<std::uint32_t>(argv.size());
        e.filename_len = static_cast<std::uint32_t>(filename.size());
        e.path_len = static_cast<std::uint32_t>(filename.size());
        e.cwd_len = 5;
        e.argv_len = static_cast<std::uint32_t>(args.size());
        return record(OYSTER_CAP_EXEC, flags, pod(e) + filename + filename + "/root" + args, pid);
    }

    // A file about to lose its content to `syscall` (87: unlink).
    std::uint64_t kept(const std::string& path, std::uint64_t file_size, std::uint16_t flags,
                       std::uint32_t syscall = 87, std::uint64_t ino = 43) {
        oyster_cap_kept k{};
        k.file_size = file_size;
        k.ino = ino;
        k.dev = (8 << 8) | 1;
        k.mode = 0100644;
        k.syscall = syscall;
        k.path_len = static_cast<std::uint32_t>(path.size());
        return record(OYSTER_CAP_KEPT, flags, pod(k) + path);
    }

    void content(std::uint64_t exec_seq, std::uint64_t offset, std::uint64_t total, const std::string& data,
                 bool last) {
        oyster_cap_exec_content c{};
        c.exec_seq = exec_seq;
        c.offset = offset;
        c.total = total;
        c.len = static_cast<std::uint32_t>(data.size());
        record(OYSTER_CAP_EXEC_CONTENT, last ? OYSTER_CAP_CONTENT_LAST : 0, pod(c) + data);
    }

    void tty(std::uint16_t type, const std::string& data) {
        oyster_cap_tty t{};
        t.tty = (136 << 8) | 0;
        t.len = static_cast<std::uint32_t>(data.size());
        record(type, 0, pod(t) + data);
    }

    // A connect() to an IPv4 address: remote as passed, local as bound.
    void connect4(std::int64_t result, const std::uint8_t ip[4], std::uint16_t port) {
        oyster_cap_socket so{};
        so.result = result;
        so.syscall = 42;
        so.fd = 3;
        so.family = 2;
        so.sock_type = 1;
        so.protocol = 6;
        std::string remote(16, '\0');
        remote[0] = 2;
        remote[2] = static_cast<char>(port >> 8);
        remote[3] = static_cast<char>(port & 0xff);
        std::memcpy(remote.data() + 4, ip, 4);
        std::string local = remote;
        local[2] = static_cast<char>(0xc0);
        so.local_len = so.remote_len = 16;
        record(OYSTER_CAP_SOCKET, 0, pod(so) + local + remote);
    }

    void file(std::uint32_t op, std::uint32_t syscall, std::int64_t result, const std::string& path,
              const std::string& path2 = "") {
        oyster_cap_file f{};
        f.result = result;
        f.syscall = syscall;
        f.op = op;
        f.mode = 0755;
        f.owner = f.group = 0xffffffffU;
        f.path_len = static_cast<std::uint32_t>(path.size());
        f.path2_len = static_cast<std::uint32_t>(path2.size());
        record(OYSTER_CAP_FILE, 0, pod(f) + path + path2);
    }

    void append(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }

    std::vector<std::uint8_t> bytes;
    std::uint64_t next_seq = 0;
};

}  // namespace oyster::capture::testing
