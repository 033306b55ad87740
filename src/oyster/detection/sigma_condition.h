// A Sigma rule's `condition`: named selections joined by `and`, `or`,
// `not` and parentheses, and `1 of PATTERN`, `all of PATTERN`, `N of ...`,
// where PATTERN is a selection name with `*` wildcards or `them` (every
// selection). Aggregations (`| count() > 5`, `near`) are not supported and
// are a load error, as is a name no selection has or a pattern none fits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace oyster::detection {

struct Condition {
    enum class Kind { selection, negation, every, at_least };
    Kind kind = Kind::selection;
    std::size_t selection = 0;  // selection: its index in the rule
    std::size_t count = 1;      // at_least: how many children must hold
    std::vector<Condition> children{};

    // `selection_matches(i)` tests the rule's i-th selection; it is called
    // at most as often as the expression needs (and, or short-circuit). A
    // template, not a std::function: it runs per rule per event.
    template <class SelectionMatches>
    bool evaluate(SelectionMatches& selection_matches) const {
        switch (kind) {
            case Kind::selection:
                return selection_matches(selection);
            case Kind::negation:
                return !children.front().evaluate(selection_matches);
            case Kind::every:
                for (const auto& c : children) {
                    if (!c.evaluate(selection_matches)) return false;
                }
                return true;
            case Kind::at_least: {
                std::size_t held = 0;
                for (const auto& c : children) {
                    if (c.evaluate(selection_matches) && ++held >= count) return true;
                }
                return false;
            }
        }
        return false;
    }
};

// Parses `text` over the rule's selection names (in their order). Throws
// SigmaRuleError saying what is wrong where.
Condition parse_condition(std::string_view text, const std::vector<std::string>& selections);

}  // namespace oyster::detection
