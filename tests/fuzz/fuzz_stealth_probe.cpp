// The stealth probe's output comes from inside a guest: a root there
// controls every byte. Parsing and judging it must stay in bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/selftest/probe_output.h"
#include "oyster/selftest/stealth_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto probe = oyster::parse_probe_output(text, "N0NCE");
    if (probe.sections.size() > oyster::kMaxProbeSections) __builtin_trap();
    for (const auto& [name, section] : probe.sections) {
        if (name.size() > 64 || section.text.size() > oyster::kMaxProbeSectionBytes) __builtin_trap();
    }
    (void)oyster::judge_stealth(probe, {"kvm"});
    return 0;
}
