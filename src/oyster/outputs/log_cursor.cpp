#include "oyster/outputs/log_cursor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
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
    struct stat st {};
    if (::stat(log_.c_str(), &st) != 0) return 0;
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (static_cast<std::uint64_t>(st.st_ino) != state_.inode || state_.offset > size) return size;
    return size - state_.offset;
}

LogCursor::Batch LogCursor::next(std::size_t max_bytes, Skip* skipped) {
    Batch b;
    FdGuard fd(::open(log_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return b;
        throw_errno("open " + log_.string());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + log_.string());
    auto size = static_cast<std::uint64_t>(st.st_size);
    b.inode = static_cast<std::uint64_t>(st.st_ino);
    std::string head = hex_head(read_at(fd.get(), 0, std::min<std::size_t>(64, size), log_));
    if (b.inode != state_.inode || state_.offset > size || !head.starts_with(state_.head)) {
        state_.inode = b.inode;
        state_.offset = 0;  // a new log (rotated, or replaced)
        state_.head.clear();
    }
    b.head = head;

    if (size - state_.offset > backlog_bytes_) {
        // Skip to the first line that starts within the limit.
        std::uint64_t target = size - backlog_bytes_;
        Skip skip;
        std::uint64_t at = state_.offset;
        std::uint64_t line_start = at;
        constexpr std::size_t kRead = 1U << 20;
        while (at < size) {
            std::string chunk =
                read_at(fd.get(), at, static_cast<std::size_t>(std::min<std::uint64_t>(kRead, size - at)), log_);
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
        skip.bytes = line_start - state_.offset;
        state_.offset = line_start;
        state_.skipped_bytes += skip.bytes;
        state_.skipped_lines += skip.lines;
        state_.head = head.substr(0, std::min<std::size_t>(head.size(), 2 * state_.offset));
        save();
        if (skipped != nullptr) *skipped = skip;
    }

    LineChunk chunk = read_line_chunk(fd.get(), log_, state_.offset, size, max_bytes, kMaxLineBytes);
    b.lines = std::move(chunk.lines);
    b.skipped_lines = chunk.skipped;
    std::uint64_t offset = chunk.end;
    b.end = offset;
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
