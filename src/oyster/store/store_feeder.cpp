#include "oyster/store/store_feeder.h"

#include <fmt/format.h>

namespace oyster::store {

StoreFeeder::StoreFeeder(const std::filesystem::path& store_file, std::filesystem::path events_file,
                         PeriodicSync::Report report, std::chrono::milliseconds interval)
    : StoreFeeder(StoreLocation{store_file.string(), "", false}, "store " + store_file.string(), std::move(events_file),
                  {}, std::move(report), interval) {}

StoreFeeder::StoreFeeder(StoreLocation at, std::string what, std::filesystem::path events_file,
                         EventStore::LogSource source, PeriodicSync::Report report, std::chrono::milliseconds interval)
    : at_(std::move(at)),
      events_file_(std::move(events_file)),
      source_(std::move(source)),
      sync_(
          fmt::format("{}: cannot add events", what),
          [this] {
              if (!store_) store_ = std::make_unique<EventStore>(open_store_db(at_));
              store_->ingest_jsonl(events_file_, source_);
          },
          [this] { store_.reset(); }, std::move(report), interval) {}

}  // namespace oyster::store
