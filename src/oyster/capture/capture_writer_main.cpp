// oyster-capture-writer: drains one guest's capture stream (descriptor 3)
// into its capture file. Started by `oyster` for each guest; see
// capture_writer.h.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "oyster/capture/capture_writer.h"

int main(int argc, char** argv) {
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::printf(
            "Usage: oyster-capture-writer CAPTURE_FILE TIMES_FILE [MAX_BYTES]\n\n"
            "Copies the capture stream on descriptor 3 (the read end of the pipe a\n"
            "guest kernel writes to) to CAPTURE_FILE until the stream ends, and stamps\n"
            "what it appended with the host's clock in TIMES_FILE. Stops (exit 3) when\n"
            "CAPTURE_FILE holds MAX_BYTES. Started by oyster for each guest; not meant\n"
            "to be run by hand. See docs/capture-format.md.\n");
        return 0;
    }
    std::uint64_t max_bytes = UINT64_MAX;
    if (argc == 4) {
        char* end = nullptr;
        errno = 0;
        max_bytes = std::strtoull(argv[3], &end, 10);
        if (errno != 0 || end == argv[3] || *end != '\0' || max_bytes == 0) {
            std::fprintf(stderr, "oyster-capture-writer: MAX_BYTES \"%s\" is not a positive number\n", argv[3]);
            return 2;
        }
    } else if (argc != 3) {
        std::fprintf(stderr, "usage: oyster-capture-writer CAPTURE_FILE TIMES_FILE [MAX_BYTES] (see --help)\n");
        return 2;
    }
    // A terminal's or a session's signals are not the end of the stream.
    std::signal(SIGHUP, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    return oyster::capture::run_capture_writer(oyster::capture::kCaptureWriterInputFd, argv[1], argv[2], max_bytes,
                                               stderr);
}
