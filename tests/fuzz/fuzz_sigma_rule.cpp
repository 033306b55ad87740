// Sigma rules are an operator's files, but an operator points Oyster at
// rule sets from the internet; and the events they are matched against
// are an intruder's words. Input: a rule's YAML, then after a NUL byte the
// values of an event's fields, separated by newlines. The rule is loaded
// (errors are expected) and, when it loads, matched against that event in
// every category Oyster feeds. A rule that matches must hold one of the
// literals the rule set's prefilter indexes it by: else the prefilter
// would hide a match.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oyster/detection/capture_mapping.h"
#include "oyster/detection/sigma_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nul = input.find('\0');
    std::string_view yaml = input.substr(0, nul);
    std::string_view values = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
    oyster::detection::SigmaRule rule;
    try {
        rule = oyster::detection::parse_sigma_rule(yaml, "fuzz.yml");
    } catch (const oyster::detection::SigmaRuleError&) {
        return 0;
    }
    for (auto category : oyster::detection::fed_categories()) {
        oyster::detection::SigmaEvent event(category);
        std::string_view rest = values;
        for (auto name : *oyster::detection::category_fields(category)) {
            auto nl = rest.find('\n');
            event.set(name, std::string(rest.substr(0, nl)));
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        if (!rule.matches(event)) continue;
        if (auto literals = rule.required_literals()) {
            bool held = false;
            for (const auto& l : *literals) {
                const auto* v = event.get(l.field);
                held = held || (v != nullptr && v->lower.find(l.text) != std::string::npos);
            }
            if (!held) __builtin_trap();
        }
    }
    return 0;
}
