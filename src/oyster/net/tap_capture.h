// Packet capture of one guest's tap with libpcap: everything the guest sends
// and receives, written to <dir>/tap-NNNN.pcap and rotated to a new file when
// one reaches the size limit. Files are flushed after every batch of packets,
// so a crash of the sensor loses at most the packets of the last batch.
//
// The capture runs in a thread of its own from construction until
// destruction or until the tap disappears (the guest stopped).
//
// All of a directory's files together hold at most `max_bytes` (the files a
// restarted capture finds count): a guest flooding its tap cannot fill the
// disk with its pcap. The quota is exact: the first packet that would cross
// it is not written, and from then on the capture only counts what it does
// not write, and says so (quota_reached()).
//
// A PacketObserver sees every packet, those past the quota too: what
// inspects the traffic live (detection/flow_inspector.h) must not go blind
// when the pcap is full.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

// libpcap's handle types, without its header in ours.
struct pcap;
struct pcap_dumper;
struct pcap_pkthdr;

namespace oyster {

// Called on the capture's thread only, so an observer needs no lock of its
// own. Exceptions are caught and logged by nobody: an observer reports its
// own trouble.
class PacketObserver {
public:
    virtual ~PacketObserver() = default;
    // One Ethernet frame as captured (up to the snap length), and when.
    virtual void packet(std::int64_t time_us, std::span<const std::uint8_t> frame) = 0;
    // At least every 200 ms, packets or not: time for what waits on silence.
    virtual void tick(std::int64_t now_us) = 0;
    // Once, when the capture ends (the guest stopped, or the sensor).
    virtual void finish(std::int64_t now_us) = 0;
};

class TapCapture {
public:
    // Opens the tap and the first file (numbered after any already in
    // `dir`, so a restarted capture never overwrites). Throws oyster::Error.
    TapCapture(const std::string& tap, const std::filesystem::path& dir, std::uint64_t rotate_bytes,
               std::uint64_t max_bytes = UINT64_MAX, std::shared_ptr<PacketObserver> observer = nullptr);
    ~TapCapture();
    TapCapture(const TapCapture&) = delete;
    TapCapture& operator=(const TapCapture&) = delete;

    // True once the files reached max_bytes; packets after it are counted.
    bool quota_reached() const { return quota_reached_; }
    std::uint64_t packets_not_written() const { return not_written_; }

private:
    void run(const std::stop_token& stop);
    void open_next_file();
    // Calls the observer, if any, with its exceptions caught.
    template <class F>
    void observe(F&& call);
    // libpcap's per-packet callback; `self` is the TapCapture.
    static void on_packet(unsigned char* self, const struct pcap_pkthdr* header, const unsigned char* bytes);

    std::filesystem::path dir_;
    std::uint64_t rotate_bytes_, max_bytes_;
    std::uint64_t closed_bytes_ = 0;  // in the directory's files already closed
    std::uint64_t file_bytes_ = 0;    // written to the open file, its header included
    std::atomic<bool> quota_reached_{false};
    std::atomic<std::uint64_t> not_written_{0};
    ::pcap* handle_ = nullptr;
    ::pcap_dumper* dumper_ = nullptr;
    unsigned next_index_ = 0;
    std::shared_ptr<PacketObserver> observer_;
    std::jthread thread_;
};

// pcap files of a capture directory, oldest first.
std::vector<std::filesystem::path> pcap_files_in(const std::filesystem::path& dir);

}  // namespace oyster
