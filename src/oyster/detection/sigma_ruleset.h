// The Sigma rules a sensor runs: loaded from directories (Oyster's
// rules/sigma and the operator's), kept by the log source they read, run
// against each event of that source.
//
// Loading never stops at a bad rule and never drops one silently: every
// file that does not load is a problem naming the file and the reason,
// either an error (the rule is wrong, or asks for a construct Oyster does
// not support: sigma_rule.h, sigma_value.h) or a skip (a log source Oyster
// does not feed, such as Windows or auditd). `oyster rules check` prints
// them, and the sensor logs them at start.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/detection/literal_scanner.h"
#include "oyster/detection/sigma_event.h"
#include "oyster/detection/sigma_rule.h"

namespace oyster::detection {

struct RuleProblem {
    std::string file;
    std::string reason;
    bool skipped = false;  // a source not fed; else the rule is in error
};

class SigmaRuleSet {
public:
    SigmaRuleSet() = default;
    SigmaRuleSet(SigmaRuleSet&& other) noexcept
        : rules_(std::move(other.rules_)),
          problems_(std::move(other.problems_)),
          category_of_(std::move(other.category_of_)) {}

    // A rule file larger than this is refused (rules are a few KiB).
    static constexpr std::size_t kMaxRuleBytes = std::size_t{1} << 20;

    // Every *.yml and *.yaml file under each directory, recursively, in
    // path order. A directory that does not exist is a problem too.
    static SigmaRuleSet load(const std::vector<std::filesystem::path>& dirs);

    // Adds one rule from its text: false (and a problem) if it is not added.
    bool add(std::string_view yaml, const std::string& file);

    const std::vector<SigmaRule>& rules() const { return rules_; }
    const std::vector<RuleProblem>& problems() const { return problems_; }
    std::size_t errors() const;

    // The rules that match `event`, in load order, appended to `out`.
    // Only rules the prefilter leaves are evaluated: a rule whose required
    // literals (SigmaRule::required_literals) the event holds none of
    // cannot match it. Safe from several threads.
    void match(const SigmaEvent& event, std::vector<const SigmaRule*>& out) const;

    // How many of a category's rules the prefilter cannot rule out for any
    // event (they require no literal), for the bench and tests.
    std::size_t unfiltered(std::string_view category) const;

private:
    // One category's rules and their prefilter.
    struct CategoryIndex {
        std::vector<std::size_t> rules;   // into rules_, in load order
        std::vector<std::size_t> always;  // positions in `rules` with no literal
        struct Field {
            std::string name;
            LiteralScanner scanner;
            std::vector<std::vector<std::size_t>> positions;  // by literal id
        };
        std::vector<Field> fields;
    };
    const CategoryIndex* index_of(std::string_view category) const;
    void build_index() const;

    std::vector<SigmaRule> rules_;
    std::vector<RuleProblem> problems_;
    std::vector<std::size_t> category_of_;  // by rule: its index in fed_categories()
    // Built at the first match after a rule was added (add() is not to run
    // beside match(): it takes a non-const set).
    mutable std::mutex index_mutex_;
    mutable std::atomic<bool> index_stale_ = true;
    mutable std::vector<CategoryIndex> index_;
};

// The directories [detection] names: Oyster's rules/sigma (unless
// builtin_sigma is off), then the operator's.
std::vector<std::filesystem::path> sigma_rule_dirs(const DetectionConfig& cfg);

}  // namespace oyster::detection
