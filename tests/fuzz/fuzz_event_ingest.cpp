// The analyst's store reads events.jsonl, whose lines carry attacker-typed
// strings: any bytes must be stored or skipped, never crash the ingester
// or leave the store without its tables; sessions are derived from the
// same lines (the guest's accept, forks and logins name them).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "oyster/store/event_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<oyster::store::EventStore> held;
    static unsigned runs = 0;
    // Bounded memory over a long run: a new store now and then. (Deleting
    // its rows instead left the session tracker naming sessions the
    // tables no longer had, and the check below trapped on the harness.)
    if (!held || ++runs % 4096 == 0) held = std::make_unique<oyster::store::EventStore>(":memory:");
    auto& store = *held;
    auto r = store.ingest_text(std::string_view(reinterpret_cast<const char*>(data), size));
    if (r.bytes != size) __builtin_trap();
    // Every derived row points at a stored event.
    if (store.db().query_int("SELECT COUNT(*) FROM credentials WHERE event_id NOT IN (SELECT id FROM events)") != 0)
        __builtin_trap();
    // A process belongs to a session that exists.
    if (store.db().query_int(
            "SELECT COUNT(*) FROM session_processes WHERE session_id NOT IN (SELECT id FROM sessions)") != 0)
        __builtin_trap();
    return 0;
}
