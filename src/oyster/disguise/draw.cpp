#include "oyster/disguise/draw.h"

#include <array>

#include <fmt/format.h>

#include "oyster/common/sha256.h"

namespace oyster::disguise {
namespace {

// First octets of blocks allocated to RIRs and in wide use, none of which
// holds a special-purpose range (RFC 6890): 10, 100, 127, 169, 172, 192,
// 198, 203 and 224 upwards are left out altogether.
constexpr std::array<int, 96> kFirstOctets = {
    5,   14,  27,  31,  36,  37,  41,  42,  43,  45,  46,  49,  58,  59,  60,  61,  62,  77,  78,  79,
    80,  81,  82,  83,  84,  85,  86,  87,  88,  89,  90,  91,  92,  93,  94,  95,  101, 103, 104, 106,
    109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 134, 137, 138,
    139, 141, 143, 144, 146, 150, 152, 154, 159, 161, 162, 164, 165, 167, 170, 171, 175, 176, 177, 178,
    179, 180, 181, 182, 183, 185, 186, 187, 188, 190, 193, 194, 195, 212, 213, 217};

}  // namespace

Draw::Draw(std::string_view seed, std::string_view stream) {
    std::string digest = sha256_text(fmt::format("oyster-draw\n{}\n{}", stream, seed));
    state_ = std::stoull(digest.substr(0, 16), nullptr, 16);
}

// splitmix64: small, fast, and the same on every platform, which the
// standard library's distributions are not.
std::uint64_t Draw::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::int64_t Draw::range(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(next() % span);
}

bool Draw::percent(unsigned p) {
    return next() % 100 < p;
}

std::string Draw::public_prefix24() {
    int a = kFirstOctets[static_cast<std::size_t>(range(0, kFirstOctets.size() - 1))];
    return fmt::format("{}.{}.{}.", a, range(0, 255), range(0, 255));
}

std::string Draw::host_in(std::string_view prefix24) {
    return fmt::format("{}{}", prefix24, range(2, 254));
}

std::string Draw::public_ipv4() {
    return host_in(public_prefix24());
}

std::uint16_t Draw::client_port() {
    return static_cast<std::uint16_t>(range(32768, 60999));
}

std::string Draw::base64(std::size_t n) {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out += kAlphabet[next() % kAlphabet.size()];
    return out;
}

}  // namespace oyster::disguise
