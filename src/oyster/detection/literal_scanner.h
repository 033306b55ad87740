// Many literals found in one pass over a text (Aho-Corasick): the rule
// set's prefilter runs each field of an event through the literals its
// rules require, once, instead of each rule searching for its own.
// Bytes are compared as they are: callers give lower-case literals and
// lower-case text. Time is linear in the text plus what is found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace oyster::detection {

class LiteralScanner {
public:
    // The literal's id (the same literal, the same id). Not after build().
    std::uint32_t add(std::string_view literal);
    // Makes the automaton; add() no more.
    void build();
    std::size_t size() const { return literals_.size(); }

    // Calls found(id) for each literal occurring in `text` (an id may be
    // reported more than once).
    template <class Found>
    void scan(std::string_view text, Found&& found) const {
        std::uint32_t state = 0;
        for (char ch : text) {
            auto c = static_cast<unsigned char>(ch);
            state = step(state, c);
            for (std::uint32_t at = state; at != 0; at = states_[at].output_link) {
                for (std::uint32_t id : states_[at].ends) found(id);
            }
        }
    }

private:
    struct State {
        std::vector<std::pair<unsigned char, std::uint32_t>> next;  // sorted by byte
        std::uint32_t fail = 0;
        std::uint32_t output_link = 0;    // nearest suffix state that ends literals
        std::vector<std::uint32_t> ends;  // literals ending here
    };
    std::uint32_t child(std::uint32_t state, unsigned char c) const;  // 0 and not found: UINT32_MAX
    std::uint32_t step(std::uint32_t state, unsigned char c) const;

    std::vector<State> states_ = std::vector<State>(1);
    std::unordered_map<std::string, std::uint32_t> literals_;
    bool built_ = false;
};

}  // namespace oyster::detection
