// The console writer: drains a guest's console (the UML process's stdout
// and stderr, a pipe) into console.log, up to a quota.
//
// The guest's root can write to /dev/console as fast as it likes; written
// straight to a file, the console was bounded only by the UML process's
// file-size limit (about the guest's disk). `oyster-capture-writer
// --console` runs outside the jail, like the capture's writer, and stops
// writing at `guest.console_max_mib`: it appends one line saying so
// (kConsoleQuotaNote) and reads on, discarding, until the stream ends, so
// the guest goes on (its console is not its record: its terminals are in
// the capture). A failed write (a full disk) is handled the same way. A
// console that already holds the quota when the writer starts (a dormant
// guest woken) keeps nothing more.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace oyster::capture {

// The descriptor the console writer reads the guest's console from.
inline constexpr int kConsoleWriterInputFd = 3;
// The line the writer appends at the quota (the sensor looks for none: it
// compares the file's size with the quota).
inline constexpr const char* kConsoleQuotaNote = "\n[console quota reached: later output discarded]\n";

struct ConsoleCopyResult {
    std::uint64_t written = 0;    // bytes appended (the note not counted)
    std::uint64_t discarded = 0;  // bytes read and dropped
    bool quota = false;           // the file reached max_bytes
    std::string error;            // the write that failed, if one did
};

// Copies `in_fd` to `out_fd` (a file that holds `start_size` bytes) until
// the stream ends, the file never growing past `max_bytes` plus the note.
ConsoleCopyResult copy_console_stream(int in_fd, int out_fd, std::uint64_t start_size, std::uint64_t max_bytes);

// The writer's whole run: opens (creating, 0640) `console_file` for
// appending and copies `in_fd` into it. Returns the exit status (0 when the
// stream ended, whatever was discarded); says what happened on `log`.
int run_console_writer(int in_fd, const std::filesystem::path& console_file, std::uint64_t max_bytes, std::FILE* log);

}  // namespace oyster::capture
