#include "oyster/store/store_feeder.h"

#include <fmt/format.h>

namespace oyster::store {

StoreFeeder::StoreFeeder(std::filesystem::path store_file, std::filesystem::path events_file,
                         PeriodicSync::Report report, std::chrono::milliseconds interval)
    : store_file_(std::move(store_file)),
      events_file_(std::move(events_file)),
      sync_(
          fmt::format("store {}: cannot add events", store_file_.string()),
          [this] {
              if (!store_) store_ = std::make_unique<EventStore>(store_file_);
              store_->ingest_jsonl(events_file_);
          },
          [this] { store_.reset(); }, std::move(report), interval) {}

}  // namespace oyster::store
