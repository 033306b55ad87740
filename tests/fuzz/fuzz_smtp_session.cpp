// The mail sink's dialogue is driven by a guest: any lines, in any order,
// within its bounds (message size, recipients, AUTH arguments, messages).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/net/smtp_session.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    oyster::SmtpSession s("h", 4096);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::size_t total = 0, messages = 0;
    while (!in.empty() && !s.finished()) {
        auto nl = in.find('\n');
        auto line = in.substr(0, nl);
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        if (s.on_line(line).size() > 512) __builtin_trap();
        for (const auto& m : s.take_messages()) {
            total += m.data.size();
            if (m.data.size() > 4096 || m.rcpt_to.size() > oyster::SmtpSession::kMaxRecipients) __builtin_trap();
            if (m.auth.size() > oyster::SmtpSession::kMaxAuthArguments) __builtin_trap();
            for (const auto& a : m.auth) {
                if (a.size() > 512) __builtin_trap();
            }
            if (++messages > oyster::SmtpSession::kMaxMessages) __builtin_trap();
        }
    }
    (void)total;
    return 0;
}
