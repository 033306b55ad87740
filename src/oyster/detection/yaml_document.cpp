#include "oyster/detection/yaml_document.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <yaml.h>

#include <fmt/format.h>

namespace oyster::detection {

const YamlNode* YamlNode::find(std::string_view key) const {
    if (kind != Kind::mapping) return nullptr;
    for (const auto& [k, v] : entries) {
        if (k == key) return &v;
    }
    return nullptr;
}

namespace {

struct Parser {
    yaml_parser_t p{};
    explicit Parser(std::string_view text) {
        if (yaml_parser_initialize(&p) == 0) throw YamlError("libyaml could not start");
        yaml_parser_set_input_string(&p, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    }
    ~Parser() { yaml_parser_delete(&p); }
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;
};

struct Event {
    yaml_event_t e{};
    bool held = false;
    ~Event() {
        if (held) yaml_event_delete(&e);
    }
};

// A sequence or mapping being read, and for a mapping the key whose value
// comes next.
struct Open {
    YamlNode node;
    std::optional<std::string> key{};
};

bool is_core_null(std::string_view s) {
    static constexpr std::array<std::string_view, 5> kNulls = {"", "~", "null", "Null", "NULL"};
    return std::find(kNulls.begin(), kNulls.end(), s) != kNulls.end();
}

YamlNode scalar_node(const yaml_event_t& e, std::size_t line) {
    const auto& s = e.data.scalar;
    YamlNode n{.line = line};
    n.text.assign(reinterpret_cast<const char*>(s.value), s.length);
    n.plain = s.style == YAML_PLAIN_SCALAR_STYLE && s.plain_implicit != 0;
    n.kind = n.plain && is_core_null(n.text) ? YamlNode::Kind::null : YamlNode::Kind::scalar;
    return n;
}

class TreeBuilder {
public:
    std::vector<YamlNode> documents;

    void document_start() { root_.reset(); }
    void document_end() { documents.push_back(root_ ? std::move(*root_) : YamlNode{}); }

    void node(YamlNode n) {
        count(n.line);
        if (!open_.empty() && open_.back().node.is_mapping() && !open_.back().key) {
            take_key(std::move(n));
            return;
        }
        attach(std::move(n));
    }

    void open(YamlNode n) {
        count(n.line);
        if (!open_.empty() && open_.back().node.is_mapping() && !open_.back().key) {
            throw YamlError(fmt::format("line {}: a mapping key that is not text", n.line));
        }
        if (open_.size() >= kMaxYamlDepth) {
            throw YamlError(fmt::format("line {}: nested deeper than {}", n.line, kMaxYamlDepth));
        }
        open_.push_back(Open{std::move(n)});
    }

    void close() {
        YamlNode n = std::move(open_.back().node);
        open_.pop_back();
        attach(std::move(n));
    }

private:
    std::vector<Open> open_;
    std::optional<YamlNode> root_;
    std::size_t nodes_ = 0;

    void count(std::size_t line) {
        if (++nodes_ > kMaxYamlNodes) throw YamlError(fmt::format("line {}: more than {} nodes", line, kMaxYamlNodes));
    }

    void take_key(YamlNode k) {
        Open& m = open_.back();
        if (k.is_sequence() || k.is_mapping()) {
            throw YamlError(fmt::format("line {}: a mapping key that is not text", k.line));
        }
        if (m.node.find(k.text) != nullptr) {
            throw YamlError(fmt::format("line {}: key '{}' appears twice", k.line, k.text));
        }
        m.key = std::move(k.text);
    }

    void attach(YamlNode n) {
        if (open_.empty()) {
            root_ = std::move(n);
            return;
        }
        Open& parent = open_.back();
        if (parent.node.is_sequence()) {
            parent.node.items.push_back(std::move(n));
        } else {
            parent.node.entries.emplace_back(std::move(*parent.key), std::move(n));
            parent.key.reset();
        }
    }
};

// libyaml's problem, and what it was reading when the problem is only
// seen lines later (an unclosed '[' shows at the end of the file).
std::string problem_of(const yaml_parser_t& p) {
    std::string out =
        fmt::format("line {}: {}", p.problem_mark.line + 1, p.problem != nullptr ? p.problem : "malformed");
    if (p.context != nullptr) out += fmt::format(" ({} from line {})", p.context, p.context_mark.line + 1);
    return out;
}

}  // namespace

std::vector<YamlNode> parse_yaml_documents(std::string_view text) {
    Parser parser(text);
    TreeBuilder tree;
    for (;;) {
        Event ev;
        if (yaml_parser_parse(&parser.p, &ev.e) == 0) throw YamlError(problem_of(parser.p));
        ev.held = true;
        const std::size_t line = ev.e.start_mark.line + 1;
        switch (ev.e.type) {
            case YAML_STREAM_END_EVENT:
                return std::move(tree.documents);
            case YAML_DOCUMENT_START_EVENT:
                tree.document_start();
                break;
            case YAML_DOCUMENT_END_EVENT:
                tree.document_end();
                break;
            case YAML_ALIAS_EVENT:
                throw YamlError(fmt::format("line {}: aliases (*name) are not supported", line));
            case YAML_SCALAR_EVENT:
                tree.node(scalar_node(ev.e, line));
                break;
            case YAML_SEQUENCE_START_EVENT:
                tree.open(YamlNode{.kind = YamlNode::Kind::sequence, .line = line});
                break;
            case YAML_MAPPING_START_EVENT:
                tree.open(YamlNode{.kind = YamlNode::Kind::mapping, .line = line});
                break;
            case YAML_SEQUENCE_END_EVENT:
            case YAML_MAPPING_END_EVENT:
                tree.close();
                break;
            case YAML_STREAM_START_EVENT:
            case YAML_NO_EVENT:
                break;
        }
    }
}

}  // namespace oyster::detection
