// The output of selftest/stealth-probe.sh, split into its sections. A guest
// wrote it, so it is hostile input: only lines that carry this run's nonce
// start a section, names are short and plain, and the number of sections
// and the bytes kept are bounded.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace oyster {

struct ProbeSection {
    std::string text;
    // The probe's exit status; nullopt when the script printed none.
    std::optional<int> status;
};

struct ProbeOutput {
    std::map<std::string, ProbeSection, std::less<>> sections;
    // The script reached its end marker (a cut-off run is a failure).
    bool complete = false;

    // The section's text, or "" when there is none.
    std::string_view text(std::string_view name) const;
    // Status of a section; nullopt when absent or not reported.
    std::optional<int> status(std::string_view name) const;
};

inline constexpr std::size_t kMaxProbeSections = 256;
inline constexpr std::size_t kMaxProbeSectionBytes = 1 << 20;

ProbeOutput parse_probe_output(std::string_view text, std::string_view nonce);

// A section of "name value" lines (the value is the rest of the line), in
// order; a name may repeat. Lines without a space are skipped.
std::multimap<std::string, std::string, std::less<>> probe_fields(std::string_view section);

}  // namespace oyster
