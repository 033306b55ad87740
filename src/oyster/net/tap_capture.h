// Packet capture of one guest's tap with libpcap: everything the guest sends
// and receives, written to <dir>/tap-NNNN.pcap and rotated to a new file when
// one reaches the size limit. Files are flushed after every batch of packets,
// so a crash of the sensor loses at most the packets of the last batch.
//
// The capture runs in a thread of its own from construction until
// destruction or until the tap disappears (the guest stopped).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

// libpcap's handle types, without its header in ours.
struct pcap;
struct pcap_dumper;

namespace oyster {

class TapCapture {
public:
    // Opens the tap and the first file (numbered after any already in
    // `dir`, so a restarted capture never overwrites). Throws oyster::Error.
    TapCapture(const std::string& tap, const std::filesystem::path& dir, std::uint64_t rotate_bytes);
    ~TapCapture();
    TapCapture(const TapCapture&) = delete;
    TapCapture& operator=(const TapCapture&) = delete;

private:
    void run(const std::stop_token& stop);
    void open_next_file();

    std::filesystem::path dir_;
    std::uint64_t rotate_bytes_;
    ::pcap* handle_ = nullptr;
    ::pcap_dumper* dumper_ = nullptr;
    unsigned next_index_ = 0;
    std::jthread thread_;
};

// pcap files of a capture directory, oldest first.
std::vector<std::filesystem::path> pcap_files_in(const std::filesystem::path& dir);

}  // namespace oyster
