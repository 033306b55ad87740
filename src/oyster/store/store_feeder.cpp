#include "oyster/store/store_feeder.h"

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/log_segments.h"

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
              try {
                  if (!store_) store_ = std::make_unique<EventStore>(open_store_db(at_));
                  store_->ingest_jsonl(events_file_, source_);
                  synced_ = store_->last_position();
              } catch (const std::exception& e) {
                  // The backlog is the log itself, kept on disk (bounded
                  // by its rotation): say how much of it waits.
                  auto segments = log_segments(events_file_);
                  auto place = place_in(segments, synced_ ? synced_->inode : 0, synced_ ? synced_->offset : 0);
                  std::uint64_t behind = place ? bytes_from(segments, *place) : 0;
                  throw Error(fmt::format("{}; {} bytes of the log wait for it", e.what(), behind));
              }
          },
          [this] { store_.reset(); }, std::move(report), interval) {}

}  // namespace oyster::store
