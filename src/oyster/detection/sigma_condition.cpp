#include "oyster/detection/sigma_condition.h"

#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "oyster/detection/sigma_value.h"

namespace oyster::detection {

namespace {

// A rule file is an operator's, but a load must not overflow the stack on
// "((((...": nesting this deep is refused.
constexpr int kMaxDepth = 64;

bool glob_match(std::string_view pattern, std::string_view name) {
    // Iterative `*` matching: no backtracking blow-up on long names.
    std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (p < pattern.size() && pattern[p] == name[n]) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

class Parser {
public:
    Parser(std::string_view text, const std::vector<std::string>& selections) : text_(text), selections_(selections) {
        tokenize();
    }

    Condition parse() {
        if (tokens_.empty()) fail("it is empty");
        Condition c = parse_or(0);
        if (at_ < tokens_.size()) fail(fmt::format("'{}' was not expected", tokens_[at_]));
        return c;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw SigmaRuleError(fmt::format("condition '{}': {}", text_, why));
    }

    void tokenize() {
        for (std::size_t i = 0; i < text_.size();) {
            char c = text_[i];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++i;
            } else if (c == '(' || c == ')') {
                tokens_.emplace_back(1, c);
                ++i;
            } else if (c == '|') {
                fail("aggregations ('|') are not supported");
            } else {
                std::size_t start = i;
                while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n' &&
                       text_[i] != '\r' && text_[i] != '(' && text_[i] != ')' && text_[i] != '|') {
                    ++i;
                }
                tokens_.emplace_back(text_.substr(start, i - start));
            }
        }
    }

    const std::string* peek() const { return at_ < tokens_.size() ? &tokens_[at_] : nullptr; }
    std::string next() {
        if (at_ >= tokens_.size()) fail("it ends too early");
        return tokens_[at_++];
    }

    // `or` binds looser than `and`: an or-chain of and-chains of nots.
    Condition parse_or(int depth) {
        return parse_chain("or", Condition{.kind = Condition::Kind::at_least, .count = 1}, depth,
                           [this](int d) { return parse_and(d); });
    }

    Condition parse_and(int depth) {
        return parse_chain("and", Condition{.kind = Condition::Kind::every}, depth,
                           [this](int d) { return parse_not(d); });
    }

    // `operand (word operand)*`: the operand alone, or `joined` holding them all.
    template <class Operand>
    Condition parse_chain(std::string_view word, Condition joined, int depth, Operand operand) {
        Condition first = operand(depth);
        if (!peek() || *peek() != word) return first;
        joined.children.push_back(std::move(first));
        while (peek() && *peek() == word) {
            ++at_;
            joined.children.push_back(operand(depth));
        }
        return joined;
    }

    Condition parse_not(int depth) {
        if (depth > kMaxDepth) fail("it nests too deep");
        if (peek() && *peek() == "not") {
            ++at_;
            Condition n{.kind = Condition::Kind::negation};
            n.children.push_back(parse_not(depth + 1));
            return n;
        }
        return parse_primary(depth);
    }

    Condition parse_primary(int depth) {
        std::string t = next();
        if (t == "(") {
            Condition inner = parse_or(depth + 1);
            if (!peek() || *peek() != ")") fail("a '(' is not closed");
            ++at_;
            return inner;
        }
        if (t == ")" || t == "and" || t == "or" || t == "of") fail(fmt::format("'{}' was not expected", t));
        if (peek() && *peek() == "of") {
            ++at_;
            return parse_of(t, next());
        }
        for (std::size_t i = 0; i < selections_.size(); ++i) {
            if (selections_[i] == t) return Condition{.kind = Condition::Kind::selection, .selection = i};
        }
        fail(fmt::format("no selection is named '{}'", t));
    }

    Condition parse_of(const std::string& quantity, const std::string& pattern) {
        Condition c;
        for (std::size_t i = 0; i < selections_.size(); ++i) {
            if (pattern == "them" ? !selections_[i].starts_with('_') : glob_match(pattern, selections_[i])) {
                c.children.push_back(Condition{.kind = Condition::Kind::selection, .selection = i});
            }
        }
        if (c.children.empty()) fail(fmt::format("no selection fits '{}'", pattern));
        if (quantity == "all") {
            c.kind = Condition::Kind::every;
            return c;
        }
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(quantity.data(), quantity.data() + quantity.size(), n);
        if (quantity == "any")
            n = 1;
        else if (ec != std::errc() || end != quantity.data() + quantity.size() || n == 0) {
            fail(fmt::format("'{} of' is not a quantity (1, 2, ... or all)", quantity));
        }
        c.kind = Condition::Kind::at_least;
        c.count = n;
        return c;
    }

    std::string_view text_;
    const std::vector<std::string>& selections_;
    std::vector<std::string> tokens_;
    std::size_t at_ = 0;
};

}  // namespace

Condition parse_condition(std::string_view text, const std::vector<std::string>& selections) {
    return Parser(text, selections).parse();
}

}  // namespace oyster::detection
