// What of an attacker's terminal output may reach the analyst's terminal.
//
// A replay writes bytes the attacker chose to the analyst's terminal, and
// a terminal does more than draw: OSC 52 sets the analyst's clipboard, OSC
// 1337 (iTerm2) writes files and runs features, OSC 8 makes deceptive
// links, DCS, APC, PM and SOS strings reach terminal extensions, and query
// sequences (device status, device attributes, window reports, ENQ's
// answerback, DECRQM, mouse and focus reporting) make the terminal *type*
// an answer into the analyst's shell. The filter keeps what draws a
// session (text, line controls, CSI cursor, erase, colour and mode
// sequences, simple ESC sequences) and drops the rest, whole, across
// chunk boundaries. Invalid UTF-8 and C1 controls (raw or UTF-8-encoded,
// which some terminals obey) become U+FFFD. `oyster replay --raw` skips it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace oyster::capture {

class ReplayFilter {
public:
    // The part of `bytes` safe to write, given what came before.
    std::string feed(std::string_view bytes);
    // Sequences dropped so far (a started one that never ends counts once).
    std::uint64_t dropped() const { return dropped_; }

    // A control sequence longer than this is dropped (no terminal needs it).
    static constexpr std::size_t kMaxSequence = 64;

private:
    enum class State { ground, escape, escape_intermediate, csi, string, string_escape, utf8 };
    void step(unsigned char c, std::string& out);
    void on_ground(unsigned char c, std::string& out);
    void end_csi(std::string& out);
    void drop_sequence();

    State state_ = State::ground;
    std::string sequence_;  // the ESC or CSI sequence being read
    std::string utf8_;      // a UTF-8 character being read
    std::size_t utf8_need_ = 0;
    std::uint64_t dropped_ = 0;
};

// True when a CSI sequence (without "ESC [") is safe to pass: it draws,
// and makes the terminal neither answer nor report input events.
bool replay_csi_allowed(std::string_view body);

}  // namespace oyster::capture
