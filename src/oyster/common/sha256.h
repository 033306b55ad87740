// SHA-256 of files, as lowercase hex (OpenSSL).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace oyster {

std::string sha256_file(const std::filesystem::path& path);

// SHA-256 of bytes in memory, lowercase hex.
std::string sha256_text(std::string_view bytes);

}  // namespace oyster
