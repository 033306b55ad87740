#include "oyster/detection/sigma_ruleset.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "oyster/common/paths.h"
#include "oyster/detection/capture_mapping.h"

namespace oyster::detection {
namespace {

// Which of fed_categories() a rule reads, or why it reads none of them.
std::optional<std::size_t> category_index(const SigmaLogSource& ls, std::string& why) {
    if (!ls.service.empty()) {
        why = fmt::format("log source service '{}' is not fed (Oyster feeds categories)", ls.service);
        return std::nullopt;
    }
    if (ls.product != "linux") {
        why = fmt::format("log source product '{}' is not fed (Oyster feeds linux)", ls.product);
        return std::nullopt;
    }
    const auto& cats = fed_categories();
    auto it = std::find(cats.begin(), cats.end(), ls.category);
    if (it == cats.end()) {
        why = fmt::format("log source category '{}' is not fed", ls.category);
        return std::nullopt;
    }
    return static_cast<std::size_t>(it - cats.begin());
}

}  // namespace

std::vector<std::filesystem::path> sigma_rule_dirs(const DetectionConfig& cfg) {
    std::vector<std::filesystem::path> dirs;
    if (cfg.builtin_sigma) dirs.push_back(data_dir() / "rules" / "sigma");
    dirs.insert(dirs.end(), cfg.sigma_rules.begin(), cfg.sigma_rules.end());
    return dirs;
}

SigmaRuleSet SigmaRuleSet::load(const std::vector<std::filesystem::path>& dirs) {
    SigmaRuleSet set;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            set.problems_.push_back({dir.string(), "not a directory", false});
            continue;
        }
        std::vector<std::filesystem::path> files;
        for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            auto ext = it->path().extension();
            if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml")) files.push_back(it->path());
        }
        if (ec) set.problems_.push_back({dir.string(), "cannot be read: " + ec.message(), false});
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            auto size = std::filesystem::file_size(f, ec);
            if (ec || size > kMaxRuleBytes) {
                set.problems_.push_back({f.string(), ec ? ec.message() : "larger than 1 MiB", false});
                continue;
            }
            std::ifstream in(f, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            if (!in) {
                set.problems_.push_back({f.string(), "cannot be read", false});
                continue;
            }
            set.add(text.str(), f.string());
        }
    }
    return set;
}

bool SigmaRuleSet::add(std::string_view yaml, const std::string& file) {
    SigmaRule rule;
    try {
        rule = parse_sigma_rule(yaml, file);
    } catch (const SigmaRuleError& e) {
        problems_.push_back({file, e.what(), false});
        return false;
    }
    std::string why;
    auto category = category_index(rule.logsource, why);
    if (!category) {
        problems_.push_back({file, why, true});
        return false;
    }
    const auto* known = category_fields(rule.logsource.category);
    for (const auto& f : rule.fields) {
        if (std::find(known->begin(), known->end(), f) == known->end()) {
            problems_.push_back(
                {file, fmt::format("field '{}' is not in the {} mapping", f, rule.logsource.category), false});
            return false;
        }
    }
    category_of_.push_back(*category);
    rules_.push_back(std::move(rule));
    index_stale_.store(true, std::memory_order_release);
    return true;
}

std::size_t SigmaRuleSet::errors() const {
    return static_cast<std::size_t>(
        std::count_if(problems_.begin(), problems_.end(), [](const RuleProblem& p) { return !p.skipped; }));
}

void SigmaRuleSet::build_index() const {
    index_.assign(fed_categories().size(), CategoryIndex{});
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        CategoryIndex& c = index_[category_of_[i]];
        std::size_t position = c.rules.size();
        c.rules.push_back(i);
        auto literals = rules_[i].required_literals();
        if (!literals) {
            c.always.push_back(position);
            continue;
        }
        for (const auto& l : *literals) {
            auto f = std::find_if(c.fields.begin(), c.fields.end(), [&](const auto& x) { return x.name == l.field; });
            if (f == c.fields.end()) {
                c.fields.push_back(CategoryIndex::Field{.name = l.field, .scanner = {}, .positions = {}});
                f = c.fields.end() - 1;
            }
            std::uint32_t id = f->scanner.add(l.text);
            if (f->positions.size() <= id) f->positions.resize(id + 1);
            if (f->positions[id].empty() || f->positions[id].back() != position) f->positions[id].push_back(position);
        }
    }
    for (auto& c : index_) {
        for (auto& f : c.fields) f.scanner.build();
    }
    index_stale_.store(false, std::memory_order_release);
}

const SigmaRuleSet::CategoryIndex* SigmaRuleSet::index_of(std::string_view category) const {
    const auto& cats = fed_categories();
    auto it = std::find(cats.begin(), cats.end(), category);
    if (it == cats.end()) return nullptr;
    // Built once after the last add(): after that, a flag read per event.
    if (index_stale_.load(std::memory_order_acquire)) {
        std::lock_guard lock(index_mutex_);
        if (index_stale_.load(std::memory_order_relaxed)) build_index();
    }
    return &index_[static_cast<std::size_t>(it - cats.begin())];
}

void SigmaRuleSet::match(const SigmaEvent& event, std::vector<const SigmaRule*>& out) const {
    const CategoryIndex* c = index_of(event.category());
    if (c == nullptr || c->rules.empty()) return;
    // Which rules the event's literals leave; each field is scanned once.
    // The marks are the thread's own, reused: no allocation per event.
    thread_local std::vector<unsigned char> candidate;
    candidate.assign(c->rules.size(), 0);
    for (std::size_t p : c->always) candidate[p] = 1;
    for (const auto& f : c->fields) {
        const FieldValue* v = event.get(f.name);
        if (v == nullptr) continue;
        f.scanner.scan(v->lower, [&](std::uint32_t id) {
            for (std::size_t p : f.positions[id]) candidate[p] = 1;
        });
    }
    for (std::size_t p = 0; p < c->rules.size(); ++p) {
        if (candidate[p] != 0 && rules_[c->rules[p]].matches(event)) out.push_back(&rules_[c->rules[p]]);
    }
}

std::size_t SigmaRuleSet::unfiltered(std::string_view category) const {
    const CategoryIndex* c = index_of(category);
    return c == nullptr ? 0 : c->always.size();
}

}  // namespace oyster::detection
