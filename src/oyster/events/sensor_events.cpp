#include "oyster/events/sensor_events.h"

namespace oyster::events {

std::optional<EventLine> event_line_of(nlohmann::json event) {
    if (!event.is_object()) return std::nullopt;
    auto type = event.find("type");
    if (type == event.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) return std::nullopt;
    EventLine e;
    e.type = type->get<std::string>();
    if (auto ts = event.find("ts"); ts != event.end() && ts->is_string()) e.ts = ts->get<std::string>();
    e.fields = std::move(event);
    return e;
}

std::optional<EventLine> parse_event_line(std::string_view line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    auto e = event_line_of(std::move(j));
    if (!e || e->ts.empty()) return std::nullopt;
    return e;
}

namespace {

template <class... E>
void add_schemas(std::vector<EventSchema>& out) {
    (out.push_back({std::string(E::kType), field_names<E>()}), ...);
}

}  // namespace

std::vector<EventSchema> event_schema() {
    std::vector<EventSchema> out;
    add_schemas<SensorStarted, SensorStopped>(out);
    for (std::size_t i = 0; i < std::size(kGuestChangeNames); ++i) {
        GuestChange g;
        g.change = static_cast<GuestChangeKind>(i);
        out.push_back({g.type(), field_names<GuestChange>()});
    }
    add_schemas<GuestRecovered, GuestReady, GuestBootFailed, IntrusionOpened, IntrusionClosed, IntrusionPruned,
                Connection, ConnectionClosed, ConnectionRefused, Drop, Flow, Mail, QuotaReached, CaptureEvent, Login,
                CaptureSuppressed, CaptureError, EventsDropped, ForensicFile, Alert, Artefact, ForensicsDone>(out);
    return out;
}

}  // namespace oyster::events
