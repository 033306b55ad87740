#include "oyster/outputs/syslog_message.h"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "oyster/events/sensor_events.h"

namespace oyster::outputs {
namespace {

// PRINTUSASCII (33-126) only, at most `max` characters; "-" when empty.
std::string header_field(std::string_view s, std::size_t max) {
    std::string out;
    for (char c : s) {
        if (out.size() == max) break;
        auto b = static_cast<unsigned char>(c);
        out.push_back(b >= 33 && b <= 126 ? c : '_');
    }
    return out.empty() ? "-" : out;
}

// The event's ts when it has the RFC 3339 shape the sensor writes.
std::string timestamp(const nlohmann::json& event) {
    auto it = event.find("ts");
    if (it == event.end() || !it->is_string()) return "-";
    const auto& ts = it->get_ref<const std::string&>();
    if (ts.size() < 20 || ts.size() > 32 || ts[4] != '-' || ts[10] != 'T' || ts.back() != 'Z') return "-";
    for (char c : ts) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '.' || c == 'T' ||
              c == 'Z')) {
            return "-";
        }
    }
    return ts;
}

// Bytes of `s` up to `max`, not ending inside a UTF-8 sequence.
std::size_t utf8_cut(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s.size();
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    return n;
}

}  // namespace

int event_severity(const nlohmann::json& event) {
    // Read in place (every event passes here): only the fields of the
    // types that have a severity of their own are taken out.
    if (!event.is_object()) return 6;
    auto type_it = event.find("type");
    if (type_it == event.end() || !type_it->is_string()) return 6;
    const auto& type = type_it->get_ref<const std::string&>();
    using namespace events;
    if (type == CaptureError::kType || type == GuestBootFailed::kType) return 3;
    if (type == Alert::kType) {
        // A YARA rule's own severity: critical, high, medium, low.
        auto v = from_fields<Alert>(event).severity;
        return v == "critical" ? 2 : v == "high" ? 3 : v == "low" ? 5 : 4;
    }
    if (type == ForensicsDone::kType) return from_fields<ForensicsDone>(event).error ? 3 : 6;
    if (type == IntrusionOpened::kType || type == Mail::kType) return 5;
    if (type == Login::kType) return from_fields<Login>(event).success ? 5 : 6;
    if (type == Drop::kType) return from_fields<Drop>(event).cap_hit ? 5 : 6;
    return 6;
}

std::string syslog_hostname(std::string_view name) {
    return header_field(name, 255);
}

std::string syslog_message(std::string_view line, const SyslogFormat& format) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    bool object = !event.is_discarded() && event.is_object();
    std::string msgid = "-";
    if (object) {
        if (auto t = event.find("type"); t != event.end() && t->is_string())
            msgid = header_field(t->get<std::string>(), 32);
    }
    int pri = format.facility * 8 + (object ? event_severity(event) : 6);
    std::string out = fmt::format("<{}>1 {} {} {} {} {} - \xEF\xBB\xBF", pri, object ? timestamp(event) : "-",
                                  header_field(format.hostname, 255), header_field(format.app_name, 48),
                                  header_field(format.procid, 128), msgid);
    std::size_t room = format.max_bytes > out.size() ? format.max_bytes - out.size() : 0;
    out.append(line.substr(0, utf8_cut(line, room)));
    return out;
}

}  // namespace oyster::outputs
