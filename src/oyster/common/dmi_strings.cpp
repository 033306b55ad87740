#include "oyster/common/dmi_strings.h"

#include <fmt/format.h>

namespace oyster {
namespace {

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string check_dmi_value(std::string_view key, std::string_view value) {
    if (key == "product_uuid") {
        bool ok = value.size() == 36;
        for (std::size_t i = 0; ok && i < value.size(); ++i) {
            ok = (i == 8 || i == 13 || i == 18 || i == 23) ? value[i] == '-' : is_lower_hex(value[i]);
        }
        return ok ? std::string() : fmt::format("\"{}\" is not a lower-case UUID (8-4-4-4-12 hex digits)", value);
    }
    if (key == "chassis_type") {
        unsigned n = 0;
        bool ok = !value.empty() && value.size() <= 2;
        for (char c : value) {
            ok = ok && c >= '0' && c <= '9';
            n = n * 10 + static_cast<unsigned>(c - '0');
        }
        return ok && n >= 1 && n <= 36 ? std::string()
                                       : fmt::format("\"{}\" is not an SMBIOS chassis type (1 to 36)", value);
    }
    if (key == "bios_date" && !value.empty()) {
        bool ok = value.size() == 10 && value[2] == '/' && value[5] == '/';
        for (std::size_t i = 0; ok && i < value.size(); ++i)
            ok = i == 2 || i == 5 || (value[i] >= '0' && value[i] <= '9');
        if (!ok) return fmt::format("\"{}\" is not a date MM/DD/YYYY", value);
    }
    if (value.size() > 64) return "an SMBIOS string here is at most 64 characters";
    for (char c : value) {
        if (c < 0x20 || c > 0x7e) return "must be printable ASCII";
    }
    return {};
}

}  // namespace oyster
