#include "oyster/net/tap_capture.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/net/pcap_wait.h"

namespace oyster {
namespace {

constexpr int kSnapLen = 262144;
constexpr int kTimeoutMs = 200;
// What pcap_dump writes before each packet's bytes: the classic pcap record
// header (32-bit seconds, microseconds, captured and original lengths).
constexpr std::uint64_t kRecordHeaderBytes = 16;
// And what it writes at the start of each file.
constexpr std::uint64_t kFileHeaderBytes = 24;

// Packets are stamped by the kernel with the wall clock; ticks must be on
// the same clock.
std::int64_t wall_clock_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::vector<std::filesystem::path> pcap_files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        auto name = e.path().filename().string();
        if (name.starts_with("tap-") && name.ends_with(".pcap")) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TapCapture::TapCapture(const std::string& tap, const std::filesystem::path& dir, std::uint64_t rotate_bytes,
                       std::uint64_t max_bytes, std::shared_ptr<PacketObserver> observer)
    : dir_(dir), rotate_bytes_(rotate_bytes), max_bytes_(max_bytes), observer_(std::move(observer)) {
    std::filesystem::create_directories(dir_);
    for (const auto& f : pcap_files_in(dir_)) {
        unsigned n = 0;
        if (std::sscanf(f.filename().c_str(), "tap-%u.pcap", &n) == 1) next_index_ = std::max(next_index_, n + 1);
        std::error_code ec;
        auto size = std::filesystem::file_size(f, ec);
        if (!ec) closed_bytes_ += size;
    }
    char err[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_create(tap.c_str(), err);
    if (handle_ == nullptr) throw Error(fmt::format("pcap: {}: {}", tap, err));
    pcap_set_snaplen(handle_, kSnapLen);
    pcap_set_promisc(handle_, 0);
    pcap_set_timeout(handle_, kTimeoutMs);
    pcap_set_buffer_size(handle_, 4 << 20);
    if (int rc = pcap_activate(handle_); rc < 0) {
        std::string msg = pcap_geterr(handle_);
        pcap_close(handle_);
        throw Error(fmt::format("pcap: cannot capture on {}: {} ({})", tap, msg, pcap_statustostr(rc)));
    }
    if (pcap_setnonblock(handle_, 1, err) != 0) {
        pcap_close(handle_);
        throw Error(fmt::format("pcap: {}: {}", tap, err));
    }
    if (closed_bytes_ + kFileHeaderBytes > max_bytes_)
        quota_reached_ = true;
    else
        open_next_file();
    thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

TapCapture::~TapCapture() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    if (dumper_ != nullptr) pcap_dump_close(dumper_);
    pcap_close(handle_);
}

void TapCapture::open_next_file() {
    if (dumper_ != nullptr) pcap_dump_close(dumper_);
    dumper_ = nullptr;
    auto path = dir_ / fmt::format("tap-{:04}.pcap", next_index_++);
    dumper_ = pcap_dump_open(handle_, path.c_str());
    if (dumper_ == nullptr) throw Error(fmt::format("pcap: cannot write {}: {}", path.string(), pcap_geterr(handle_)));
    file_bytes_ = static_cast<std::uint64_t>(pcap_dump_ftell64(dumper_));
}

template <class F>
void TapCapture::observe(F&& call) {
    if (!observer_) return;
    try {
        call();
    } catch (const std::exception&) {
        // The observer reports its own trouble; the capture goes on (and an
        // exception must not unwind through libpcap's C frames).
    }
}

void TapCapture::on_packet(u_char* self, const struct pcap_pkthdr* header, const u_char* bytes) {
    auto& capture = *reinterpret_cast<TapCapture*>(self);
    capture.observe([&] {
        capture.observer_->packet(std::int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec,
                                  std::span<const std::uint8_t>(bytes, header->caplen));
    });
    // Quota and rotation are judged packet by packet: one dispatch on a busy
    // tap drains the whole 4 MiB ring, far more than a quota's margin.
    const std::uint64_t record = kRecordHeaderBytes + header->caplen;
    const bool rotate = capture.file_bytes_ >= capture.rotate_bytes_;
    const std::uint64_t after = capture.closed_bytes_ + capture.file_bytes_ + (rotate ? kFileHeaderBytes : 0) + record;
    if (after > capture.max_bytes_) capture.quota_reached_ = true;
    // Past the quota packets are only counted, so the socket's buffer never
    // fills and the count says what the pcap lacks.
    if (capture.quota_reached_ || capture.dumper_ == nullptr) {
        ++capture.not_written_;
        return;
    }
    if (rotate) {
        capture.closed_bytes_ += capture.file_bytes_;
        try {
            capture.open_next_file();
        } catch (const Error&) {
            // An exception must not unwind through libpcap's C frames.
            ++capture.not_written_;
            pcap_breakloop(capture.handle_);
            return;
        }
    }
    pcap_dump(reinterpret_cast<u_char*>(capture.dumper_), header, bytes);
    capture.file_bytes_ += record;
}

void TapCapture::run(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
        if (!wait_readable(handle_, kTimeoutMs)) {
            observe([&] { observer_->tick(wall_clock_us()); });
            continue;
        }
        int n = pcap_dispatch(handle_, -1, on_packet, reinterpret_cast<u_char*>(this));
        if (n < 0) break;  // breakloop (a file could not be opened), or the tap is gone
        observe([&] { observer_->tick(wall_clock_us()); });
        if (dumper_ == nullptr) continue;
        if (quota_reached_) {
            pcap_dump_close(dumper_);
            dumper_ = nullptr;
        } else if (n > 0) {
            pcap_dump_flush(dumper_);
        }
    }
    if (dumper_ != nullptr) pcap_dump_flush(dumper_);
    observe([&] { observer_->finish(wall_clock_us()); });
}

}  // namespace oyster
