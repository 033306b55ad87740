// The capture writer: the only process that writes a guest's capture.
//
// The guest kernel (a UML process) used to append its records straight to
// capture.bin. After an escape into that process its root could then rewrite
// the record through the descriptor (a copy passed over a unix socket
// escapes every rule keyed by descriptor number). Now the UML process holds
// only the write end of a pipe; `oyster-capture-writer`, started outside the
// jail in a session of its own, drains the pipe into capture.bin and stamps
// what it appended with the host's clock in capture.times
// (receive_times.h). What reached the writer cannot be changed from the
// guest's side: a pipe cannot be truncated, seeked or rewritten.
//
// The writer parses nothing: it copies bytes. It ends at the end of the
// stream (every process holding the write end gone), so the sensor waits for
// it before decoding, and it outlives a sensor restart. When it cannot write
// it exits, which breaks the pipe and so stops the guest: a honeypot that
// cannot record must not go on serving. So it does when the file reaches
// its quota (`--max-bytes`, capture.max_mib): it says so on its log
// (kQuotaMessage) and exits with kQuotaExitStatus.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

namespace oyster::capture {

// The descriptor the writer reads the stream from.
inline constexpr int kCaptureWriterInputFd = 3;
// The writer reads at most about this often, stamping each read: records
// gather in the pipe meanwhile (a reader waiting on a pipe is woken by
// every write, which the guest pays for).
inline constexpr std::uint64_t kStampIntervalNs = 1'000'000;
inline constexpr int kQuotaExitStatus = 3;
// What the writer's log says when the quota ended the capture.
inline constexpr const char* kQuotaMessage = "capture quota reached";

struct CaptureCopyResult {
    std::uint64_t bytes = 0, stamps = 0;
    std::string error;   // empty: the stream ended
    bool quota = false;  // the file reached max_bytes (error says so too)
};

// Copies `in_fd` to `capture_fd` (which ends at `start_offset`) until the end
// of the stream, or until the file holds `max_bytes` or more (the read
// that crosses it is written whole), stamping `times_fd` with `now_ns()`
// (CLOCK_REALTIME by default).
CaptureCopyResult copy_capture_stream(int in_fd, int capture_fd, int times_fd, std::uint64_t start_offset,
                                      std::uint64_t max_bytes = UINT64_MAX,
                                      const std::function<std::uint64_t()>& now_ns = {});

// The writer's whole run: opens (creating, 0600) `capture_file` and
// `times_file` for appending and copies `in_fd` into them. Returns the exit
// status; says what happened on `log`.
int run_capture_writer(int in_fd, const std::filesystem::path& capture_file, const std::filesystem::path& times_file,
                       std::uint64_t max_bytes, std::FILE* log);

// Where `oyster-capture-writer` is: beside the running `oyster` binary.
std::filesystem::path capture_writer_program();

}  // namespace oyster::capture
