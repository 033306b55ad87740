#include "oyster/sandbox/platform.h"

#include <sys/stat.h>

#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/common/paths.h"
#include "oyster/common/sha256.h"

namespace oyster {

FileFingerprint fingerprint_file(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw_errno("stat " + path.string());
    return FileFingerprint{static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino),
                           st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                           st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec};
}

std::filesystem::path platform_record_path(const std::filesystem::path& state_dir) {
    return state_dir / "platform.json";
}

Platform load_platform(const std::filesystem::path& state_dir) {
    auto path = platform_record_path(state_dir);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw Error(fmt::format("no guest platform recorded in {}: run `oyster setup` first", path.string()));
    }
    try {
        auto j = nlohmann::json::parse(read_file(path));
        Platform p;
        p.kernel = j.at("kernel").get<std::string>();
        p.image = j.at("image").get<std::string>();
        p.image_sha256 = j.at("image_sha256").get<std::string>();
        const auto& f = j.at("image_fingerprint");
        p.image_fingerprint = {f.at("size").get<std::uint64_t>(), f.at("inode").get<std::uint64_t>(),
                               f.at("mtime_ns").get<std::int64_t>(), f.at("ctime_ns").get<std::int64_t>()};
        p.honeylog_key = j.at("honeylog_key").get<std::string>();
        p.hostname = j.at("hostname").get<std::string>();
        p.image_spec_sha256 = j.at("image_spec_sha256").get<std::string>();
        p.identity = parse_guest_identity(j.at("identity").dump(), path.string() + " (identity)");
        p.dmi = parse_dmi_json(j.at("dmi"), path.string() + " (dmi)");
        p.shown_boot.boot_time = j.at("shown_boot").at("boot_time").get<std::int64_t>();
        p.shown_boot.uptime_days = j.at("shown_boot").at("uptime_days").get<std::uint32_t>();
        p.shown_boot.anchor = j.at("shown_boot").value("anchor", p.shown_boot.boot_time);
        const auto& login = j.at("login");
        p.login.root_password = login.at("root_password").get<std::string>();
        for (const auto& a : login.at("accounts")) {
            p.login.accounts.push_back({a.at("user").get<std::string>(), a.at("password").get<std::string>()});
        }
        p.login.root_after_failures = login.at("root_after_failures").get<std::uint32_t>();
        return p;
    } catch (const nlohmann::json::exception& e) {
        throw Error(
            fmt::format("{}: unreadable platform record ({}): run `oyster setup` again", path.string(), e.what()));
    }
}

void save_platform(const std::filesystem::path& state_dir, const Platform& p) {
    nlohmann::json j = {{"kernel", p.kernel.string()},
                        {"image", p.image.string()},
                        {"image_sha256", p.image_sha256},
                        {"image_fingerprint",
                         {{"size", p.image_fingerprint.size},
                          {"inode", p.image_fingerprint.inode},
                          {"mtime_ns", p.image_fingerprint.mtime_ns},
                          {"ctime_ns", p.image_fingerprint.ctime_ns}}},
                        {"honeylog_key", p.honeylog_key},
                        {"hostname", p.hostname},
                        {"image_spec_sha256", p.image_spec_sha256},
                        {"identity", nlohmann::json::parse(guest_identity_json(p.identity))},
                        {"dmi", dmi_json(p.dmi)},
                        {"shown_boot",
                         {{"boot_time", p.shown_boot.boot_time},
                          {"uptime_days", p.shown_boot.uptime_days},
                          {"anchor", p.shown_boot.anchor}}},
                        {"login", login_policy_json(p.login)}};
    std::filesystem::create_directories(state_dir);
    write_file_atomic(platform_record_path(state_dir), j.dump(2) + "\n", 0600);
}

std::string ensure_honeylog_key(const std::filesystem::path& cache_dir) {
    auto path = cache_dir / "honeylog.key";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        std::random_device rd;
        std::uint64_t key = 0;
        while (key == 0) key = (std::uint64_t{rd()} << 32) | rd();
        std::filesystem::create_directories(cache_dir);
        write_file_atomic(path, fmt::format("{:016x}\n", key), 0600);
    }
    std::string key = read_file(path);
    while (!key.empty() && key.back() == '\n') key.pop_back();
    if (key.size() != 16 || key.find_first_not_of("0123456789abcdef") != std::string::npos ||
        key == std::string(16, '0')) {
        throw Error(path.string() + ": not a 16-digit hex key; delete it and run `oyster setup` again");
    }
    return key;
}

namespace {

std::filesystem::path boot_anchors_file(const std::filesystem::path& cache_dir) {
    return cache_dir / "shown-boots.json";
}

nlohmann::json read_boot_anchors(const std::filesystem::path& cache_dir) {
    auto path = boot_anchors_file(cache_dir);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return nlohmann::json::object();
    try {
        auto j = nlohmann::json::parse(read_file(path));
        if (j.is_object()) return j;
    } catch (const nlohmann::json::exception&) {
    }
    throw Error(path.string() + ": not a JSON object of anchors; delete it and run `oyster setup` again");
}

}  // namespace

std::int64_t load_boot_anchor(const std::filesystem::path& cache_dir, std::uint32_t uptime_days) {
    auto j = read_boot_anchors(cache_dir);
    auto it = j.find(std::to_string(uptime_days));
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

void save_boot_anchor(const std::filesystem::path& cache_dir, std::uint32_t uptime_days, std::int64_t anchor) {
    auto j = read_boot_anchors(cache_dir);
    j[std::to_string(uptime_days)] = anchor;
    std::filesystem::create_directories(cache_dir);
    write_file_atomic(boot_anchors_file(cache_dir), j.dump(2) + "\n", 0644);
}

std::string read_image_checksum_file(const std::filesystem::path& image) {
    auto path = image;
    path += ".sha256";
    std::string text = read_file(path);
    auto space = text.find(' ');
    std::string hex = text.substr(0, space);
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw Error(path.string() + ": not a sha256sum line");
    }
    return hex;
}

void verify_base_image(const Platform& p, bool full) {
    if (!full && fingerprint_file(p.image) == p.image_fingerprint) return;
    std::string actual = sha256_file(p.image);
    if (actual != p.image_sha256) {
        throw Error(
            fmt::format("base image {} has changed (sha256 {}, expected {}): refusing to boot from it; "
                        "run `oyster setup` to rebuild",
                        p.image.string(), actual, p.image_sha256));
    }
}

}  // namespace oyster
