#include "oyster/evidence/intrusion_record.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/unix_time.h"
#include "oyster/net/tap_capture.h"

namespace oyster {

nlohmann::json to_json(const Intrusion& i) {
    return {{"id", i.id},
            {"state", i.state},
            {"source_ip", i.source_ip},
            {"guest_id", i.guest_id},
            {"dir", i.dir.string()},
            {"started_at", i.started_at},
            {"last_activity_at", i.last_activity_at},
            {"ended_at", i.ended_at},
            {"end_reason", i.end_reason},
            {"connections", i.connections},
            {"pcap_files", i.pcap_files},
            {"disk_bytes", i.disk_bytes},
            {"dormant_since", i.dormant_since},
            {"boots", i.boots}};
}

Intrusion intrusion_from_json(const nlohmann::json& j) {
    Intrusion i;
    i.id = j.at("id").get<std::string>();
    i.state = j.at("state").get<std::string>();
    i.source_ip = j.at("source_ip").get<std::string>();
    i.guest_id = j.at("guest_id").get<std::string>();
    i.dir = j.at("dir").get<std::string>();
    i.started_at = j.at("started_at").get<std::int64_t>();
    i.last_activity_at = j.at("last_activity_at").get<std::int64_t>();
    i.ended_at = j.at("ended_at").get<std::int64_t>();
    i.end_reason = j.at("end_reason").get<std::string>();
    i.connections = j.at("connections").get<std::uint64_t>();
    i.pcap_files = j.at("pcap_files").get<std::vector<std::string>>();
    i.disk_bytes = j.at("disk_bytes").get<std::uint64_t>();
    // Absent in records written before dormancy existed.
    i.dormant_since = j.value("dormant_since", std::int64_t{0});
    i.boots = j.value("boots", std::uint32_t{1});
    return i;
}

std::string new_intrusion_id(const std::string& guest_id, std::int64_t started_at) {
    std::time_t t = started_at;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}-{}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec, guest_id);
}

void save_intrusion(const Intrusion& i) {
    write_file_atomic(i.record_path(), to_json(i).dump(2) + "\n", 0600);
}

void close_intrusion(Intrusion& i, const std::string& reason) {
    i.state = "closed";
    i.ended_at = unix_now();
    i.end_reason = reason;
    i.pcap_files.clear();
    for (const auto& f : pcap_files_in(i.dir / "pcap")) i.pcap_files.push_back("pcap/" + f.filename().string());
    i.disk_bytes = allocated_bytes(i.dir);
    save_intrusion(i);
}

std::optional<Intrusion> load_intrusion(const std::filesystem::path& guest_dir) {
    auto path = guest_dir / "intrusion.json";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    try {
        return intrusion_from_json(nlohmann::json::parse(read_file(path)));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": unreadable intrusion record: " + e.what());
    }
}

std::vector<Intrusion> load_all_intrusions(const std::filesystem::path& state_dir) {
    std::vector<Intrusion> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(state_dir / "guests", ec)) {
        if (!entry.is_directory()) continue;
        try {
            if (auto i = load_intrusion(entry.path())) out.push_back(std::move(*i));
        } catch (const Error& e) {
            std::cerr << "oyster: warning: " << e.what() << "\n";
        }
    }
    std::sort(out.begin(), out.end(), [](const Intrusion& a, const Intrusion& b) { return a.id < b.id; });
    return out;
}

std::uint64_t allocated_bytes(const std::filesystem::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    auto add = [&total](const std::filesystem::path& p) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_blocks) * 512;
    };
    add(dir);
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        add(it->path());
    }
    return total;
}

}  // namespace oyster
