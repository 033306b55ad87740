#include "oyster/sandbox/tcp_listeners.h"

#include <optional>

#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

constexpr std::string_view kListenState = "0A";

std::optional<unsigned> hex_digit(char c) {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    return std::nullopt;
}

// The next space-separated field of `line`, taken off its front.
std::string_view next_field(std::string_view& line) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        line = {};
        return {};
    }
    line.remove_prefix(start);
    auto end = line.find(' ');
    auto field = line.substr(0, end);
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    return field;
}

// "0100007F:0016" (IPv4, 8 hex digits) or 32 hex digits for IPv6, then a
// port of 4 hex digits.
std::optional<std::uint16_t> local_port(std::string_view address) {
    auto colon = address.find(':');
    if (colon != 8 && colon != 32) return std::nullopt;
    for (char c : address.substr(0, colon)) {
        if (!hex_digit(c)) return std::nullopt;
    }
    auto port = address.substr(colon + 1);
    if (port.size() != 4) return std::nullopt;
    unsigned value = 0;
    for (char c : port) {
        auto d = hex_digit(c);
        if (!d) return std::nullopt;
        value = value * 16 + *d;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

bool tcp_port_listening(std::string_view table, std::uint16_t port) {
    for (auto line : split_lines(table)) {
        auto slot = next_field(line);
        if (slot.size() < 2 || !slot.ends_with(':')) continue;  // the header, or not a row
        auto local = local_port(next_field(line));
        if (!local || *local != port) continue;
        if (!local_port(next_field(line))) continue;  // the remote address
        if (next_field(line) == kListenState) return true;
    }
    return false;
}

}  // namespace oyster
