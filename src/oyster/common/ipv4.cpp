#include "oyster/common/ipv4.h"

#include <charconv>

#include <fmt/format.h>

namespace oyster {

std::string Ipv4::str() const {
    return fmt::format("{}.{}.{}.{}", value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff);
}

std::string Ipv4Network::str() const {
    return fmt::format("{}/{}", base.str(), prefix_len);
}

std::optional<Ipv4> parse_ipv4(std::string_view text) {
    std::uint32_t value = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        if (p == end || *p < '0' || *p > '9') return std::nullopt;
        // A leading zero would read as octal elsewhere: refuse the ambiguity.
        if (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9') return std::nullopt;
        unsigned octet = 0;
        auto [next, ec] = std::from_chars(p, end, octet);
        if (ec != std::errc{} || octet > 255 || next - p > 3) return std::nullopt;
        value = (value << 8) | octet;
        p = next;
    }
    if (p != end) return std::nullopt;
    return Ipv4{value};
}

std::optional<Ipv4Network> parse_ipv4_network(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = parse_ipv4(text.substr(0, slash));
    std::string_view len_text = text.substr(slash + 1);
    unsigned len = 0;
    auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (!addr || ec != std::errc{} || next != len_text.data() + len_text.size() || len_text.empty() || len > 32) {
        return std::nullopt;
    }
    Ipv4Network net{*addr, len};
    if ((addr->value & ~net.mask()) != 0) return std::nullopt;
    return net;
}

std::uint32_t slot_count(const Ipv4Network& pool) {
    if (pool.prefix_len > 30) return 0;
    return std::uint32_t{1} << (30 - pool.prefix_len);
}

std::optional<GuestLink> slot_link(const Ipv4Network& pool, std::uint32_t index) {
    if (index >= slot_count(pool)) return std::nullopt;
    return GuestLink{Ipv4{pool.base.value + 1}, Ipv4{pool.base.value + index * 4 + 2}, pool.prefix_len};
}

}  // namespace oyster
