// `oyster replay` reads recordings from an evidence directory a guest's
// kernel fed: any bytes must play or be refused with an error, never crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "oyster/capture/tty_replay.h"
#include "oyster/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    std::ostringstream out;
    oyster::capture::ReplayOptions options;
    options.instant = true;
    options.raw = true;  // every byte written: the count below holds (fuzz_replay_filter checks the filter)
    try {
        auto stats = oyster::capture::play_asciicast(in, out, options, "fuzz.cast");
        if (stats.output_bytes != out.str().size()) __builtin_trap();
    } catch (const oyster::Error&) {
    }
    return 0;
}
