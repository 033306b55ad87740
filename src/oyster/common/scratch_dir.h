// A temporary directory for one command's work (a capture decoded for a
// replay or an export), removed with everything in it when the scope ends.
#pragma once

#include <filesystem>
#include <string>

namespace oyster {

class ScratchDir {
public:
    // Creates <tmp>/<prefix>-XXXXXX. Throws oyster::Error.
    explicit ScratchDir(const std::string& prefix);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace oyster
