// An append-only log kept in segments: the live file <log> and, as it
// grows, rotated files <log>.1, <log>.2, ... (higher is newer). Readers
// that remember their place by (inode, offset) go on from there across a
// rotation: the rest of the file they were in, then each newer one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace oyster {

struct LogSegment {
    std::filesystem::path path;
    std::uint64_t number = 0;  // of a rotated file; 0 for the live one
    std::uint64_t inode = 0, size = 0;
};

// The log's segments, oldest first: rotated files by number, then the live
// file (when it exists). Files that vanish while listed are left out.
std::vector<LogSegment> log_segments(const std::filesystem::path& log);

// The rotated file <log>.<number>.
std::filesystem::path rotated_segment(const std::filesystem::path& log, std::uint64_t number);

// Where a reader that stopped in the file with `inode` at `offset` goes on:
// the index of that segment and the offset in it, moved past finished
// rotated segments to the start of the next. A reader with no place, or
// whose file is gone, starts at the oldest segment; one whose file is
// shorter than its offset (truncated), at that file's start. nullopt: no
// segments.
struct LogPlace {
    std::size_t index = 0;
    std::uint64_t offset = 0;
    bool restarted = false;  // the reader's file was gone or truncated
};
std::optional<LogPlace> place_in(const std::vector<LogSegment>& segments, std::uint64_t inode, std::uint64_t offset);

// Bytes of the log from a place to its end, over every newer segment.
std::uint64_t bytes_from(const std::vector<LogSegment>& segments, const LogPlace& place);

}  // namespace oyster
