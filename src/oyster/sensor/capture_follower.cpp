#include "oyster/sensor/capture_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <span>

#include <fmt/format.h>

#include "oyster/capture/capture_decoder.h"
#include "oyster/common/fd_guard.h"

namespace oyster::sensor {
namespace {

// A progress file: 20 decimal digits and a newline.
constexpr std::size_t kProgressSize = 21;

}  // namespace

CaptureFollower::CaptureFollower(std::filesystem::path capture_file, Sink sink, LoginObserver on_login,
                                 const std::filesystem::path& decode_dir, std::filesystem::path progress_file)
    : file_(std::move(capture_file)),
      sink_(std::move(sink)),
      on_login_(std::move(on_login)),
      progress_file_(std::move(progress_file)) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file_, ec);
    catch_up_end_ = ec ? 0 : size;
    if (auto progress = read_progress()) catch_up_end_ = std::min(catch_up_end_, *progress);
    progress_written_ = catch_up_end_;
    if (!decode_dir.empty()) {
        std::filesystem::remove_all(decode_dir, ec);
        decoder_ = std::make_unique<capture::CaptureDecoder>(decode_dir);
    }
}

CaptureFollower::~CaptureFollower() {
    if (fd_ >= 0) ::close(fd_);
    if (times_fd_ >= 0) ::close(times_fd_);
    if (progress_fd_ >= 0) ::close(progress_fd_);
}

bool CaptureFollower::is_live_type(const std::string& type) {
    // Everything but exits, tty bytes (the tty session is in the full
    // decode) and exec content chunks. Process forks are reported (thread
    // creations are not): the store follows them to tell which connection
    // a command was run from.
    for (const char* t : {"exit", "tty_in", "tty_out", "exec_content"}) {
        if (type == t) return false;
    }
    return true;
}

bool CaptureFollower::poll(bool report, std::chrono::milliseconds budget) {
    bool behind = read_new(report, false, budget);
    if (decoder_) decoder_->flush();
    write_progress();
    return behind;
}

