// Reading a span of a file that another process may be appending to (the
// sensor's event log): up to `n` bytes at `offset`, fewer at its end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace oyster {

// Throws oyster::Error naming `path` on a read error.
std::string read_at(int fd, std::uint64_t offset, std::size_t n, const std::filesystem::path& path);

}  // namespace oyster
