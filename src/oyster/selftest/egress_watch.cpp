#include "oyster/selftest/egress_watch.h"

#include <sstream>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/process.h"

namespace oyster {

std::string egress_device(const std::string& ip) {
    try {
        auto r = run_capture({"ip", "-o", "route", "get", ip}, {}, ChildStderr::discard);
        std::istringstream f(r.stdout_text);
        std::string word;
        while (f >> word) {
            if (word == "dev" && (f >> word)) return word;
        }
    } catch (const Error&) {
    }
    return "";
}

EgressWatch::EgressWatch(const std::string& device, const std::string& filter) {
    char err[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_create(device.c_str(), err);
    if (handle_ == nullptr) throw Error(fmt::format("pcap on {}: {}", device, err));
    pcap_set_snaplen(handle_, 256);
    pcap_set_immediate_mode(handle_, 1);
    // A flood must not overflow the kernel's buffer before count() reads it.
    pcap_set_buffer_size(handle_, 16 << 20);
    if (pcap_activate(handle_) < 0) fail(device);
    bpf_program prog{};
    if (pcap_compile(handle_, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) fail(device);
    int rc = pcap_setfilter(handle_, &prog);
    pcap_freecode(&prog);
    if (rc != 0 || pcap_setnonblock(handle_, 1, err) != 0) fail(device);
}

EgressWatch::~EgressWatch() {
    if (handle_ != nullptr) pcap_close(handle_);
}

std::uint64_t EgressWatch::count() {
    auto one = [](u_char* user, const pcap_pkthdr*, const u_char*) { ++*reinterpret_cast<std::uint64_t*>(user); };
    while (pcap_dispatch(handle_, -1, one, reinterpret_cast<u_char*>(&seen_)) > 0) {
    }
    return seen_;
}

LeakWatch::LeakWatch(const std::string& ip, const std::string& filter) : where_(egress_device(ip)) {
    if (where_.empty()) {
        where_ = "(no route out)";
    } else {
        watch_ = std::make_unique<EgressWatch>(where_, filter);
    }
}

void EgressWatch::fail(const std::string& device) {
    std::string why = pcap_geterr(handle_);
    pcap_close(handle_);
    handle_ = nullptr;
    throw Error(fmt::format("pcap on {}: {}", device, why));
}

}  // namespace oyster
