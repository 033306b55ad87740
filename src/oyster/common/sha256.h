// SHA-256 of files, as lowercase hex (OpenSSL).
#pragma once

#include <filesystem>
#include <string>

namespace oyster {

std::string sha256_file(const std::filesystem::path& path);

}  // namespace oyster
