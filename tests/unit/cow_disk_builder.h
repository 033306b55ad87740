// Guest disks for forensics tests and benchmarks, built the way a guest's
// really are: a base image with an MBR and one Linux partition, and a COW
// file holding every sector the "guest" changed, as the UML block driver
// writes it (sandbox/cow_file.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "oyster/sandbox/cow_file.h"
#include "oyster/sandbox/guest_record.h"

namespace oyster::testing_support {

constexpr std::uint64_t kPartitionStart = 1U << 20;

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// An MBR with one Linux partition at 1 MiB holding `fs`, then `fs`.
inline std::string disk_of(const std::string& fs) {
    std::string disk(kPartitionStart, '\0');
    auto* e = reinterpret_cast<unsigned char*>(disk.data()) + 446;
    e[4] = 0x83;
    std::uint32_t start = kPartitionStart / 512, sectors = static_cast<std::uint32_t>(fs.size() / 512);
    std::memcpy(e + 8, &start, 4);
    std::memcpy(e + 12, &sectors, 4);
    disk[510] = static_cast<char>(0x55);
    disk[511] = static_cast<char>(0xaa);
    return disk + fs;
}

// A COW file over `base` holding every sector where `changed` differs.
inline void make_cow(const std::filesystem::path& cow, const std::filesystem::path& base, const std::string& changed) {
    CowHeader h = create_cow_file(cow, base);
    std::string original = read_all(base);
    std::fstream f(cow, std::ios::in | std::ios::out | std::ios::binary);
    std::vector<unsigned char> bitmap(h.bitmap_len());
    for (std::uint64_t s = 0; s < original.size() / 512; ++s) {
        if (original.compare(s * 512, 512, changed, s * 512, 512) == 0) continue;
        bitmap[s / 8] |= static_cast<unsigned char>(1U << (s % 8));
        f.seekp(static_cast<std::streamoff>(h.data_offset() + s * 512));
        f.write(changed.data() + s * 512, 512);
    }
    f.seekp(static_cast<std::streamoff>(h.bitmap_offset()));
    f.write(reinterpret_cast<const char*>(bitmap.data()), static_cast<std::streamsize>(bitmap.size()));
}

// A stopped guest's directory as the sensor leaves it for the analysis:
// guest.json naming `image` and `cow`, and intrusion.json with `intrusion_id`.
inline GuestRecord make_guest_dir(const std::filesystem::path& guest_dir, const std::string& intrusion_id,
                                  const std::filesystem::path& image, const std::filesystem::path& cow) {
    std::filesystem::create_directories(guest_dir);
    GuestRecord g;
    g.id = "g-" + intrusion_id.substr(intrusion_id.rfind('-') + 1);
    g.dir = guest_dir;
    g.image = image;
    g.cow = cow;
    save_guest(g);
    std::ofstream(guest_dir / "intrusion.json") << "{\"id\": \"" << intrusion_id << "\"}\n";
    return g;
}

}  // namespace oyster::testing_support