std::optional<std::uint64_t> CaptureFollower::read_progress() const {
    if (progress_file_.empty()) return std::nullopt;
    FdGuard fd(::open(progress_file_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) return std::nullopt;
    std::array<char, kProgressSize> buf{};
    if (::pread(fd.get(), buf.data(), buf.size(), 0) != static_cast<ssize_t>(buf.size()) || buf.back() != '\n') {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    auto [end, err] = std::from_chars(buf.data(), buf.data() + buf.size() - 1, v);
    if (err != std::errc() || end != buf.data() + buf.size() - 1) return std::nullopt;
    return v;
}

void CaptureFollower::write_progress() {
    // Only forward, and only past what was reported: the events this
    // progress covers are already in the log.
    if (progress_file_.empty() || considered_ <= progress_written_) return;
    // Opened once: polls run on the sensor's loop.
    if (progress_fd_ < 0) {
        progress_fd_ = ::open(progress_file_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (progress_fd_ < 0) return;  // a follower without it reports as before
    }
    // Fixed width: one small write within a page replaces the whole value.
    auto text = fmt::format("{:020}\n", considered_);
    if (::pwrite(progress_fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size())) {
        progress_written_ = considered_;
    }
}

capture::DecodeStats CaptureFollower::finish(std::string* error) {
    // Everything left, however much: the writer has ended.
    sink_ = nullptr;
    read_new(false, true);
    write_progress();
    std::string why = capture::stream_end_error(parser_);
    if (error != nullptr) *error = why;
    if (!decoder_) return {};
    decoder_->finish(why);
    auto stats = decoder_->stats();
    decoder_.reset();
    return stats;
}

std::uint64_t CaptureFollower::read_stamps() {
    if (times_fd_ < 0) {
        times_fd_ = ::open(capture::receive_times_file_for(file_).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (times_fd_ < 0) return UINT64_MAX;
    }
    std::array<std::uint8_t, capture::kReceiveStampSize * 1024> buf{};
    for (;;) {
        ssize_t n = ::pread(times_fd_, buf.data(), buf.size(), static_cast<off_t>(times_offset_));
        if (n < 0 && errno == EINTR) continue;
        // Whole stamps only: a torn one is read again next time.
        std::size_t whole =
            n > 0 ? static_cast<std::size_t>(n) / capture::kReceiveStampSize * capture::kReceiveStampSize : 0;
        if (whole == 0) break;
        times_offset_ += whole;
        for (std::size_t at = 0; at < whole; at += capture::kReceiveStampSize) {
            auto stamp = capture::decode_receive_stamp(std::span(buf).subspan(at, capture::kReceiveStampSize));
            if (decoder_) decoder_->add_receive_stamp(stamp);
            stamped_ = std::max(stamped_, stamp.end_offset);
        }
    }
    return stamped_;
}

bool CaptureFollower::read_new(bool report_records, bool to_end, std::chrono::milliseconds budget) {
    if (failed_) return false;
    if (fd_ < 0) {
        fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd_ < 0) return false;  // not created yet: capture off, or too early
    }
    // The real time spent, whatever clock the allowances run on.
    auto started = std::chrono::steady_clock::now();
    auto spent = [&] {
        return budget > std::chrono::milliseconds::zero() && std::chrono::steady_clock::now() - started >= budget;
    };
    std::uint64_t limit = to_end ? UINT64_MAX : read_stamps();
    // Small reads under a budget: one is the most a poll overruns it by.
    std::array<std::uint8_t, std::size_t{64} << 10> buf{};
    std::size_t chunk = budget > std::chrono::milliseconds::zero() ? std::size_t{8} << 10 : buf.size();
    std::size_t total = 0;
    bool behind = false;
    while (offset_ < limit) {
        if (!to_end && (total >= kMaxReadPerPoll || spent())) {
            behind = true;
            break;
        }
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, limit - offset_));
        ssize_t n = ::pread(fd_, buf.data(), want, static_cast<off_t>(offset_));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        offset_ += static_cast<std::uint64_t>(n);
        total += static_cast<std::size_t>(n);
        parser_.feed(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        if (decoder_ && !header_seen_ && parser_.header()) {
            decoder_->on_header(*parser_.header());
            header_seen_ = true;
        }
        for (const auto& r : parser_.take()) {
            if (decoder_) decoder_->on_record(r);
            considered_ = std::max(considered_, r.actor.end_offset);
            bool reportable = report_records && r.actor.end_offset > catch_up_end_;
            if (reportable) report_record(r);
            if (detector_) {
                // After the record's own event: an alert follows what raised it.
                detector_->observe(r, reportable, alerts_);
                for (auto& a : alerts_) sink_(std::move(a));
                alerts_.clear();
            }
        }
        if (!parser_.error().empty()) {
            failed_ = true;
            if (sink_) sink_(events::CaptureError{.error = parser_.error()});
            return false;
        }
    }
    // A quiet guest still gets its count of what the last burst left out.
    if (report_records) roll_window(clock_());
    return behind;
}

CaptureFollower::LiveClass CaptureFollower::live_class(const std::string& type) {
    if (type == "exec") return LiveClass::exec;
    if (type == "fork") return LiveClass::fork;
    if (type == "login") return LiveClass::login;
    if (type == "tty_open" || type == "tty_close") return LiveClass::terminal;
    if (type == "accept") return LiveClass::accept;
    return LiveClass::other;
}

const char* CaptureFollower::live_class_name(LiveClass c) {
    switch (c) {
        case LiveClass::exec:
            return "exec";
        case LiveClass::fork:
            return "fork";
        case LiveClass::login:
            return "login";
        case LiveClass::terminal:
            return "terminal";
        case LiveClass::accept:
            return "accept";
        case LiveClass::other:
            break;
    }
    return "other";
}

void CaptureFollower::set_clock(Clock clock) {
    clock_ = std::move(clock);
    auto now = clock_();
    for (auto& b : buckets_) b.refilled = now;
    window_start_ = now;
}

void CaptureFollower::roll_window(std::chrono::steady_clock::time_point now) {
    if (now - window_start_ < std::chrono::seconds(1)) return;
    std::uint64_t total = 0, stored = 0;
    nlohmann::json by_class = nlohmann::json::object();
    for (std::size_t i = 0; i < kLiveClasses; ++i) {
        if (buckets_[i].suppressed == 0) continue;
        total += buckets_[i].suppressed;
        stored += buckets_[i].stored;
        by_class[live_class_name(static_cast<LiveClass>(i))] = buckets_[i].suppressed;
        buckets_[i].suppressed = 0;
        buckets_[i].stored = 0;
    }
    if (total > 0) {
        sink_(events::CaptureSuppressed{.events = total, .by_class = std::move(by_class), .stored = stored});
    }
    window_start_ = now;
}

void CaptureFollower::refill(Bucket& b, std::chrono::steady_clock::time_point now) {
    double elapsed = std::chrono::duration<double>(now - b.refilled).count();
    b.refilled = now;
    b.tokens = std::min<double>(kBurstEvents, b.tokens + elapsed * kEventsPerSecond);
    b.store_tokens = std::min<double>(kStoreBurstEvents, b.store_tokens + elapsed * kStoreEventsPerSecond);
}

void CaptureFollower::report_record(const capture::Record& r) {
    auto e = capture::CaptureDecoder::event_for(r);
    // Terminal bytes and exits, most of a busy stream, stop here.
    if (!e || !e->contains("type") || !is_live_type((*e)["type"].get<std::string>()) || e->value("thread", false)) {
        return;
    }
    // The host's time, beside the guest's: timelines are ordered by it (the
    // guest's clock is its root's to set).
    if (auto ns = decoder_ ? decoder_->received_ns(r.actor.end_offset) : std::nullopt) {
        capture::CaptureDecoder::stamp_received(*e, *ns);
    }
    if (on_login_ && e->value("type", "") == "login") on_login_(*e);
    report(std::move(*e));
}

void CaptureFollower::detect(std::shared_ptr<const detection::SigmaRuleSet> rules, std::function<bool()> alerting) {
    detector_ = rules ? std::make_unique<detection::LiveDetector>(std::move(rules), std::move(alerting)) : nullptr;
}

void CaptureFollower::report(nlohmann::json event) {
    // One reading of the clock per event, for the window and the allowance.
    auto now = clock_();
    roll_window(now);
    std::string type = event.value("type", "");
    LiveClass c = live_class(type);
    Bucket& bucket = buckets_[static_cast<std::size_t>(c)];
    refill(bucket, now);
    bool live = bucket.tokens >= 1;
    if (live) {
        bucket.tokens -= 1;
        ++reported_;
    } else {
        ++bucket.suppressed;
        if (c == LiveClass::other || bucket.store_tokens < 1) return;
        bucket.store_tokens -= 1;
        ++bucket.stored;
        ++stored_only_;
    }
    std::optional<bool> store_only;
    if (!live) store_only = true;
    // Login attempts are events of the sensor's own.
    if (type == "login") {
        auto login = events::from_fields<events::Login>(event);
        login.store_only = store_only;
        sink_(std::move(login));
    } else {
        sink_(events::CaptureEvent{.event = std::move(event), .store_only = store_only});
    }
}

}  // namespace oyster::sensor
