#include "oyster/capture/guest_log_line.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace oyster::capture {
namespace {

// Longer than any program's name a syslog tag carries (RFC 3164 says 32).
constexpr std::size_t kMaxTag = 64;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A run of at most `max` digits at the front of `s` as a number; consumes it.
std::optional<std::uint32_t> take_number(std::string_view& s, std::size_t max) {
    std::size_t n = 0;
    std::uint64_t v = 0;
    while (n < s.size() && n < max && is_digit(s[n])) v = v * 10 + static_cast<std::uint64_t>(s[n++] - '0');
    if (n == 0 || v > UINT32_MAX) return std::nullopt;
    s.remove_prefix(n);
    return static_cast<std::uint32_t>(v);
}

// Drops what the sender ends a line with: newlines and NULs.
std::string_view trim_end(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// "<PRI>" at the front, 0-191.
void take_priority(std::string_view& s, GuestLogLine& out) {
    std::string_view t = s;
    if (t.empty() || t.front() != '<') return;
    t.remove_prefix(1);
    auto pri = take_number(t, 3);
    if (!pri || *pri > 191 || t.empty() || t.front() != '>') return;
    t.remove_prefix(1);
    out.facility = static_cast<int>(*pri / 8);
    out.severity = static_cast<int>(*pri % 8);
    s = t;
}

// RFC 3164's "Mmm dd hh:mm:ss " (dd space-padded).
bool take_bsd_timestamp(std::string_view& s) {
    if (s.size() < 16) return false;
    auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    bool ok = alpha(s[0]) && alpha(s[1]) && alpha(s[2]) && s[3] == ' ' && (s[4] == ' ' || is_digit(s[4])) &&
              is_digit(s[5]) && s[6] == ' ' && is_digit(s[7]) && is_digit(s[8]) && s[9] == ':' && is_digit(s[10]) &&
              is_digit(s[11]) && s[12] == ':' && is_digit(s[13]) && is_digit(s[14]) && s[15] == ' ';
    if (ok) s.remove_prefix(16);
    return ok;
}

// The next space-separated field; "-" is RFC 5424's nil.
std::string_view take_field(std::string_view& s) {
    auto sp = s.find(' ');
    auto f = s.substr(0, sp);
    s.remove_prefix(sp == std::string_view::npos ? s.size() : sp + 1);
    return f == "-" ? std::string_view{} : f;
}

// RFC 5424's STRUCTURED-DATA: "-" or one or more "[...]" (a ']' inside a
// quoted value is escaped with '\').
void skip_structured_data(std::string_view& s) {
    if (!s.empty() && s.front() == '-') {
        s.remove_prefix(1);
    } else {
        while (!s.empty() && s.front() == '[') {
            std::size_t i = 1;
            bool quoted = false;
            for (; i < s.size(); ++i) {
                if (s[i] == '\\') {
                    ++i;
                } else if (s[i] == '"') {
                    quoted = !quoted;
                } else if (s[i] == ']' && !quoted) {
                    break;
                }
            }
            s.remove_prefix(i < s.size() ? i + 1 : s.size());
        }
    }
    if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}

void parse_rfc5424(std::string_view s, GuestLogLine& out) {
    take_field(s);  // timestamp
    take_field(s);  // hostname
    out.ident = std::string(take_field(s));
    std::string_view procid = take_field(s);
    if (auto pid = take_number(procid, 10); pid && procid.empty()) out.claimed_pid = pid;
    take_field(s);  // msgid
    skip_structured_data(s);
    if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
    out.message = std::string(s);
}

void parse_rfc3164(std::string_view s, GuestLogLine& out) {
    take_bsd_timestamp(s);
    // TAG[PID]: text, or TAG: text, TAG printable ASCII (programs' names
    // hold '-', '.', '/', '(' and the like, never '<' or '>'). Anything else
    // is all text.
    std::size_t end = s.find_first_of("[: ");
    auto tag_char = [](char c) { return c > ' ' && c < 0x7f && c != '<' && c != '>'; };
    bool tag_ok = end != std::string_view::npos && end > 0 && end <= kMaxTag &&
                  std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(end), tag_char);
    if (tag_ok && (s[end] == '[' || s[end] == ':')) {
        std::string_view rest = s.substr(end);
        std::optional<std::uint32_t> pid;
        bool ok = true;
        if (rest.front() == '[') {
            rest.remove_prefix(1);
            pid = take_number(rest, 10);
            ok = pid && !rest.empty() && rest.front() == ']';
            if (ok) rest.remove_prefix(1);
        }
        if (ok && !rest.empty() && rest.front() == ':') {
            rest.remove_prefix(1);
            if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            out.ident = std::string(s.substr(0, end));
            out.claimed_pid = pid;
            out.message = std::string(rest);
            return;
        }
    }
    out.message = std::string(s);
}

std::optional<int> small_number(std::string_view v, int max) {
    auto n = take_number(v, 3);
    if (!n || !v.empty() || *n > static_cast<std::uint32_t>(max)) return std::nullopt;
    return static_cast<int>(*n);
}

}  // namespace

GuestLogLine parse_syslog_datagram(std::string_view datagram) {
    GuestLogLine out;
    std::string_view s = trim_end(datagram);
    take_priority(s, out);
    if (s.size() >= 2 && s[0] == '1' && s[1] == ' ') {
        s.remove_prefix(2);
        parse_rfc5424(s, out);
    } else {
        parse_rfc3164(s, out);
    }
    return out;
}

GuestLogLine parse_journal_datagram(std::string_view datagram) {
    GuestLogLine out;
    std::string_view s = datagram;
    while (!s.empty()) {
        auto nl = s.find('\n');
        std::string_view line = s.substr(0, nl);
        std::string_view key, value;
        if (auto eq = line.find('='); eq != std::string_view::npos) {
            key = line.substr(0, eq);
            value = line.substr(eq + 1);
            s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
        } else {
            // KEY\n, a 64-bit little-endian size, the value, \n.
            if (nl == std::string_view::npos) break;
            key = line;
            s.remove_prefix(nl + 1);
            if (s.size() < 8) break;
            std::uint64_t size = 0;
            for (int i = 7; i >= 0; --i) size = size << 8 | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
            s.remove_prefix(8);
            if (size > s.size()) break;
            value = s.substr(0, static_cast<std::size_t>(size));
            s.remove_prefix(static_cast<std::size_t>(size));
            if (!s.empty() && s.front() == '\n') s.remove_prefix(1);
        }
        if (key == "MESSAGE") {
            out.message = std::string(trim_end(value));
        } else if (key == "SYSLOG_IDENTIFIER") {
            out.ident = std::string(value);
        } else if (key == "PRIORITY") {
            out.severity = small_number(value, 7);
        } else if (key == "SYSLOG_FACILITY") {
            out.facility = small_number(value, 23);
        } else if (key == "SYSLOG_PID") {
            std::string_view v = value;
            if (auto pid = take_number(v, 10); pid && v.empty()) out.claimed_pid = pid;
        }
    }
    return out;
}

std::string_view syslog_severity_name(int severity) {
    static constexpr std::array<std::string_view, 8> kNames = {"emerg",   "alert",  "crit", "err",
                                                               "warning", "notice", "info", "debug"};
    return severity >= 0 && severity < 8 ? kNames[static_cast<std::size_t>(severity)] : std::string_view{};
}

}  // namespace oyster::capture
