#include "oyster/capture/receive_times.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "oyster/common/error.h"

namespace oyster::capture {
namespace {

std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void store_le64(std::uint8_t* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

std::array<std::uint8_t, kReceiveStampSize> encode_receive_stamp(const ReceiveStamp& s) {
    std::array<std::uint8_t, kReceiveStampSize> out{};
    store_le64(out.data(), s.end_offset);
    store_le64(out.data() + 8, s.realtime_ns);
    return out;
}

ReceiveStamp decode_receive_stamp(std::span<const std::uint8_t> bytes) {
    return {load_le64(bytes.data()), load_le64(bytes.data() + 8)};
}

ReceiveTimes ReceiveTimes::parse(std::span<const std::uint8_t> bytes) {
    ReceiveTimes t;
    for (std::size_t at = 0; bytes.size() - at >= kReceiveStampSize; at += kReceiveStampSize) {
        t.add(decode_receive_stamp(bytes.subspan(at)));
    }
    return t;
}

ReceiveTimes ReceiveTimes::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) return {};
        throw Error("cannot read " + file.string());
    }
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(bytes);
}

void ReceiveTimes::add(const ReceiveStamp& s) {
    if (!stamps_.empty() && (s.end_offset <= stamps_.back().end_offset || s.realtime_ns < stamps_.back().realtime_ns)) {
        return;
    }
    stamps_.push_back(s);
}

void ReceiveTimes::forget_before(std::uint64_t end_offset) {
    while (first_ < stamps_.size() && stamps_[first_].end_offset < end_offset) ++first_;
    // Moved down in bulk: each stamp once, not once per record.
    if (first_ >= 4096 && first_ * 2 >= stamps_.size()) {
        stamps_.erase(stamps_.begin(), stamps_.begin() + static_cast<std::ptrdiff_t>(first_));
        first_ = 0;
    }
}

std::optional<std::uint64_t> ReceiveTimes::received_ns(std::uint64_t end_offset) const {
    auto it = std::lower_bound(stamps_.begin() + static_cast<std::ptrdiff_t>(first_), stamps_.end(), end_offset,
                               [](const ReceiveStamp& s, std::uint64_t off) { return s.end_offset < off; });
    if (it == stamps_.end()) return std::nullopt;
    return it->realtime_ns;
}

}  // namespace oyster::capture
