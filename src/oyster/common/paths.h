// Where Oyster's own files are: the directory holding kernel/ and image/
// (compiled in, overridable with OYSTER_DATA_DIR), the programs installed
// beside oyster, and atomic file writes.
#pragma once

#include <filesystem>
#include <string>

namespace oyster {

std::filesystem::path data_dir();

// A program installed beside the running one (oyster-capture-writer,
// oyster-boundary-probe beside oyster).
inline std::filesystem::path program_beside_self(const std::string& name) {
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / name;
}

// Writes `content` to `path` so that a crash leaves either the old or the new
// file, never a torn one (temp file, fsync, rename, fsync of the directory).
// The temp file is made new (O_EXCL): a symlink left at its name, in a
// directory someone else may write (a guest's forensics/, which the jailed
// worker writes), is removed, never written through.
void write_file_atomic(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);

std::string read_file(const std::filesystem::path& path);

// The regular file at `path`, which must not be a symlink (a file someone
// else may have planted). Throws oyster::Error.
std::string read_regular_file(const std::filesystem::path& path);

}  // namespace oyster
