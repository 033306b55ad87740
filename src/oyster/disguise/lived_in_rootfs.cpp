#include "oyster/disguise/lived_in_rootfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "oyster/common/decimal.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/common/text_lines.h"
#include "oyster/disguise/lived_in.h"

namespace oyster::disguise {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kDay = 86400;

struct Account {
    std::string name;
    std::uint32_t id = 0;
    std::string home;
};

// name:x:id:... files (/etc/passwd, /etc/group): the name, the id, and
// for passwd the home (field 6) or for group the members (field 4).
std::vector<std::vector<std::string>> colon_file(const fs::path& file) {
    std::vector<std::vector<std::string>> rows;
    const std::string text = read_file(file);
    for (std::string_view line : split_on(text, '\n')) {
        if (line.empty() || line.front() == '#') continue;
        std::vector<std::string> row;
        for (std::string_view f : split_on(line, ':')) row.emplace_back(f);
        if (line.back() == ':') row.emplace_back();  // split_on makes no empty last part
        if (row.size() >= 4) rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<InstalledPackage> installed_packages(const fs::path& rootfs) {
    std::vector<InstalledPackage> out;
    std::map<std::string, std::string> fields;
    auto flush = [&] {
        if (fields["Status"] == "install ok installed" && !fields["Package"].empty()) {
            InstalledPackage p;
            p.name = fields["Package"];
            p.arch = fields["Architecture"];
            p.version = fields["Version"];
            p.source = fields["Source"].substr(0, fields["Source"].find(' '));
            struct stat st {};
            for (const char* log : {"changelog.Debian.gz", "changelog.gz"}) {
                if (::lstat((rootfs / "usr/share/doc" / p.name / log).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
                    p.built = st.st_mtime;
                    break;
                }
            }
            out.push_back(std::move(p));
        }
        fields.clear();
    };
    std::string last;
    const std::string status = read_file(rootfs / "var/lib/dpkg/status");
    for (std::string_view line : split_on(status, '\n')) {
        if (line.empty()) {
            flush();
            continue;
        }
        if (line.front() == ' ' || line.front() == '\t') continue;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        fields[std::string(line.substr(0, colon))] = std::string(value);
    }
    flush();
    return out;
}

std::vector<CronJob> cron_jobs(const fs::path& rootfs) {
    std::vector<CronJob> jobs;
    auto add = [&](const fs::path& f) {
        auto more = parse_system_crontab(read_file(f));
        jobs.insert(jobs.end(), more.begin(), more.end());
    };
    if (fs::is_regular_file(rootfs / "etc/crontab")) add(rootfs / "etc/crontab");
    std::error_code ec;
    std::vector<fs::path> dropins;
    for (const auto& e : fs::directory_iterator(rootfs / "etc/cron.d", ec)) {
        std::string name = e.path().filename().string();
        // cron's rule for /etc/cron.d: names of letters, digits, '_' and '-' only.
        if (e.is_regular_file() &&
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                std::string::npos) {
            dropins.push_back(e.path());
        }
    }
    std::sort(dropins.begin(), dropins.end());
    for (const auto& f : dropins) add(f);
    return jobs;
}

// The guest's zone for local times: its /etc/localtime, read inside the rootfs.
void use_guest_zone(const fs::path& rootfs) {
    fs::path zone = rootfs / "etc/localtime";
    std::error_code ec;
    if (fs::is_symlink(zone, ec)) {
        fs::path target = fs::read_symlink(zone, ec);
        zone = target.is_absolute() ? rootfs / target.relative_path() : zone.parent_path() / target;
    }
    std::string tz = ":" + zone.string();
    ::setenv("TZ", tz.c_str(), 1);
    ::tzset();
}

void set_times(const fs::path& p, std::int64_t mtime) {
    struct timespec ts[2] = {{static_cast<time_t>(mtime), 0}, {static_cast<time_t>(mtime), 0}};
    if (::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) {
        throw Error(fmt::format("{}: cannot set its times", p.string()));
    }
}

// A spread of `span` seconds that stays the same for a path: so that files
// dated to one day are not dated to one second.
std::int64_t spread(const std::string& path, std::int64_t span) {
    if (span <= 0) return 0;
    return static_cast<std::int64_t>(std::stoull(sha256_text(path).substr(0, 12), nullptr, 16) %
                                     static_cast<std::uint64_t>(span));
}

}  // namespace

RootfsHistoryResult apply_lived_in(const RootfsHistoryOptions& o) {
    const fs::path& root = o.rootfs;
    if (!fs::is_directory(root / "etc")) throw Error(fmt::format("{}: not a root filesystem", root.string()));
    use_guest_zone(root);

    LivedInInput in;
    in.seed = o.seed;
    in.hostname = without_trailing_space(read_file(root / "etc/hostname"));
    in.boot_time = o.boot_time;
    in.now = o.now;
    in.kernel_release = o.kernel_release;
    in.packages = installed_packages(root);
    for (const auto& p : in.packages) {
        if (p.name == "linux-image-" + o.kernel_release) in.kernel_package_version = p.version;
    }
    in.cron = cron_jobs(root);

    std::map<std::string, std::uint32_t> uids, gids;
    std::set<std::string> sudoers;
    for (const auto& g : colon_file(root / "etc/group")) {
        gids[g[0]] = parse_decimal<std::uint32_t>(g[2]).value_or(0);
        if (g[0] == "sudo") {
            for (std::string_view m : split_on(g[3], ',')) sudoers.emplace(m);
        }
    }
    std::map<std::string, std::string> homes;
    for (const auto& u : colon_file(root / "etc/passwd")) {
        std::uint32_t uid = parse_decimal<std::uint32_t>(u[2]).value_or(0);
        uids[u[0]] = uid;
        if (uid < 1000 || uid >= 60000 || u.size() < 6) continue;
        LivedInUser user{u[0], uid, sudoers.count(u[0]) > 0, {}};
        homes[u[0]] = u[5];
        fs::path history = root / fs::path(u[5]).relative_path() / ".bash_history";
        if (fs::is_regular_file(history)) {
            const std::string lines = read_file(history);
            for (std::string_view line : split_on(lines, '\n')) {
                if (!line.empty()) user.history.emplace_back(line);
            }
        }
        in.users.push_back(std::move(user));
    }

    LivedIn life = make_lived_in(in);
    RootfsHistoryResult result;
    result.installed = life.installed;

    // The history's files, replacing what the build left (apt's logs of
    // the build's own installs among them).
    std::set<std::string> written;
    for (const auto& f : life.files) {
        fs::path dest = root / fs::path(f.path).relative_path();
        bool gz = f.path.ends_with(".gz");
        fs::path plain = gz ? fs::path(dest).replace_extension() : dest;
        fs::create_directories(dest.parent_path());
        fs::remove(dest);
        fs::remove(plain);
        if (f.path == "/var/log/lastlog") {
            // Sparse, as on a real disk: one record per uid up to the highest.
            int fd = ::open(plain.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(f.content.size())) != 0) {
                throw Error(fmt::format("{}: cannot write", plain.string()));
            }
            constexpr std::size_t kRecord = 292;
            for (std::size_t at = 0; at + kRecord <= f.content.size(); at += kRecord) {
                if (f.content.find_first_not_of('\0', at) >= at + kRecord) continue;
                if (::pwrite(fd, f.content.data() + at, kRecord, static_cast<off_t>(at)) !=
                    static_cast<ssize_t>(kRecord)) {
                    ::close(fd);
                    throw Error(fmt::format("{}: cannot write", plain.string()));
                }
            }
            ::close(fd);
        } else {
            write_file_atomic(plain, f.content, 0600);
        }
        if (::chown(plain.c_str(), uids.count(f.owner) ? uids[f.owner] : 0, gids.count(f.group) ? gids[f.group] : 0) !=
                0 ||
            ::chmod(plain.c_str(), f.mode) != 0) {
            throw Error(fmt::format("{}: cannot set its owner and mode", plain.string()));
        }
        if (gz && run_capture({"gzip", "-n", "-f", plain.string()}).exit_code != 0) {
            throw Error(fmt::format("{}: gzip failed", plain.string()));
        }
        set_times(dest, f.mtime);
        written.insert(f.path);
        ++result.files_written;
    }

    // Every file the build made or changed, dated into the machine's life.
    std::int64_t last_user = life.installed;
    for (const auto& [name, t] : life.user_created) last_user = std::max(last_user, t);
    std::int64_t last_apt = life.installed;
    for (const auto& [name, t] : life.package_unpacked) last_apt = std::max(last_apt, t);
    auto package_of_info = [](const std::string& file) {
        std::string stem = file.substr(0, file.find('.'));
        return stem.substr(0, stem.find(':'));
    };
    auto new_time = [&](const std::string& p) -> std::int64_t {
        const std::int64_t installed = life.installed + spread(p, 3600);
        for (const auto& [name, home] : homes) {
            if (p == home || p.starts_with(home + "/")) {
                if (p == home + "/.bash_history" && life.user_last_seen.count(name)) return life.user_last_seen[name];
                return life.user_created.count(name) ? life.user_created[name] + spread(p, 60) : installed;
            }
        }
        if (p.starts_with("/etc/") && (p.ends_with("passwd") || p.ends_with("group") || p.ends_with("shadow") ||
                                       p.ends_with("passwd-") || p.ends_with("group-") || p.ends_with("shadow-") ||
                                       p.starts_with("/etc/subuid") || p.starts_with("/etc/subgid"))) {
            return last_user;
        }
        if (p.starts_with("/var/lib/dpkg/info/")) {
            auto it = life.package_unpacked.find(package_of_info(p.substr(19)));
            return it != life.package_unpacked.end() ? it->second : installed;
        }
        if (p.starts_with("/var/lib/dpkg/") || p.starts_with("/var/cache/debconf/") || p.starts_with("/var/lib/apt/")) {
            return last_apt;
        }
        // What the machine's users made over its life.
        if (p.starts_with("/srv/") || p.starts_with("/var/www/") || p.starts_with("/opt/") ||
            p.starts_with("/usr/local/") || p.starts_with("/etc/cron.d/") || p.starts_with("/etc/nginx/sites-") ||
            p == "/etc/motd") {
            std::int64_t from = life.installed + 3 * kDay;
            return from + spread(p, std::max<std::int64_t>(life.history_end - kDay - from, 0));
        }
        return installed;
    };
    // Mount points the build used; empty now, and their own times are set.
    static const std::set<std::string> kPseudo = {"/proc", "/sys"};
    std::vector<std::pair<std::string, int>> dirs;  // path, depth
    std::map<std::string, std::int64_t> times;      // every entry's mtime after the redating
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string p = "/" + it->path().lexically_relative(root).string();
        if (kPseudo.count(p)) it.disable_recursion_pending();
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        std::int64_t t = st.st_mtime;
        if (S_ISDIR(st.st_mode)) {
            if (t >= o.build_started) dirs.emplace_back(p, it.depth());
        } else if (t >= o.build_started && !written.count(p)) {
            t = std::min(new_time(p), o.now);
            set_times(it->path(), t);
            ++result.files_redated;
        }
        times[p] = t;
    }
    // Directories after what they hold, deepest first: dated to their newest entry.
    std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [p, depth] : dirs) {
        std::int64_t newest = life.installed + spread(p, 3600);
        std::string prefix = p == "/" ? "/" : p + "/";
        for (auto c = times.lower_bound(prefix); c != times.end() && c->first.starts_with(prefix); ++c) {
            if (c->first.find('/', prefix.size()) == std::string::npos) newest = std::max(newest, c->second);
        }
        newest = std::min(newest, o.now);
        set_times(p == "/" ? root : root / p.substr(1), newest);
        times[p] = newest;
        ++result.files_redated;
    }

