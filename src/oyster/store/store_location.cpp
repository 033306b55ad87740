#include "oyster/store/store_location.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/store_paths.h"

namespace oyster::store {
namespace {

std::string read_password_file(const Config& cfg) {
    const auto& file = cfg.store.password_file;
    auto problem = [&](const std::string& what) {
        return ConfigError(fmt::format("{}: store.password_file: {}: {}", cfg.source, file.string(), what));
    };
    // Not through a symlink: the check below must be of the file read.
    FdGuard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) throw problem(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw problem(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw problem("not a regular file");
    if ((st.st_mode & 0077) != 0) {
        throw problem(fmt::format("others may read or write it (mode {:04o}): chmod 600 it", st.st_mode & 07777));
    }
    if (st.st_uid != ::geteuid() && st.st_uid != 0) throw problem("owned by another user");
    std::string text;
    char buf[512];
    for (;;) {
        auto n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw problem(std::strerror(errno));
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > 4096) throw problem("longer than a password (4 KiB)");
    }
    // One line: the password; a final newline is not part of it.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) throw problem("empty");
    if (text.find('\n') != std::string::npos) throw problem("more than one line");
    return text;
}

}  // namespace

std::optional<StoreLocation> central_store(const Config& cfg) {
    if (cfg.store.url.empty()) return std::nullopt;
    // A URL libpq cannot read is the config's error, found before any
    // connection is tried.
    try {
        redacted_url(cfg.store.url);
    } catch (const Error& e) {
        throw ConfigError(fmt::format("{}: store.url: {}", cfg.source, e.what()));
    }
    StoreLocation at;
    at.where = cfg.store.url;
    at.central = true;
    if (!cfg.store.password_file.empty()) at.password = read_password_file(cfg);
    return at;
}

StoreLocation analyst_store(const Config& cfg) {
    if (auto central = central_store(cfg)) return *central;
    return {store_file(cfg.paths.state_dir).string(), "", false};
}

std::unique_ptr<SqlDb> open_store_db(const StoreLocation& at) {
    return open_sql_db(at.where, at.password);
}

EventStore::LogSource central_log_source(const Config& cfg) {
    std::string name = sensor_name(cfg);
    return {"sensor " + name, name};
}

}  // namespace oyster::store
