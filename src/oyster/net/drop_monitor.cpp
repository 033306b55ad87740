#include "oyster/net/drop_monitor.h"

#include <pcap/pcap.h>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/net/pcap_wait.h"

namespace oyster {

DropMonitor::DropMonitor(Callback on_drop) : on_drop_(std::move(on_drop)) {
    char err[PCAP_ERRBUF_SIZE] = {};
    std::string device = fmt::format("nflog:{}", kDropLogGroup);
    handle_ = pcap_create(device.c_str(), err);
    if (handle_ == nullptr) throw Error(fmt::format("pcap: {}: {}", device, err));
    // libpcap reads each NFLOG message into a buffer of snaplen + 128 bytes;
    // the rules bound a message's packet bytes (kDropLogSnaplen), this
    // leaves room for every attribute around them.
    pcap_set_snaplen(handle_, 4096);
    pcap_set_timeout(handle_, 200);
    if (int rc = pcap_activate(handle_); rc < 0) {
        std::string msg = pcap_geterr(handle_);
        pcap_close(handle_);
        throw Error(fmt::format("pcap: cannot read {}: {} ({})", device, msg, pcap_statustostr(rc)));
    }
    if (pcap_datalink(handle_) != DLT_NFLOG) {
        pcap_close(handle_);
        throw Error(fmt::format("pcap: {} does not deliver NFLOG packets", device));
    }
    if (pcap_setnonblock(handle_, 1, err) != 0) {
        pcap_close(handle_);
        throw Error(fmt::format("pcap: {}: {}", device, err));
    }
    thread_ = std::jthread([this](const std::stop_token& stop) {
        while (!stop.stop_requested()) {
            if (!wait_readable(handle_, 200)) continue;
            int n = pcap_dispatch(
                handle_, -1,
                [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
                    auto* self = reinterpret_cast<DropMonitor*>(user);
                    // A malformed record is not a drop we can name: skip it.
                    if (auto p = parse_nflog_packet(bytes, h->caplen)) self->on_drop_(*p);
                },
                reinterpret_cast<u_char*>(this));
            if (n < 0) break;
        }
    });
}

DropMonitor::~DropMonitor() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    pcap_close(handle_);
}

}  // namespace oyster
