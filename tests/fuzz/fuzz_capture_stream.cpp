// The capture stream is written by a guest kernel an attacker may control.
// Feeds arbitrary bytes to the parser in arbitrary pieces, and every record
// it accepts to the event builder.
#include <cstddef>
#include <cstdint>
#include <span>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    oyster::capture::CaptureParser parser;
    // The first byte picks the piece size, as reads from a pipe would vary.
    std::size_t step = size > 0 ? (data[0] % 64) + 1 : 1;
    for (std::size_t i = 0; i < size; i += step) {
        parser.feed(std::span(data + i, std::min(step, size - i)));
        for (const auto& r : parser.take()) {
            if (auto e = oyster::capture::CaptureDecoder::event_for(r)) {
                auto text = e->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                if (text.empty()) __builtin_trap();
            }
        }
    }
    return 0;
}
