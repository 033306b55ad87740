#include "oyster/forensics/file_type.h"

#include <fcntl.h>
#include <magic.h>
#include <unistd.h>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::forensics {

struct FileTyper::Cookies {
    magic_t description = nullptr;
    magic_t mime = nullptr;
    Cookies() = default;
    Cookies(const Cookies&) = delete;
    Cookies& operator=(const Cookies&) = delete;
    ~Cookies() {
        if (description != nullptr) magic_close(description);
        if (mime != nullptr) magic_close(mime);
    }
};

std::vector<std::filesystem::path> magic_database_files() {
    std::vector<std::filesystem::path> out;
    const char* path = magic_getpath(nullptr, 0);
    std::string_view rest = path != nullptr ? path : "";
    std::error_code ec;
    while (!rest.empty()) {
        auto colon = rest.find(':');
        std::string part(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        if (part.empty()) continue;
        for (const auto& p : {std::filesystem::path(part), std::filesystem::path(part + ".mgc")}) {
            if (std::filesystem::exists(p, ec)) out.push_back(p);
        }
    }
    return out;
}

namespace {

magic_t open_cookie(int flags) {
    // No decompression: a zip bomb in a guest must not expand here.
    magic_t m = magic_open(flags | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (m == nullptr) throw Error("libmagic: cannot allocate a cookie");
    if (magic_load(m, nullptr) != 0) {
        std::string why = magic_error(m) != nullptr ? magic_error(m) : "unknown error";
        magic_close(m);
        throw Error(fmt::format("libmagic: cannot load the magic database: {}", why));
    }
    // Lower than the defaults: hostile files are built to make the matcher
    // recurse and search (CVE-2014-8116/8117 were exactly that).
    std::size_t indir = 8, name = 30, elf_sections = 128, elf_phnum = 128, bytes = FileTyper::kSniffBytes;
    magic_setparam(m, MAGIC_PARAM_INDIR_MAX, &indir);
    magic_setparam(m, MAGIC_PARAM_NAME_MAX, &name);
    magic_setparam(m, MAGIC_PARAM_ELF_SHNUM_MAX, &elf_sections);
    magic_setparam(m, MAGIC_PARAM_ELF_PHNUM_MAX, &elf_phnum);
    magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes);
    return m;
}

std::string classify(magic_t m, std::span<const std::uint8_t> head, const char* fallback) {
    const char* r = magic_buffer(m, head.data(), head.size());
    return r != nullptr ? std::string(r) : std::string(fallback);
}

}  // namespace

FileTyper::FileTyper() : cookies_(std::make_unique<Cookies>()) {
    cookies_->description = open_cookie(MAGIC_NONE);
    cookies_->mime = open_cookie(MAGIC_MIME_TYPE);
}

FileTyper::~FileTyper() = default;

FileType FileTyper::type_of(std::span<const std::uint8_t> head) const {
    if (head.size() > kSniffBytes) head = head.first(kSniffBytes);
    if (head.empty()) return {"empty", "inode/x-empty"};
    return {classify(cookies_->description, head, "data"), classify(cookies_->mime, head, "application/octet-stream")};
}

FileType FileTyper::type_of_file(const std::filesystem::path& file) const {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return {"unreadable", "application/octet-stream"};
    // libmagic may close or move the descriptor's offset: one per cookie.
    auto classify_fd = [&](magic_t m, const char* fallback) {
        ::lseek(fd, 0, SEEK_SET);
        const char* r = magic_descriptor(m, fd);
        return r != nullptr ? std::string(r) : std::string(fallback);
    };
    FileType t{classify_fd(cookies_->description, "data"), classify_fd(cookies_->mime, "application/octet-stream")};
    ::close(fd);
    return t;
}

}  // namespace oyster::forensics
