// The frames on a guest's tap are the guest's to write. Input: frames, each
// a 2-byte big-endian length then that many bytes, fed to one inspector
// (guest 10.0.0.2) a millisecond apart, then the capture's end. nDPI reads
// each flow's packets; the inspector parses every header with bounds
// checks; neither may read past a frame, and the tracked flows stay within
// their bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "oyster/detection/flow_inspector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto ndpi = oyster::detection::make_ndpi_module();
    oyster::detection::FlowInspector inspector(
        ndpi,
        {.guest_ip = *oyster::parse_ipv4("10.0.0.2"),
         .scan_addresses = 8,
         .scan_ports = 8,
         .flood_packets_per_second = 10},
        [](oyster::events::Flow) {}, [](oyster::events::Alert) {});
    std::int64_t t = 1'700'000'000'000'000;
    std::size_t at = 0;
    while (size - at >= 2) {
        std::size_t len = (std::size_t{data[at]} << 8) | data[at + 1];
        at += 2;
        if (len > size - at) len = size - at;
        inspector.packet(t += 1000, std::span(data + at, len));
        at += len;
        if (inspector.tracked_flows() > oyster::detection::FlowInspector::kMaxFlows) std::abort();
    }
    inspector.finish(t + 120'000'000);
    if (inspector.tracked_flows() != 0) std::abort();
    return 0;
}
