// Deterministic draws for what the guest is shown: the same seed gives the
// same history on every machine and every build, a different seed (another
// installation) a different one. Not for secrets: for variety that repeats.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace oyster::disguise {

class Draw {
public:
    // The state comes from SHA-256 of `seed` and `stream`, so two uses of
    // one seed (the logins, the package upgrades) do not move together.
    Draw(std::string_view seed, std::string_view stream);

    std::uint64_t next();
    // Uniform in [lo, hi] (hi >= lo).
    std::int64_t range(std::int64_t lo, std::int64_t hi);
    // True with probability `percent` / 100.
    bool percent(unsigned percent);
    template <typename T>
    const T& pick(std::span<const T> from) {
        return from[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(from.size()) - 1))];
    }

    // A routable unicast IPv4 address outside every special-purpose block
    // (private, shared, documentation, loopback, multicast): what the
    // internet's scanners and a company's ISP hand out.
    std::string public_ipv4();
    // One of `prefix`'s /24 ("a.b.c."): a host in it.
    std::string host_in(std::string_view prefix24);
    // "a.b.c." of a public /24, for an office or a CI runner's network.
    std::string public_prefix24();
    // A client's ephemeral port, as Linux hands them out.
    std::uint16_t client_port();
    // n characters of base64 (no padding), as in an SSH key's SHA256 fingerprint.
    std::string base64(std::size_t n);

private:
    std::uint64_t state_ = 0;
};

}  // namespace oyster::disguise
