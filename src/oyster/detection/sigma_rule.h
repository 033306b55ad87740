// A Sigma rule (https://sigmahq.io, specification 2.0) as Oyster loads it:
// its metadata, its log source and its detection, compiled.
//
// The detection's named selections are either a map of field tests, all of
// which must hold, a list of such maps (any of them), or a list of
// keywords (any of them in any field of the event). The condition joins
// them (sigma_condition.h); each field test is sigma_value.h's. What the
// rule asks that Oyster cannot do is a SigmaRuleError at load, naming
// the construct: multi-document rules, `timeframe` and aggregations,
// unknown modifiers, patterns RE2 cannot run, more values or patterns
// than the bounds below. (Fields the log source's
// mapping does not have are the rule set's to refuse: sigma_ruleset.h.)
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/detection/sigma_condition.h"
#include "oyster/detection/sigma_event.h"
#include "oyster/detection/sigma_value.h"

namespace oyster::detection {

struct SigmaLogSource {
    std::string product, category, service;
};

struct Selection {
    std::string name{};
    // Any of these, each every one of its tests; or, for keywords, any
    // keyword test (field name empty) holding for any field.
    std::vector<std::vector<FieldTest>> alternatives{};
    bool keywords = false;
};

// A text a field holds (its lower-case value contains it).
struct RequiredLiteral {
    std::string field, text;
    bool operator==(const RequiredLiteral&) const = default;
};

struct SigmaRule {
    std::string file;  // where it was loaded from
    std::string id, title, description, status;
    std::string level = "medium";   // informational, low, medium, high, critical
    std::vector<std::string> tags;  // "attack.persistence", "attack.t1053.003"
    SigmaLogSource logsource;
    std::vector<Selection> selections;
    Condition condition;
    std::vector<std::string> fields;  // every field a test names, once each

    bool matches(const SigmaEvent& event) const;
    // The ATT&CK technique ids among the tags, upper-case ("T1053.003").
    std::vector<std::string> techniques() const;
    // Literals one of which an event holds whenever the rule matches it;
    // none when the rule can match without any (a negation alone, a
    // regular expression, keywords, ...). What the rule set's prefilter
    // indexes: an event holding none of them is not tested at all.
    std::optional<std::vector<RequiredLiteral>> required_literals() const;
};

// A rule's bounds: a rule set from the internet must not take the sensor's
// memory (each pattern needing RE2 may take kRegexMemory).
inline constexpr std::size_t kMaxValuesPerRule = 4096;
inline constexpr std::size_t kMaxRegexesPerRule = 64;

// Parses one rule from `yaml`; `file` is only for messages and the rule's
// record. Throws SigmaRuleError.
SigmaRule parse_sigma_rule(std::string_view yaml, const std::string& file);

}  // namespace oyster::detection
