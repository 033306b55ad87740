// Events as syslog messages (RFC 5424): one message per event, the
// event's JSON line as the message (UTF-8, with the BOM the RFC asks
// for), its type as MSGID and its time as TIMESTAMP, so a collector can
// route on the type and store the JSON as it is (docs/outputs.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oyster/common/syslog_facility.h"

namespace oyster::outputs {

struct SyslogFormat {
    int facility = 16;  // local0
    std::string hostname = "-";
    std::string app_name = "oyster";
    std::string procid = "-";
    std::size_t max_bytes = 8192;
};

// How an event's type maps to a severity: errors 3, what an analyst
// should look at now (accepted logins, intrusions opened, caps hit) 5,
// the rest 6 (informational).
int event_severity(const nlohmann::json& event);

// The message for one event line (as in events.jsonl, without its
// newline). A line that is not a JSON object still goes out, as MSGID
// "-". The message is cut to max_bytes at a character boundary.
std::string syslog_message(std::string_view line, const SyslogFormat& format);

// A name fit for the HOSTNAME field: printable ASCII, no spaces, at most
// 255 characters; "-" when nothing is left.
std::string syslog_hostname(std::string_view name);

}  // namespace oyster::outputs
