#include "oyster/outputs/log_cursor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/log_segments.h"
#include "oyster/common/read_at.h"
#include "oyster/common/sha256.h"

namespace oyster::outputs {
namespace {

std::string hex_head(const std::string& bytes) {
    std::string out;
    for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
    return out;
}

std::uint64_t u64(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

}  // namespace

nlohmann::json to_json(const CursorState& s) {
    return {{"output", s.output},
            {"inode", s.inode},
            {"head", s.head},
            {"offset", s.offset},
            {"delivered", s.delivered},
            {"skipped_bytes", s.skipped_bytes},
            {"skipped_lines", s.skipped_lines}};
}

std::filesystem::path cursor_state_file(const std::filesystem::path& dir, const std::string& kind,
                                        const std::string& identity) {
    return dir / fmt::format("{}-{}.json", kind, sha256_text(identity).substr(0, 16));
}

LogCursor::LogCursor(std::filesystem::path log, std::filesystem::path state_file, std::string output,
                     std::uint64_t backlog_bytes)
    : log_(std::move(log)), state_file_(std::move(state_file)), backlog_bytes_(backlog_bytes) {
    state_.output = std::move(output);
    load();
}

void LogCursor::load() {
    CursorState fresh;
    fresh.output = state_.output;
    std::ifstream in(state_file_);
    if (in) {
        // Our own file, but a damaged one must not stop the output: it
        // starts over (at most the backlog limit is resent).
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_object() && j.value("output", "") == fresh.output) {
            fresh.inode = u64(j, "inode");
            if (auto h = j.find("head"); h != j.end() && h->is_string()) fresh.head = h->get<std::string>();
            fresh.offset = u64(j, "offset");
            fresh.delivered = u64(j, "delivered");
            fresh.skipped_bytes = u64(j, "skipped_bytes");
            fresh.skipped_lines = u64(j, "skipped_lines");
        }
    }
    state_ = std::move(fresh);
}

std::unique_ptr<FileLock> LogCursor::hold() {
    auto lock_file = state_file_;
    lock_file += ".lock";
    auto lock = std::make_unique<FileLock>(lock_file);
    load();
    return lock;
}

void LogCursor::save() {
    std::filesystem::create_directories(state_file_.parent_path());
    auto tmp = state_file_;
    tmp += ".tmp";
    {
        FdGuard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) throw_errno("create " + tmp.string());
        std::string text = to_json(state_).dump() + "\n";
        if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            throw_errno("write " + tmp.string());
        }
        if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp.string());
    }
    std::filesystem::rename(tmp, state_file_);
}

std::uint64_t LogCursor::backlog() const {
    auto segments = log_segments(log_);
    auto place = place_in(segments, state_.inode, state_.offset);
    return place ? bytes_from(segments, *place) : 0;
}

namespace {

// Newlines in [from, to) of an open log.
std::uint64_t count_lines(int fd, const std::filesystem::path& path, std::uint64_t from, std::uint64_t to) {
    std::uint64_t lines = 0;
    constexpr std::size_t kRead = 1U << 20;
    while (from < to) {
        std::string chunk =
            read_at(fd, from, static_cast<std::size_t>(std::min<std::uint64_t>(kRead, to - from)), path);
        if (chunk.empty()) break;
        lines += static_cast<std::uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
        from += chunk.size();
    }
    return lines;
}

}  // namespace

LogCursor::Batch LogCursor::next(std::size_t max_bytes, Skip* skipped) {
    Batch b;
    auto segments = log_segments(log_);
    auto place = place_in(segments, state_.inode, state_.offset);
    if (!place) return b;
    Skip skip;
    // Over the backlog limit across rotated files: whole files first.
    bool same_file = !place->restarted && segments[place->index].inode == state_.inode;
    while (place->index + 1 < segments.size() && bytes_from(segments, {place->index + 1, 0, false}) > backlog_bytes_) {
        const auto& seg = segments[place->index];
        FdGuard fd(::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() >= 0) skip.lines += count_lines(fd.get(), seg.path, place->offset, seg.size);
        skip.bytes += seg.size - std::min(place->offset, seg.size);
        ++place->index;
        place->offset = 0;
        same_file = false;
    }

    const LogSegment& seg = segments[place->index];
    FdGuard fd(::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return b;  // rotated away while listed: next time
        throw_errno("open " + seg.path.string());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + seg.path.string());
    if (static_cast<std::uint64_t>(st.st_ino) != seg.inode) return b;  // renamed meanwhile: next time
    auto size = static_cast<std::uint64_t>(st.st_size);
    b.inode = seg.inode;
    std::string head = hex_head(read_at(fd.get(), 0, std::min<std::size_t>(64, size), seg.path));
    // The state's file by its inode number, but not by its first bytes: a
    // log removed and made again, read from its start.
    bool replaced = same_file && !head.starts_with(state_.head);
    state_.inode = b.inode;
    state_.offset = replaced ? 0 : place->offset;
    // Another file than the state's (the next after a rotation, the oldest
    // for a new output): its head is learnt at the next commit.
    if (!same_file || replaced) state_.head.clear();
    b.head = head;

    if (size - state_.offset > backlog_bytes_ || skip.bytes > 0) {
        // Skip to the first line that starts within the limit.
        std::uint64_t target = size > backlog_bytes_ ? size - backlog_bytes_ : 0;
        std::uint64_t at = state_.offset;
        std::uint64_t line_start = at;
        constexpr std::size_t kRead = 1U << 20;
        while (at < size && line_start < target) {
            std::string chunk =
                read_at(fd.get(), at, static_cast<std::size_t>(std::min<std::uint64_t>(kRead, size - at)), seg.path);
            if (chunk.empty()) break;
            bool done = false;
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                if (chunk[i] != '\n') continue;
                ++skip.lines;
                line_start = at + i + 1;
                if (line_start >= target) {
                    done = true;
                    break;
                }
            }
            if (done) break;
            at += chunk.size();
        }
        skip.bytes += line_start - state_.offset;
        state_.offset = line_start;
        state_.skipped_bytes += skip.bytes;
        state_.skipped_lines += skip.lines;
        state_.head = head.substr(0, std::min<std::size_t>(head.size(), 2 * state_.offset));
        save();
        if (skipped != nullptr) *skipped = skip;
    }

    LineChunk chunk = read_line_chunk(fd.get(), seg.path, state_.offset, size, max_bytes, kMaxLineBytes);
    b.lines = std::move(chunk.lines);
    b.skipped_lines = chunk.skipped;
    b.end = chunk.end;
    return b;
}

void LogCursor::commit(const Batch& batch) {
    if (batch.end == state_.offset && batch.lines.empty() && batch.skipped_lines == 0) return;
    state_.inode = batch.inode;
    state_.head = batch.head.substr(0, std::min<std::size_t>(batch.head.size(), 2 * batch.end));
    state_.offset = batch.end;
    state_.delivered += batch.lines.size();
    state_.skipped_lines += batch.skipped_lines;
    save();
}

}  // namespace oyster::outputs
