// Waiting for a non-blocking libpcap handle, so capture threads can notice a
// stop request within the timeout instead of blocking in a read forever.
#pragma once

#include <pcap/pcap.h>
#include <poll.h>

namespace oyster {

// True when the handle has packets (or an error) to collect.
inline bool wait_readable(pcap_t* handle, int timeout_ms) {
    pollfd p{pcap_get_selectable_fd(handle), POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace oyster
