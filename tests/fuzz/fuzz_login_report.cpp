// Login reports arrive over honeylog from the guest; a guest root holding
// the key can send any bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "oyster/capture/login_attempt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> message(data, data + size);
    if (auto a = oyster::capture::parse_login_report(message)) {
        if (a->user.size() > 256 || a->password.size() > 1024 || a->remote_ip.size() > 64) __builtin_trap();
    }
    return 0;
}
