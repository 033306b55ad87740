#include "oyster/detection/sigma_rule.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "oyster/detection/yaml_document.h"

namespace oyster::detection {

bool SigmaRule::matches(const SigmaEvent& event) const {
    // Each selection is tested at most once per event, however often the
    // condition names it. Rules have a few selections: their results sit on
    // the stack, with the heap only for a rule of more than kOnStack.
    constexpr std::size_t kOnStack = 32;
    std::array<signed char, kOnStack> small{};
    std::vector<signed char> large;
    signed char* known = small.data();
    if (selections.size() > kOnStack) {
        large.resize(selections.size());
        known = large.data();
    }
    std::fill(known, known + selections.size(), static_cast<signed char>(-1));
    auto selection_matches = [&](std::size_t i) {
        if (known[i] >= 0) return known[i] == 1;
        const Selection& s = selections[i];
        bool hit = false;
        if (s.keywords) {
            for (const auto& alt : s.alternatives) {
                for (const auto& [name, value] : event.fields()) {
                    if (alt.front().matches(&value)) {
                        hit = true;
                        break;
                    }
                }
                if (hit) break;
            }
        } else {
            hit = std::any_of(s.alternatives.begin(), s.alternatives.end(), [&](const auto& tests) {
                return std::all_of(tests.begin(), tests.end(),
                                   [&](const FieldTest& t) { return t.matches(event.get(t.field())); });
            });
        }
        known[i] = hit ? 1 : 0;
        return hit;
    };
    return condition.evaluate(selection_matches);
}

std::vector<std::string> SigmaRule::techniques() const {
    std::vector<std::string> out;
    for (const auto& t : tags) {
        // attack.t1053 or attack.t1053.003
        if (t.size() > 8 && t.starts_with("attack.t") && t[8] >= '0' && t[8] <= '9') {
            std::string technique = t.substr(7);
            for (char& c : technique) c = static_cast<char>(c == 't' ? 'T' : c);
            out.push_back(technique);
        }
    }
    return out;
}

namespace {

using Literals = std::optional<std::vector<RequiredLiteral>>;

// The smaller set (fewer texts, then longer shortest text) selects fewer
// events for evaluation.
bool better(const std::vector<RequiredLiteral>& a, const std::vector<RequiredLiteral>& b) {
    auto shortest = [](const std::vector<RequiredLiteral>& v) {
        std::size_t m = SIZE_MAX;
        for (const auto& l : v) m = std::min(m, l.text.size());
        return m;
    };
    if (a.size() != b.size()) return a.size() < b.size();
    return shortest(a) > shortest(b);
}

// Any of several conditions holding: the union, or none if one has none.
Literals any_of(const std::vector<Literals>& each) {
    std::vector<RequiredLiteral> out;
    for (const auto& e : each) {
        if (!e) return std::nullopt;
        for (const auto& l : *e) {
            if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
        }
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// Every one of several conditions holding: any one's set will do.
Literals every_of(const std::vector<Literals>& each) {
    Literals best;
    for (const auto& e : each) {
        if (e && (!best || better(*e, *best))) best = e;
    }
    return best;
}

Literals selection_literals(const Selection& s) {
    if (s.keywords) return std::nullopt;
    std::vector<Literals> alternatives;
    for (const auto& tests : s.alternatives) {
        std::vector<Literals> each;
        for (const auto& t : tests) {
            auto texts = t.required_literals();
            if (!texts) continue;
            std::vector<RequiredLiteral> lits;
            for (auto& text : *texts) lits.push_back({t.field(), std::move(text)});
            each.emplace_back(std::move(lits));
        }
        alternatives.push_back(every_of(each));
    }
    return any_of(alternatives);
}

Literals condition_literals(const Condition& c, const std::vector<Selection>& selections) {
    switch (c.kind) {
        case Condition::Kind::selection:
            return selection_literals(selections[c.selection]);
        case Condition::Kind::negation:
            return std::nullopt;
        case Condition::Kind::every: {
            std::vector<Literals> each;
            for (const auto& child : c.children) each.push_back(condition_literals(child, selections));
            return every_of(each);
        }
        case Condition::Kind::at_least: {
            std::vector<Literals> each;
            for (const auto& child : c.children) each.push_back(condition_literals(child, selections));
            return any_of(each);
        }
    }
    return std::nullopt;
}

std::string scalar_text(const YamlNode& n, const std::string& what) {
    if (!n.is_scalar()) throw SigmaRuleError(what + " is not a text");
    return n.text;
}

SigmaValue value_of(const YamlNode& n, const std::string& what) {
    if (n.is_null()) return {SigmaValue::Kind::null, ""};
    if (!n.is_scalar()) throw SigmaRuleError(what + ": a value is neither text, number nor null");
    const std::string& s = n.text;
    // A quoted scalar is text whatever it looks like.
    if (n.plain) {
        if (s == "true" || s == "false") return {SigmaValue::Kind::boolean, s};
        bool numeric = !s.empty() && std::all_of(s.begin(), s.end(),
                                                 [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '-'; });
        if (numeric) return {SigmaValue::Kind::number, s};
    }
    return {SigmaValue::Kind::string, s};
}

// What a rule's selections gather as they are read.
struct Gathered {
    std::vector<std::string> fields;
    std::size_t values = 0;
};

std::vector<SigmaValue> values_of(const YamlNode& n, const std::string& what, Gathered& g) {
    std::vector<SigmaValue> out;
    if (n.is_sequence()) {
        for (const auto& v : n.items) out.push_back(value_of(v, what));
    } else {
        out.push_back(value_of(n, what));
    }
    // Counted before anything is compiled.
    g.values += out.size();
    if (g.values > kMaxValuesPerRule) {
        throw SigmaRuleError(fmt::format("detection: more than {} values", kMaxValuesPerRule));
    }
    return out;
}

std::vector<FieldTest> map_tests(const YamlNode& map, const std::string& where, Gathered& g) {
    std::vector<FieldTest> tests;
    for (const auto& [key, value] : map.entries) {
        auto bar = key.find('|');
        std::string field = key.substr(0, bar);
        std::string spec = bar == std::string::npos ? "" : key.substr(bar + 1);
        if (field.empty()) throw SigmaRuleError(fmt::format("{}: a test without a field name ('{}')", where, key));
        tests.emplace_back(field, spec, values_of(value, fmt::format("{}: {}", where, key), g));
        if (std::find(g.fields.begin(), g.fields.end(), field) == g.fields.end()) g.fields.push_back(field);
    }
    if (tests.empty()) throw SigmaRuleError(where + ": an empty map");
    return tests;
}

Selection parse_selection(const std::string& name, const YamlNode& n, Gathered& g) {
    Selection s{.name = name};
    std::string where = "detection: " + name;
    if (n.is_mapping()) {
        s.alternatives.push_back(map_tests(n, where, g));
    } else if (n.is_sequence() && !n.items.empty() && n.items.front().is_mapping()) {
        for (const auto& item : n.items) {
            if (!item.is_mapping()) throw SigmaRuleError(where + ": a list mixing maps and keywords");
            s.alternatives.push_back(map_tests(item, where, g));
        }
    } else if (n.is_sequence() || n.is_scalar()) {
        s.keywords = true;
        for (const auto& v : values_of(n, where, g)) {
            if (v.kind == SigmaValue::Kind::null) throw SigmaRuleError(where + ": a null keyword");
            // A keyword is found anywhere in a field: Sigma's full-text search.
            std::vector<FieldTest> one;
            one.emplace_back("", "contains", std::vector<SigmaValue>{v});
            s.alternatives.push_back(std::move(one));
        }
    } else {
        throw SigmaRuleError(where + ": neither a map, a list nor a keyword");
    }
    if (s.alternatives.empty()) throw SigmaRuleError(where + ": empty");
    return s;
}

std::string text_or_empty(const YamlNode& doc, const char* key) {
    const YamlNode* n = doc.find(key);
    if (n == nullptr || n->is_null()) return "";
    if (!n->is_scalar()) throw SigmaRuleError(fmt::format("'{}' is not a text", key));
    return n->text;
}

SigmaRule parse_document(const std::vector<YamlNode>& docs, const std::string& file) {
    if (docs.size() != 1) {
        throw SigmaRuleError(docs.empty() ? "empty" : "multi-document rules (action: global/repeat) are not supported");
    }
    const YamlNode& doc = docs.front();
    if (!doc.is_mapping()) throw SigmaRuleError("not a map of rule keys");
    SigmaRule r;
    r.file = file;
    r.title = text_or_empty(doc, "title");
    if (r.title.empty()) throw SigmaRuleError("'title' is missing");
    r.id = text_or_empty(doc, "id");
    r.description = text_or_empty(doc, "description");
    r.status = text_or_empty(doc, "status");
    if (auto level = text_or_empty(doc, "level"); !level.empty()) {
        static const char* kLevels[] = {"informational", "low", "medium", "high", "critical"};
        if (std::none_of(std::begin(kLevels), std::end(kLevels), [&](const char* l) { return level == l; })) {
            throw SigmaRuleError(fmt::format("level '{}' is not informational, low, medium, high or critical", level));
        }
        r.level = level;
    }
    if (const YamlNode* tags = doc.find("tags"); tags != nullptr && !tags->is_null()) {
        if (!tags->is_sequence()) throw SigmaRuleError("'tags' is not a list");
        for (const auto& t : tags->items) r.tags.push_back(ascii_lower(scalar_text(t, "a tag")));
    }
    const YamlNode* ls = doc.find("logsource");
    if (ls == nullptr || !ls->is_mapping()) throw SigmaRuleError("'logsource' is missing or not a map");
    auto source_key = [&](const char* key) {
        const YamlNode* n = ls->find(key);
        return n != nullptr ? scalar_text(*n, fmt::format("logsource: {}", key)) : std::string();
    };
    r.logsource.product = source_key("product");
    r.logsource.category = source_key("category");
    r.logsource.service = source_key("service");

    const YamlNode* det = doc.find("detection");
    if (det == nullptr || !det->is_mapping()) throw SigmaRuleError("'detection' is missing or not a map");
    std::vector<std::string> condition_texts;
    std::vector<std::string> names;
    Gathered gathered;
    for (const auto& [key, value] : det->entries) {
        if (key == "condition") {
            if (value.is_sequence()) {
                for (const auto& c : value.items) condition_texts.push_back(scalar_text(c, "detection: condition"));
            } else {
                condition_texts.push_back(scalar_text(value, "detection: condition"));
            }
        } else if (key == "timeframe") {
            throw SigmaRuleError("detection: 'timeframe' (correlation over time) is not supported");
        } else {
            r.selections.push_back(parse_selection(key, value, gathered));
            names.push_back(key);
        }
    }
    if (condition_texts.empty()) throw SigmaRuleError("detection: 'condition' is missing");
    r.fields = std::move(gathered.fields);
    std::size_t regexes = 0;
    for (const auto& sel : r.selections) {
        for (const auto& alt : sel.alternatives) {
            for (const auto& t : alt) regexes += t.regex_count();
        }
    }
    if (regexes > kMaxRegexesPerRule) {
        throw SigmaRuleError(
            fmt::format("detection: {} values need a regular expression (wildcards inside a value, "
                        "or re); at most {} may",
                        regexes, kMaxRegexesPerRule));
    }
    if (condition_texts.size() == 1) {
        r.condition = parse_condition(condition_texts.front(), names);
    } else {
        // A list of conditions: any of them (Sigma 1.0's form).
        r.condition = Condition{.kind = Condition::Kind::at_least, .count = 1};
        for (const auto& c : condition_texts) r.condition.children.push_back(parse_condition(c, names));
    }
    return r;
}

}  // namespace

SigmaRule parse_sigma_rule(std::string_view yaml, const std::string& file) {
    std::vector<YamlNode> docs;
    try {
        docs = parse_yaml_documents(yaml);
    } catch (const YamlError& e) {
        throw SigmaRuleError(fmt::format("not YAML: {}", e.what()));
    }
    return parse_document(docs, file);
}

std::optional<std::vector<RequiredLiteral>> SigmaRule::required_literals() const {
    return condition_literals(condition, selections);
}

}  // namespace oyster::detection
