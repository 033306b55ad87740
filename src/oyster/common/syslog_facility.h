// Syslog facilities by name and code (RFC 5424 table 1): the names the
// configuration accepts for outputs.syslog_facility, the codes the syslog
// output sends, and the names decoded guest log lines show. Codes 12-15
// have no traditional name and are left out.
#pragma once

#include <optional>
#include <string_view>

namespace oyster {

// The code of a facility name (kern, user, ... authpriv, ftp, local0-7).
std::optional<int> syslog_facility_code(std::string_view name);

// The name of a facility code, "" for a code without one (12-15, or out of
// 0-23).
std::string_view syslog_facility_name(int code);

}  // namespace oyster
