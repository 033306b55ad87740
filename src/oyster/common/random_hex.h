// Secrets made here (the web token, its sessions, a central store's
// passwords): bytes from the kernel's CSPRNG, as hex.
#pragma once

#include <cstddef>
#include <string>

namespace oyster {

// `bytes` random bytes as 2 * bytes lower-case hex digits. Throws
// oyster::Error when the kernel gives none.
std::string random_hex(std::size_t bytes);

}  // namespace oyster
