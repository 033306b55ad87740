// YAML documents read whole by libyaml into a plain tree: what a Sigma rule
// file is before it is a rule.
//
// One parser, libyaml, because it reads every input to an end (it is
// fuzzed upstream and in OSS-Fuzz); Debian's yaml-cpp 0.7 loops without
// end, allocating, on some malformed inputs our fuzzer found, and a rule
// check that never returns is worse than one that fails. The tree is
// bounded: aliases (`*name`) are refused, since a few of them expand to
// billions of nodes; nesting stops at kMaxDepth and the node count at
// kMaxNodes; a mapping key is text and appears once. Each refusal is a
// YamlError naming the line.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oyster::detection {

class YamlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct YamlNode {
    enum class Kind { null, scalar, sequence, mapping };
    Kind kind = Kind::null;
    // For scalars: the text. `plain` when it was written unquoted and
    // untagged, so that YAML's core schema may read it as a number or a
    // boolean; a quoted "1" stays text.
    std::string text{};
    bool plain = false;
    std::vector<YamlNode> items{};                            // sequence
    std::vector<std::pair<std::string, YamlNode>> entries{};  // mapping, in file order
    std::size_t line = 0;                                     // 1-based, where it starts

    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_mapping() const { return kind == Kind::mapping; }
    // The value under `key` of a mapping; nullptr when absent or when this
    // is not a mapping.
    const YamlNode* find(std::string_view key) const;
};

inline constexpr std::size_t kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxYamlNodes = std::size_t{1} << 18;

// Every document of `text`, in order. Throws YamlError when the text is
// not YAML or breaks a bound above.
std::vector<YamlNode> parse_yaml_documents(std::string_view text);

}  // namespace oyster::detection
