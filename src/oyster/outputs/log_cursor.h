// One output's place in the sensor's event log: what it has delivered, kept
// in a state file of its own and committed only after a delivery
// succeeded, so a crash or kill -9 resends at most the last batch (at
// least once, never lost). Two processes may serve one output at once
// (the sensor's runner and `oyster outputs flush`): each delivers only
// while holding the output's lock and re-reads the state under it
// (hold()), so neither sends what the other already delivered. An output that falls further behind than its
// backlog limit skips ahead to the limit; what it skipped is counted in
// its state and returned, for the operator to be told.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/file_lock.h"

namespace oyster::outputs {

struct CursorState {
    std::string output;  // what the state file belongs to (e.g. the syslog URL)
    std::uint64_t inode = 0;
    // The log's first bytes (up to 64, hex): a log removed and created
    // again may get the same inode number back, but not the same start.
    std::string head;
    std::uint64_t offset = 0;         // bytes of the log delivered (or skipped)
    std::uint64_t delivered = 0;      // lines delivered
    std::uint64_t skipped_bytes = 0;  // over the backlog limit, since the state began
    std::uint64_t skipped_lines = 0;  // over the backlog limit, or longer than a line may be
};

nlohmann::json to_json(const CursorState& s);

class LogCursor {
public:
    // Lines longer than this are skipped (no sensor event comes near it).
    static constexpr std::size_t kMaxLineBytes = 4U << 20;

    LogCursor(std::filesystem::path log, std::filesystem::path state_file, std::string output,
              std::uint64_t backlog_bytes);

    struct Batch {
        std::vector<std::string> lines;
        std::uint64_t end = 0;  // offset after the batch
        std::uint64_t inode = 0;
        std::string head;                 // the log's first bytes, hex
        std::uint64_t skipped_lines = 0;  // too long, passed over within the batch
    };

    // Complete lines appended since the last commit, about `max_bytes` of
    // them (at least one line when there is one); empty when none. A log
    // that was replaced or truncated is read from its start. If the output
    // is over its backlog limit, it first skips ahead (committed at once)
    // and `skipped` says by how much.
    struct Skip {
        std::uint64_t bytes = 0, lines = 0;
    };
    Batch next(std::size_t max_bytes, Skip* skipped = nullptr);

    // Records the batch as delivered (atomically: write, fsync, rename).
    void commit(const Batch& batch);

    // Waits for the output's lock (<state file>.lock), then re-reads the
    // state, which another process may have committed since; deliver
    // and commit while the returned lock lives.
    [[nodiscard]] std::unique_ptr<FileLock> hold();

    const CursorState& state() const { return state_; }
    // Bytes of the log not yet delivered.
    std::uint64_t backlog() const;

private:
    void load();
    void save();

    std::filesystem::path log_, state_file_;
    std::uint64_t backlog_bytes_;
    CursorState state_;
};

// Where an output keeps its state: <dir>/<kind>-<hash of its identity>.json.
std::filesystem::path cursor_state_file(const std::filesystem::path& dir, const std::string& kind,
                                        const std::string& identity);

}  // namespace oyster::outputs
