#include "oyster/sandbox/tcp_listeners.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "oyster/common/decimal.h"
#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

constexpr std::string_view kListenState = "0A";

// "0100007F:0016" (IPv4, 8 hex digits) or 32 hex digits for IPv6, then a
// port of 4 hex digits.
std::optional<std::uint16_t> local_port(std::string_view address) {
    auto colon = address.find(':');
    if (colon != 8 && colon != 32) return std::nullopt;
    auto host = address.substr(0, colon);
    if (!std::all_of(host.begin(), host.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    auto port = address.substr(colon + 1);
    if (port.size() != 4) return std::nullopt;
    return parse_decimal<std::uint16_t>(port, 16);
}

}  // namespace

bool tcp_port_listening(std::string_view table, std::uint16_t port) {
    for (auto line : split_lines(table)) {
        // "sl local_address rem_address st ...": the header's first word has no ':'.
        auto words = split_words(line);
        if (words.size() < 4 || words[0].size() < 2 || !words[0].ends_with(':')) continue;
        auto local = local_port(words[1]);
        if (local && *local == port && local_port(words[2]) && words[3] == kListenState) return true;
    }
    return false;
}

}  // namespace oyster
