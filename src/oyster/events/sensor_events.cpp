#include "oyster/events/sensor_events.h"

namespace oyster::events {

std::optional<EventLine> parse_event_line(std::string_view line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    auto ts = j.find("ts");
    auto type = j.find("type");
    if (ts == j.end() || type == j.end() || !ts->is_string() || !type->is_string()) return std::nullopt;
    EventLine e;
    e.ts = ts->get<std::string>();
    e.type = type->get<std::string>();
    if (e.ts.empty() || e.type.empty()) return std::nullopt;
    e.fields = std::move(j);
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
    for (auto change : GuestChange::kChanges) {
        GuestChange g;
        g.change = change;
        out.push_back({g.type(), field_names<GuestChange>()});
    }
    add_schemas<GuestRecovered, GuestReady, GuestBootFailed, IntrusionOpened, IntrusionClosed, IntrusionPruned,
                Connection, ConnectionClosed, ConnectionRefused, Drop, Mail, QuotaReached, CaptureEvent, Login,
                CaptureSuppressed, CaptureError, EventsDropped, ForensicFile, Alert, Artefact, ForensicsDone>(out);
    return out;
}

}  // namespace oyster::events
