#include "oyster/detection/sigma_value.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <re2/re2.h>

namespace oyster::detection {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

namespace {

// A pattern RE2 may take: bounded memory, bytes as Latin-1 so that any
// byte an intruder's command line holds is one character.
RE2::Options re2_options() {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_max_mem(kRegexMemory);
    return o;
}

std::unique_ptr<RE2> compile(const std::string& pattern, const std::string& what) {
    auto re = std::make_unique<RE2>(pattern, re2_options());
    if (!re->ok()) throw SigmaRuleError(fmt::format("{}: RE2 cannot run /{}/: {}", what, pattern, re->error()));
    return re;
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        std::uint32_t n = (static_cast<std::uint8_t>(in[i]) << 16) | (static_cast<std::uint8_t>(in[i + 1]) << 8) |
                          static_cast<std::uint8_t>(in[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
    }
    std::size_t rest = in.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint8_t>(in[i]) << 16;
        if (rest == 2) n |= static_cast<std::uint8_t>(in[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// The three ways `value` looks inside a longer base64 text, as Sigma's
// reference backend makes them: encoded after 0, 1 and 2 bytes of
// padding, with the characters the padding and the next bytes touch cut.
std::vector<std::string> base64_offsets(std::string_view value) {
    static constexpr std::array<std::size_t, 3> kStart = {0, 2, 3};
    std::vector<std::string> out;
    for (std::size_t shift = 0; shift < 3; ++shift) {
        std::string padded(shift, ' ');
        padded += value;
        std::string enc = base64(padded);
        std::size_t rest = (value.size() + shift) % 3;
        std::size_t cut = rest == 0 ? 0 : rest == 1 ? 3 : 2;
        if (enc.size() <= kStart[shift] + cut) continue;
        out.push_back(enc.substr(kStart[shift], enc.size() - cut - kStart[shift]));
    }
    return out;
}

// A text every match of `pattern` contains, lower-case; empty when none is
// sure. Only the plainest case: the characters a pattern without any
// alternation starts with (after an optional ^), up to its first
// metacharacter, less the last when a quantifier follows it. "curl\s+" is
// "curl"; "a|b", "(x)" and "\d" give nothing.
std::string regex_literal_prefix(std::string_view pattern) {
    if (pattern.find('|') != std::string_view::npos) return "";
    std::size_t i = pattern.starts_with('^') ? 1 : 0;
    std::string out;
    for (; i < pattern.size(); ++i) {
        char c = pattern[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
                     c == '_' || c == '/' || c == '-' || c == ':' || c == '=' || c == ',';
        if (!plain) break;
        out += c;
    }
    if (i < pattern.size() && (pattern[i] == '?' || pattern[i] == '*' || pattern[i] == '{') && !out.empty()) {
        out.pop_back();
    }
    return ascii_lower(out);
}

// One glob piece: literal text, or a wildcard.
struct Piece {
    enum Kind { text, any, one } kind;
    std::string literal;
};

// Sigma's value syntax: `*` and `?` are wildcards; `\*`, `\?` and `\\`
// are the characters; any other backslash is itself.
std::vector<Piece> parse_glob(std::string_view v) {
    std::vector<Piece> out;
    auto add_text = [&](char c) {
        if (out.empty() || out.back().kind != Piece::text) out.push_back({Piece::text, {}});
        out.back().literal += c;
    };
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\\' && i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
            add_text(v[++i]);
        } else if (c == '*') {
            if (out.empty() || out.back().kind != Piece::any) out.push_back({Piece::any, {}});
        } else if (c == '?') {
            out.push_back({Piece::one, {}});
        } else {
            add_text(c);
        }
    }
    return out;
}

std::optional<double> to_number(std::string_view s) {
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return d;
}

struct Network {
    int family = AF_INET;
    std::array<std::uint8_t, 16> addr{};
    unsigned prefix = 0;
};

std::optional<std::pair<int, std::array<std::uint8_t, 16>>> parse_address(const std::string& s) {
    std::array<std::uint8_t, 16> a{};
    if (inet_pton(AF_INET, s.c_str(), a.data()) == 1) return std::pair{AF_INET, a};
    if (inet_pton(AF_INET6, s.c_str(), a.data()) == 1) return std::pair{AF_INET6, a};
    return std::nullopt;
}

bool in_network(const Network& n, const std::array<std::uint8_t, 16>& a) {
    unsigned bits = n.prefix;
    for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
        if ((a[i] & mask) != (n.addr[i] & mask)) return false;
    }
    return true;
}

}  // namespace

// One value, compiled.
struct FieldTest::Pattern {
    enum Kind { equals, contains, starts, ends, glob, regex, cidr, compare, null } kind = equals;
    bool cased = false;
    std::string needle;       // lower-case unless cased
    std::string required;     // string kinds: a lower-case text any match contains
    std::unique_ptr<RE2> re;  // glob and regex
    Network net;              // cidr
    double number = 0;        // compare
    std::string op;           // compare: gt, gte, lt, lte

    bool matches(const FieldValue* v) const {
        if (kind == null) return v == nullptr || v->text.empty();
        if (v == nullptr) return false;
        const std::string& s = cased ? v->text : v->lower;
        switch (kind) {
            case equals:
                return s == needle;
            case contains:
                return s.find(needle) != std::string::npos;
            case starts:
                return s.starts_with(needle);
            case ends:
                return s.ends_with(needle);
            case glob:
                return RE2::FullMatch(v->text, *re);
            case regex:
                return RE2::PartialMatch(v->text, *re);
            case cidr: {
                auto a = parse_address(v->text);
                return a && a->first == net.family && in_network(net, a->second);
            }
            case compare: {
                auto d = to_number(v->text);
                if (!d) return false;
                return op == "gt" ? *d > number : op == "gte" ? *d >= number : op == "lt" ? *d < number : *d <= number;
            }
            case null:
                break;
        }
        return false;
    }
};

namespace {

// A string test of `value` with the sides `contains`/`startswith`/
// `endswith` asked for: a plain comparison when the only wildcards are at
// the ends, RE2 otherwise.
std::unique_ptr<FieldTest::Pattern> string_pattern(std::string_view value, bool any_before, bool any_after, bool cased,
                                                   const std::string& what) {
    auto pieces = parse_glob(value);
    if (any_before) pieces.insert(pieces.begin(), Piece{Piece::any, {}});
    if (any_after) pieces.push_back(Piece{Piece::any, {}});
    auto p = std::make_unique<FieldTest::Pattern>();
    p->cased = cased;
    bool lead = !pieces.empty() && pieces.front().kind == Piece::any;
    bool trail = pieces.size() > (lead ? 1u : 0u) && pieces.back().kind == Piece::any;
    std::size_t inner_begin = lead ? 1 : 0, inner_end = pieces.size() - (trail ? 1 : 0);
    if (inner_end - inner_begin <= 1 && (inner_end == inner_begin || pieces[inner_begin].kind == Piece::text)) {
        std::string lit = inner_end > inner_begin ? pieces[inner_begin].literal : std::string();
        p->needle = cased ? lit : ascii_lower(lit);
        p->required = ascii_lower(lit);
        p->kind = lead && trail ? FieldTest::Pattern::contains
                  : lead        ? FieldTest::Pattern::ends
                  : trail       ? FieldTest::Pattern::starts
                                : FieldTest::Pattern::equals;
        return p;
    }
    std::string re = cased ? "(?s)" : "(?si)";
    for (const auto& piece : pieces) {
        re += piece.kind == Piece::any ? ".*" : piece.kind == Piece::one ? "." : RE2::QuoteMeta(piece.literal);
    }
    p->kind = FieldTest::Pattern::glob;
    p->re = compile(re, what);
    // Every literal piece is in any match; the longest says the most.
    for (const auto& piece : pieces) {
        if (piece.kind == Piece::text && piece.literal.size() > p->required.size()) {
            p->required = ascii_lower(piece.literal);
        }
    }
    return p;
}

}  // namespace

FieldTest::FieldTest(std::string field, std::string_view spec, const std::vector<SigmaValue>& values)
    : field_(std::move(field)) {
    std::vector<std::string> mods;
    for (std::size_t at = 0; !spec.empty();) {
        std::size_t bar = spec.find('|', at);
        mods.emplace_back(spec.substr(at, bar == std::string_view::npos ? bar : bar - at));
        if (bar == std::string_view::npos) break;
        at = bar + 1;
    }
    std::string what = spec.empty() ? field_ : field_ + "|" + std::string(spec);
    std::string side, encode, compare_op;
    bool cased = false, re = false, cidr = false, exists = false;
    std::string re_flags;
    for (const auto& m : mods) {
        if (m == "contains" || m == "startswith" || m == "endswith") {
            if (!side.empty()) throw SigmaRuleError(fmt::format("{}: both {} and {}", what, side, m));
            side = m;
        } else if (m == "all") {
            all_ = true;
        } else if (m == "cased") {
            cased = true;
        } else if (m == "base64" || m == "base64offset") {
            encode = m;
        } else if (m == "re") {
            re = true;
        } else if ((m == "i" || m == "m" || m == "s") && re) {
            re_flags += m;
        } else if (m == "cidr") {
            cidr = true;
        } else if (m == "exists") {
            exists = true;
        } else if (m == "gt" || m == "gte" || m == "lt" || m == "lte") {
            compare_op = m;
        } else {
            throw SigmaRuleError(fmt::format("{}: modifier '{}' is not supported", what, m));
        }
    }
    int kinds = (re ? 1 : 0) + (cidr ? 1 : 0) + (exists ? 1 : 0) + (compare_op.empty() ? 0 : 1);
    if (kinds > 1 || (kinds == 1 && (!side.empty() || !encode.empty()))) {
        throw SigmaRuleError(what + ": these modifiers do not go together");
    }
    if (values.empty()) throw SigmaRuleError(what + ": no value");
    if (exists) {
        if (values.size() != 1 || values[0].kind != SigmaValue::Kind::boolean) {
            throw SigmaRuleError(what + ": exists takes true or false");
        }
        exists_ = values[0].text == "true";
        return;
    }
    for (const auto& v : values) {
        if (v.kind == SigmaValue::Kind::null) {
            if (!mods.empty()) throw SigmaRuleError(what + ": a null value takes no modifier");
            auto p = std::make_unique<Pattern>();
            p->kind = Pattern::null;
            patterns_.push_back(std::move(p));
            continue;
        }
        if (re) {
            std::string flags = re_flags.empty() ? "" : "(?" + re_flags + ")";
            auto p = std::make_unique<Pattern>();
            p->kind = Pattern::regex;
            p->re = compile(flags + v.text, what);
            p->required = regex_literal_prefix(v.text);
            patterns_.push_back(std::move(p));
        } else if (cidr) {
            auto slash = v.text.find('/');
            auto addr = parse_address(v.text.substr(0, slash));
            unsigned prefix = 0;
            std::string_view rest = slash == std::string::npos ? "" : std::string_view(v.text).substr(slash + 1);
            auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
            unsigned max = addr && addr->first == AF_INET ? 32 : 128;
            if (!addr || slash == std::string::npos || ec != std::errc() || end != rest.data() + rest.size() ||
                prefix > max) {
                throw SigmaRuleError(fmt::format("{}: '{}' is not a network (address/prefix)", what, v.text));
            }
            auto p = std::make_unique<Pattern>();
            p->kind = Pattern::cidr;
            p->net = Network{addr->first, addr->second, prefix};
            patterns_.push_back(std::move(p));
        } else if (!compare_op.empty()) {
            auto d = to_number(v.text);
            if (v.kind != SigmaValue::Kind::number || !d) {
                throw SigmaRuleError(fmt::format("{}: '{}' is not a number", what, v.text));
            }
            auto p = std::make_unique<Pattern>();
            p->kind = Pattern::compare;
            p->number = *d;
            p->op = compare_op;
            patterns_.push_back(std::move(p));
        } else {
            bool before = side == "contains" || side == "endswith";
            bool after = side == "contains" || side == "startswith";
            if (encode.empty()) {
                patterns_.push_back(string_pattern(v.text, before, after, cased, what));
                continue;
            }
            // An encoded value is matched as written: its wildcards would
            // be encoded too.
            std::vector<std::string> encoded =
                encode == "base64" ? std::vector<std::string>{base64(v.text)} : base64_offsets(v.text);
            // Base64 has no `*`, `?` or backslash: the text goes as it is.
            for (const auto& e : encoded) patterns_.push_back(string_pattern(e, before, after, true, what));
        }
    }
}

std::size_t FieldTest::regex_count() const {
    return static_cast<std::size_t>(
        std::count_if(patterns_.begin(), patterns_.end(), [](const auto& p) { return p->re != nullptr; }));
}

std::optional<std::vector<std::string>> FieldTest::required_literals() const {
    if (exists_ || patterns_.empty()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& p : patterns_) {
        // RE2 folds the case of Latin-1 letters beyond ASCII too (a
        // wildcard or `re|i` value's "é" matches "É"), which ascii_lower
        // does not: such a literal could hide a match.
        bool ascii = std::all_of(p->required.begin(), p->required.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (!p->required.empty() && ascii) {
            out.push_back(p->required);
        } else if (!all_) {
            return std::nullopt;  // a value any field may match without a literal
        }
    }
    if (out.empty()) return std::nullopt;
    if (all_) {
        // Every value must match: the longest one's literal alone will do.
        auto longest =
            std::max_element(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
        return std::vector<std::string>{*longest};
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

FieldTest::~FieldTest() = default;
FieldTest::FieldTest(FieldTest&&) noexcept = default;
FieldTest& FieldTest::operator=(FieldTest&&) noexcept = default;

bool FieldTest::matches(const FieldValue* value) const {
    if (exists_) return (value != nullptr) == *exists_;
    if (all_) {
        return std::all_of(patterns_.begin(), patterns_.end(), [&](const auto& p) { return p->matches(value); });
    }
    return std::any_of(patterns_.begin(), patterns_.end(), [&](const auto& p) { return p->matches(value); });
}

}  // namespace oyster::detection
