// What a file is, by its content (libmagic, the `file` command's database):
// a description ("ELF 64-bit LSB executable, x86-64, ...") and a MIME type.
// The content is the attacker's: libmagic runs with its recursion, ELF and
// decompression limits lowered, on a buffer or on a descriptor of a file
// Oyster wrote (an evidence blob), never on a path in the guest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace oyster::forensics {

struct FileType {
    std::string description;
    std::string mime;  // "application/x-executable", "text/plain", ...
};

// The files the system's magic database is loaded from (libmagic's default
// path, each part and its compiled ".mgc", those that exist), as a jail
// that runs FileTyper must hold them.
std::vector<std::filesystem::path> magic_database_files();

class FileTyper {
public:
    // Bytes of a file's start that decide its type; more are not read.
    static constexpr std::size_t kSniffBytes = std::size_t{1} << 20;

    // Loads the system's magic database. Throws oyster::Error when it cannot.
    FileTyper();
    ~FileTyper();
    FileTyper(const FileTyper&) = delete;
    FileTyper& operator=(const FileTyper&) = delete;

    // Never throws: a buffer libmagic cannot classify is "data". ELF
    // details (linking, interpreter, build id) need a descriptor.
    FileType type_of(std::span<const std::uint8_t> head) const;
    // A whole file, ELF headers parsed. Never throws: a file that cannot
    // be read is typed "unreadable".
    FileType type_of_file(const std::filesystem::path& file) const;

private:
    struct Cookies;
    std::unique_ptr<Cookies> cookies_;
};

}  // namespace oyster::forensics
