// One field's test in a Sigma selection: `Field|mod|mod: value(s)`,
// compiled once when the rule loads and run against every event.
//
// What Sigma says a value means, and what this does:
// - a plain value matches the whole field, case-insensitively; `*` is any
//   run of characters, `?` one, a backslash makes either literal;
// - `contains`, `startswith`, `endswith` put a `*` on the sides;
// - `cased` makes the comparison case-sensitive;
// - `base64` matches the value's base64; `base64offset` each of its three
//   encodings at the three offsets it can have inside a longer encoding;
// - `re` is a regular expression found anywhere in the field, run by RE2,
//   whose time is linear in the field whatever the pattern: the fields are
//   an intruder's words. `i`, `m` and `s` after it set its flags. What RE2
//   cannot run (back-references, look-around) is a load error;
// - `cidr` is an IPv4 or IPv6 network containing the field's address;
// - `gt`, `gte`, `lt`, `lte` compare numbers;
// - `exists` (true or false) tests that the event has the field at all;
// - a null value matches a field that is absent or empty.
// A list of values is any of them, or with `all` every one.
// Anything else (`windash`, `utf16le`, `expand`, `fieldref`, ...) is a load
// error naming the modifier: an unsupported construct never loads as a
// test that silently never matches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace oyster::detection {

// A rule's text is wrong or asks for what is not supported; the message
// says what, and the loader adds the rule's file.
class SigmaRuleError : public std::runtime_error {
public:
    explicit SigmaRuleError(const std::string& message) : std::runtime_error(message) {}
};

// What one compiled pattern may take in RE2 (its program and the DFA it
// builds as it runs; past it RE2 runs the slower NFA, still linear).
inline constexpr std::int64_t kRegexMemory = std::int64_t{1} << 20;

// One value of a field test, as the rule's YAML gave it.
struct SigmaValue {
    enum class Kind { string, number, boolean, null };
    Kind kind = Kind::string;
    std::string text;  // the string, or the number or boolean as written
};

// A field's value in an event: its text and, made once per event, its
// lower-case form for the case-insensitive tests.
struct FieldValue {
    std::string text;
    std::string lower;
};

class FieldTest {
public:
    // `spec` is the key after the field name ("contains|all", "" for none).
    // Throws SigmaRuleError for an unknown modifier, a modifier that does
    // not fit the values, or a pattern RE2 cannot compile.
    FieldTest(std::string field, std::string_view spec, const std::vector<SigmaValue>& values);
    ~FieldTest();
    FieldTest(FieldTest&&) noexcept;
    FieldTest& operator=(FieldTest&&) noexcept;

    const std::string& field() const { return field_; }
    // How many of its values need RE2 (a wildcard inside, or `re`): each may
    // take kRegexMemory, so a rule may hold only so many (sigma_rule.h).
    std::size_t regex_count() const;
    // Texts (lower-case) one of which the field's lower-case value contains
    // whenever the test holds; none when the test can hold without one (a
    // regular expression, a network, a number, null, exists, an empty
    // value). The rule set's prefilter is built from these.
    std::optional<std::vector<std::string>> required_literals() const;
    // `value` is null when the event has no such field.
    bool matches(const FieldValue* value) const;

    struct Pattern;

private:
    std::string field_;
    bool all_ = false;
    std::optional<bool> exists_;
    std::vector<std::unique_ptr<Pattern>> patterns_;
};

// Lower-case ASCII; other bytes as they are (Sigma's case folding is
// ASCII's in every backend that matters for Linux events).
std::string ascii_lower(std::string_view s);

}  // namespace oyster::detection