    // Change and birth times: when the install or an upgrade wrote the
    // file, or the last change the history dates it to.
    std::map<std::string, std::int64_t> unpacked;
    for (const auto& [pkg, t] : life.package_unpacked) {
        for (const auto& list : {pkg + ".list", pkg + ":amd64.list"}) {
            fs::path f = root / "var/lib/dpkg/info" / list;
            if (!fs::is_regular_file(f)) continue;
            const std::string paths = read_file(f);
            for (std::string_view line : split_on(paths, '\n')) {
                if (line.empty()) continue;
                unpacked[std::string(line)] = t;
                // Debian 12 is merged-/usr: dpkg lists /lib/x.so, the file is /usr/lib/x.so.
                for (std::string_view top : {"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"}) {
                    if (line.starts_with(top)) unpacked["/usr" + std::string(line)] = t;
                }
            }
        }
    }
    for (const auto& [p, mtime] : times) {
        if (p.find_first_of("\"\\\n") != std::string::npos) continue;  // debugfs could not name it
        std::int64_t ctime = std::max(mtime, life.installed);
        std::int64_t crtime = life.installed;
        if (auto u = unpacked.find(p); u != unpacked.end() && !fs::is_directory(root / p.substr(1), ec)) {
            ctime = std::max(ctime, u->second);
            crtime = u->second;
        } else if (p.ends_with(".gz") && p.starts_with("/var/log/")) {
            crtime = mtime;  // made by gzip at the rotation after its last line
        }
        for (const auto& [name, home] : homes) {
            if ((p == home || p.starts_with(home + "/")) && life.user_created.count(name)) {
                crtime = life.user_created[name];
            }
        }
        crtime = std::min(crtime, ctime);
        result.change_times += fmt::format("{} {} {}\n", ctime, crtime, p);
    }
    return result;
}

}  // namespace oyster::disguise
