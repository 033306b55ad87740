// ssh-audit's and Nmap's reports of an SSH server hold what the server
// sent (its banner, its algorithm names): a guest's root shapes them.
// Normalising and comparing them must stay in bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "oyster/selftest/ssh_fingerprint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto audit = oyster::normalise_ssh_audit(text);
    auto nmap = oyster::normalise_nmap(text);
    // Normalising only drops and shortens, but for a port ("22/tcp" ->
    // "PORT/tcp", at most three bytes more than its line).
    for (const auto& line : nmap.lines) {
        if (line.size() > size + 3) __builtin_trap();
    }
    auto check = oyster::compare_ssh_reports("x", "y", audit, nmap);
    if (check.pass && (!audit.ran || !nmap.ran)) __builtin_trap();
    return 0;
}
