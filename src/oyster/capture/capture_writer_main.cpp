// oyster-capture-writer: drains one guest's capture stream (descriptor 3)
// into its capture file, or with --console its console into console.log.
// Started by `oyster` for each guest; see capture_writer.h and
// console_writer.h.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "oyster/capture/capture_writer.h"
#include "oyster/capture/console_writer.h"

namespace {

constexpr const char* kUsage =
    "usage: oyster-capture-writer CAPTURE_FILE TIMES_FILE [MAX_BYTES]\n"
    "       oyster-capture-writer --console CONSOLE_FILE MAX_BYTES (see --help)\n";

std::optional<std::uint64_t> positive(const char* text) {
    char* end = nullptr;
    errno = 0;
    std::uint64_t v = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v == 0 || text[0] == '-') {
        std::fprintf(stderr, "oyster-capture-writer: MAX_BYTES \"%s\" is not a positive number\n", text);
        return std::nullopt;
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::printf(
            "Usage: oyster-capture-writer CAPTURE_FILE TIMES_FILE [MAX_BYTES]\n"
            "       oyster-capture-writer --console CONSOLE_FILE MAX_BYTES\n\n"
            "Copies the capture stream on descriptor 3 (the read end of the pipe a\n"
            "guest kernel writes to) to CAPTURE_FILE until the stream ends, and stamps\n"
            "what it appended with the host's clock in TIMES_FILE. Stops (exit 3) when\n"
            "CAPTURE_FILE holds MAX_BYTES.\n\n"
            "With --console, copies the guest's console on descriptor 3 to\n"
            "CONSOLE_FILE; at MAX_BYTES it notes the quota in the file and discards\n"
            "the rest until the stream ends.\n\n"
            "Started by oyster for each guest; not meant to be run by hand. See\n"
            "docs/capture-format.md.\n");
        return 0;
    }
    // A terminal's or a session's signals are not the end of the stream.
    std::signal(SIGHUP, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && std::strcmp(argv[1], "--console") == 0) {
        if (argc != 4) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        auto max_bytes = positive(argv[3]);
        if (!max_bytes) return 2;
        return oyster::capture::run_console_writer(oyster::capture::kConsoleWriterInputFd, argv[2], *max_bytes, stderr);
    }
    std::uint64_t max_bytes = UINT64_MAX;
    if (argc == 4) {
        auto given = positive(argv[3]);
        if (!given) return 2;
        max_bytes = *given;
    } else if (argc != 3) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    return oyster::capture::run_capture_writer(oyster::capture::kCaptureWriterInputFd, argv[1], argv[2], max_bytes,
                                               stderr);
}
