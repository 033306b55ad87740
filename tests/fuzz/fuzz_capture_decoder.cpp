// The stateful decoder runs in the sensor on a stream a guest's root may
// have forged: any records, for any number of terminals and executed files
// at once. After every record its open terminals, open files and pending
// contents stay within its bounds; nothing crashes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_records.h"

namespace {

std::filesystem::path g_work_dir;

// A directory of its own, removed when the fuzzer exits.
const std::filesystem::path& work_dir() {
    if (g_work_dir.empty()) {
        char tmpl[] = "/tmp/fuzz-capture-decoder-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) std::abort();
        g_work_dir = tmpl;
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(g_work_dir, ec);
        });
    }
    return g_work_dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using oyster::capture::CaptureDecoder;
    auto out = work_dir() / "out";
    std::error_code ec;
    std::filesystem::remove_all(out, ec);
    oyster::capture::CaptureParser parser;
    {
        CaptureDecoder decoder(out);
        bool header = false;
        std::size_t step = size > 0 ? (data[0] % 97) + 1 : 1;
        for (std::size_t i = 0; i < size; i += step) {
            parser.feed(std::span(data + i, std::min(step, size - i)));
            if (!header && parser.header()) {
                decoder.on_header(*parser.header());
                header = true;
            }
            for (const auto& r : parser.take()) {
                decoder.on_record(r);
                if (decoder.tty_files_open() > CaptureDecoder::kMaxOpenTtyFiles ||
                    decoder.tty_sessions_open() > CaptureDecoder::kMaxTtySessions ||
                    decoder.contents_pending() > CaptureDecoder::kMaxPendingContents) {
                    __builtin_trap();
                }
            }
            decoder.flush();
        }
        decoder.finish(oyster::capture::stream_end_error(parser));
    }
    return 0;
}
