#include "oyster/net/tap_capture.h"

#include <pcap/pcap.h>

#include <algorithm>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/net/pcap_wait.h"

namespace oyster {
namespace {

constexpr int kSnapLen = 262144;
constexpr int kTimeoutMs = 200;

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
                       std::uint64_t max_bytes)
    : dir_(dir), rotate_bytes_(rotate_bytes), max_bytes_(max_bytes) {
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
    if (closed_bytes_ >= max_bytes_)
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
}

bool TapCapture::at_quota() {
    if (quota_reached_) return true;
    auto written = static_cast<std::uint64_t>(pcap_dump_ftell64(dumper_));
    if (closed_bytes_ + written < max_bytes_) return false;
    pcap_dump_close(dumper_);
    dumper_ = nullptr;
    quota_reached_ = true;
    return true;
}

void TapCapture::run(const std::stop_token& stop) {
    // Past the quota packets are only counted, so the socket's buffer never
    // fills and the count says what the pcap lacks.
    auto count = [](u_char* user, const struct pcap_pkthdr*, const u_char*) {
        ++*reinterpret_cast<std::atomic<std::uint64_t>*>(user);
    };
    while (!stop.stop_requested()) {
        if (!wait_readable(handle_, kTimeoutMs)) continue;
        if (quota_reached_) {
            if (pcap_dispatch(handle_, -1, count, reinterpret_cast<u_char*>(&not_written_)) < 0) break;
            continue;
        }
        // pcap_dump is libpcap's own callback for writing to a dumper. A
        // batch may go past the quota by what one dispatch delivers.
        int n = pcap_dispatch(handle_, -1, pcap_dump, reinterpret_cast<u_char*>(dumper_));
        if (n < 0) break;  // breakloop, or the tap is gone
        if (n > 0) pcap_dump_flush(dumper_);
        if (at_quota()) continue;
        auto written = static_cast<std::uint64_t>(pcap_dump_ftell64(dumper_));
        if (written >= rotate_bytes_) {
            closed_bytes_ += written;
            try {
                open_next_file();
            } catch (const Error&) {
                break;
            }
        }
    }
    if (dumper_ != nullptr) pcap_dump_flush(dumper_);
}

}  // namespace oyster
