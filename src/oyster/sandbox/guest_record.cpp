#include "oyster/sandbox/guest_record.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"

namespace oyster {

nlohmann::json to_json(const GuestRecord& g) {
    return {{"id", g.id},
            {"state", g.state},
            {"pid", g.pid},
            {"pid_start_time", g.pid_start_time},
            {"slot", g.slot},
            {"tap", g.tap},
            {"host_ip", g.host_ip},
            {"guest_ip", g.guest_ip},
            {"prefix_len", g.prefix_len},
            {"mac", g.mac},
            {"dir", g.dir.string()},
            {"cow", g.cow.string()},
            {"kernel", g.kernel.string()},
            {"image", g.image.string()},
            {"netns_inode", g.netns_inode},
            {"started_at", g.started_at},
            {"stopped_at", g.stopped_at},
            {"boot_ms", g.boot_ms},
            {"owner", g.owner},
            {"cpu", g.cpu},
            {"writer_pid", g.writer_pid},
            {"writer_start_time", g.writer_start_time},
            {"console_writer_pid", g.console_writer_pid},
            {"console_writer_start_time", g.console_writer_start_time}};
}

GuestRecord guest_from_json(const nlohmann::json& j) {
    GuestRecord g;
    g.id = j.at("id").get<std::string>();
    g.state = j.at("state").get<std::string>();
    g.pid = j.at("pid").get<pid_t>();
    g.pid_start_time = j.at("pid_start_time").get<std::uint64_t>();
    g.slot = j.at("slot").get<std::uint32_t>();
    g.tap = j.at("tap").get<std::string>();
    g.host_ip = j.at("host_ip").get<std::string>();
    g.guest_ip = j.at("guest_ip").get<std::string>();
    g.prefix_len = j.at("prefix_len").get<unsigned>();
    g.mac = j.at("mac").get<std::string>();
    g.dir = j.at("dir").get<std::string>();
    g.cow = j.at("cow").get<std::string>();
    g.kernel = j.at("kernel").get<std::string>();
    g.image = j.at("image").get<std::string>();
    g.netns_inode = j.at("netns_inode").get<std::uint64_t>();
    g.started_at = j.at("started_at").get<std::int64_t>();
    g.stopped_at = j.at("stopped_at").get<std::int64_t>();
    g.boot_ms = j.at("boot_ms").get<std::int64_t>();
    g.owner = j.value("owner", std::string{});
    g.cpu = j.value("cpu", -1);
    g.writer_pid = j.value("writer_pid", pid_t{0});
    g.writer_start_time = j.value("writer_start_time", std::uint64_t{0});
    g.console_writer_pid = j.value("console_writer_pid", pid_t{0});
    g.console_writer_start_time = j.value("console_writer_start_time", std::uint64_t{0});
    return g;
}

void save_guest(const GuestRecord& g) {
    write_file_atomic(g.record_path(), to_json(g).dump(2) + "\n", 0600);
}

GuestRecord load_guest(const std::filesystem::path& guest_dir) {
    auto path = guest_dir / "guest.json";
    try {
        return guest_from_json(nlohmann::json::parse(read_file(path)));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": unreadable guest record: " + e.what());
    }
}

std::vector<GuestRecord> load_all_guests(const std::filesystem::path& state_dir) {
    std::vector<GuestRecord> out;
    std::error_code ec;
    auto root = state_dir / "guests";
    if (!std::filesystem::is_directory(root, ec)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
        if (!entry.is_directory() || !std::filesystem::exists(entry.path() / "guest.json")) continue;
        try {
            out.push_back(load_guest(entry.path()));
        } catch (const Error& e) {
            std::cerr << "oyster: warning: " << e.what() << "\n";
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.started_at != b.started_at ? a.started_at < b.started_at : a.id < b.id;
    });
    return out;
}

}  // namespace oyster
