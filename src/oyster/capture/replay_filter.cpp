#include "oyster/capture/replay_filter.h"

#include <array>
#include <charconv>

namespace oyster::capture {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

bool is_c0_passed(unsigned char c) {
    // Line controls, tab, bell, backspace, charset shifts; not NUL, not ENQ
    // (the terminal answers it), not CAN/SUB outside a sequence either.
    return c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\a' || c == 0x0e || c == 0x0f;
}

// Mouse and focus reporting make the terminal send events as input.
bool is_reporting_mode(int mode) {
    static constexpr std::array<int, 10> kModes = {9, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1015, 1016};
    for (int m : kModes) {
        if (m == mode) return true;
    }
    return false;
}

}  // namespace

bool replay_csi_allowed(std::string_view body) {
    if (body.empty()) return false;
    char final = body.back();
    std::string_view params = body.substr(0, body.size() - 1);
    std::size_t end = params.size();
    while (end > 0 && params[end - 1] >= 0x20 && params[end - 1] <= 0x2f) --end;
    std::string_view intermediates = params.substr(end);
    params = params.substr(0, end);
    bool private_marker = !params.empty() && (params.front() == '?' || params.front() == '>' || params.front() == '<' ||
                                              params.front() == '=');
    switch (final) {
        case 'n':  // device status report
        case 'c':  // device attributes
        case 't':  // window operations and reports
        case 'x':  // DECREQTPARM
        case 'i':  // media copy
            return false;
        case 'p':
            // DECRQM (CSI ? Ps $ p) asks; DECSTR (CSI ! p) and others do not.
            return intermediates.find('$') == std::string_view::npos;
        case 'q':
            // XTVERSION (CSI > q) asks; DECSCUSR (CSI Ps SP q) draws.
            return !(private_marker && params.front() == '>');
        case 'u':
            // Keyboard protocol queries and pushes (CSI ? u, CSI > u, CSI = u).
            return !private_marker;
        case 'h':
        case 'l': {
            if (!private_marker || params.front() != '?') return true;
            std::string_view rest = params.substr(1);
            while (!rest.empty()) {
                auto semi = rest.find(';');
                std::string_view p = rest.substr(0, semi);
                int mode = 0;
                auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), mode);
                if (ec == std::errc{} && is_reporting_mode(mode)) return false;
                if (semi == std::string_view::npos) break;
                rest.remove_prefix(semi + 1);
            }
            return true;
        }
        default:
            return final >= 0x40 && final <= 0x7e;
    }
}

void ReplayFilter::drop_sequence() {
    ++dropped_;
    sequence_.clear();
}

void ReplayFilter::end_csi(std::string& out) {
    if (replay_csi_allowed(std::string_view(sequence_).substr(2))) {
        out += sequence_;
        sequence_.clear();
    } else {
        drop_sequence();
    }
    state_ = State::ground;
}

void ReplayFilter::on_ground(unsigned char c, std::string& out) {
    if (c == 0x1b) {
        sequence_.assign(1, '\x1b');
        state_ = State::escape;
    } else if (c < 0x20) {
        if (is_c0_passed(c)) out += static_cast<char>(c);
    } else if (c < 0x7f) {
        out += static_cast<char>(c);
    } else if (c == 0x7f) {
        // DEL draws nothing.
    } else if (c >= 0xc2 && c <= 0xf4) {
        utf8_.assign(1, static_cast<char>(c));
        utf8_need_ = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
        state_ = State::utf8;
    } else {
        // A raw C1 control, a stray continuation byte, an invalid lead.
        out += kReplacement;
    }
}

std::string ReplayFilter::feed(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (char b : bytes) step(static_cast<unsigned char>(b), out);
    return out;
}

void ReplayFilter::step(unsigned char c, std::string& out) {
    switch (state_) {
        case State::ground:
            on_ground(c, out);
            break;
        case State::utf8: {
            if ((c & 0xc0) != 0x80) {
                out += kReplacement;
                state_ = State::ground;
                step(c, out);
                break;
            }
            utf8_ += static_cast<char>(c);
            if (--utf8_need_ > 0) break;
            state_ = State::ground;
            auto b0 = static_cast<unsigned char>(utf8_[0]), b1 = static_cast<unsigned char>(utf8_[1]);
            // C1 controls encoded (U+0080..U+009F), overlongs, surrogates
            // and code points past U+10FFFF are not text.
            bool c1 = b0 == 0xc2 && b1 < 0xa0;
            bool bad = (b0 == 0xe0 && b1 < 0xa0) || (b0 == 0xed && b1 >= 0xa0) || (b0 == 0xf0 && b1 < 0x90) ||
                       (b0 == 0xf4 && b1 >= 0x90);
            out += c1 || bad ? std::string(kReplacement) : utf8_;
            break;
        }
        case State::escape:
            sequence_ += static_cast<char>(c);
            if (c == '[') {
                state_ = State::csi;
            } else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
                // OSC, DCS, APC, PM, SOS: skipped to their end, never shown.
                drop_sequence();
                state_ = State::string;
            } else if (c >= 0x20 && c <= 0x2f) {
                state_ = State::escape_intermediate;  // charset designations and the like
            } else if (c == 'Z' || c < 0x20 || c > 0x7e) {
                // DECID asks the terminal to identify itself; controls and
                // bytes past ASCII end the sequence.
                drop_sequence();
                state_ = State::ground;
                if (c == 0x1b) step(c, out);
            } else {
                out += sequence_;
                sequence_.clear();
                state_ = State::ground;
            }
            break;
        case State::escape_intermediate:
            sequence_ += static_cast<char>(c);
            if (c >= 0x30 && c <= 0x7e) {
                out += sequence_;
                sequence_.clear();
                state_ = State::ground;
            } else if (c < 0x20 || c > 0x7e || sequence_.size() > kMaxSequence) {
                drop_sequence();
                state_ = State::ground;
                if (c == 0x1b) step(c, out);
            }
            break;
        case State::csi:
            if (c >= 0x40 && c <= 0x7e) {
                sequence_ += static_cast<char>(c);
                end_csi(out);
            } else if (c >= 0x20 && c <= 0x3f && sequence_.size() < kMaxSequence) {
                sequence_ += static_cast<char>(c);
            } else {
                // Too long, or broken by a control (CAN, SUB, ESC) or a
                // byte past ASCII: dropped whole.
                drop_sequence();
                state_ = State::ground;
                if (c == 0x1b) step(c, out);
            }
            break;
        case State::string:
            if (c == 0x1b) {
                state_ = State::string_escape;
            } else if (c == 0x07 || c == 0x18 || c == 0x1a || c == 0x9c) {
                state_ = State::ground;  // BEL, ST (8-bit), CAN, SUB end it
            }
            break;
        case State::string_escape:
            // ESC \ is ST; any other ESC starts a new sequence.
            state_ = State::ground;
            if (c != '\\') {
                sequence_.assign(1, '\x1b');
                state_ = State::escape;
                step(c, out);  // the byte after that ESC
            }
            break;
    }
}

}  // namespace oyster::capture
