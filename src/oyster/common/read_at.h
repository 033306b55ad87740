// Reading a file that another process may be appending to (the sensor's
// event log): a span of bytes, or a chunk of its complete lines, as the
// log's followers (the store, each event output) read it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace oyster {

// Up to `n` bytes at `offset`, fewer at the end of the file. Throws
// oyster::Error naming `path` on a read error.
std::string read_at(int fd, std::uint64_t offset, std::size_t n, const std::filesystem::path& path);

struct LineChunk {
    std::vector<std::string> lines;  // without their newlines
    std::uint64_t skipped = 0;       // lines longer than allowed, passed over
    std::uint64_t end = 0;           // offset after the last line consumed
};

// The complete lines from `offset` (a line start) within the first `size`
// bytes of the file: about `max_bytes` of them, at least one whole line
// when there is one. A partial last line is left for a later call (its
// writer has not finished it). A line longer than `max_line` is passed
// over through its newline and counted, or left if it has none yet.
LineChunk read_line_chunk(int fd, const std::filesystem::path& path, std::uint64_t offset, std::uint64_t size,
                          std::size_t max_bytes, std::size_t max_line);

}  // namespace oyster
