// When the host received each part of a guest's capture stream.
//
// A record's own time is the guest kernel's clock, which the guest's root
// can set. The capture writer (capture_writer.h) reads the stream from the
// guest and stamps what it appended to capture.bin with the host's clock in
// capture.times beside it: a flat array of 16-byte entries, each two
// little-endian u64 {end_offset, realtime_ns}, meaning "every byte of
// capture.bin before end_offset had reached the host by realtime_ns".
// Offsets are those of the file (a guest booted again from its disk
// appends to the same file, and the new writer goes on from its size).
// The writer reads (and stamps) about once a millisecond, so a record's
// receive time is late by a millisecond or two.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace oyster::capture {

struct ReceiveStamp {
    std::uint64_t end_offset = 0;
    std::uint64_t realtime_ns = 0;
};

inline constexpr std::size_t kReceiveStampSize = 16;

std::array<std::uint8_t, kReceiveStampSize> encode_receive_stamp(const ReceiveStamp& s);
// The stamp in the first kReceiveStampSize bytes of `bytes` (which must hold them).
ReceiveStamp decode_receive_stamp(std::span<const std::uint8_t> bytes);

class ReceiveTimes {
public:
    // The stamps in `bytes`, in order. A torn last entry (the writer was
    // killed mid-write) is ignored, as is an entry whose offset or time goes
    // backwards (the file is the host's, but a reader trusts no file).
    static ReceiveTimes parse(std::span<const std::uint8_t> bytes);
    // Reads `file`; a missing file has no stamps (capture from before the
    // writer existed, or capture off).
    static ReceiveTimes load(const std::filesystem::path& file);

    void add(const ReceiveStamp& s);
    bool empty() const { return size() == 0; }
    std::size_t size() const { return stamps_.size() - first_; }

    // A reader going through the stream in order no longer needs the stamps
    // of bytes before `end_offset`: they are let go, so a live decode holds
    // only the stamps ahead of it however long the guest runs.
    void forget_before(std::uint64_t end_offset);

    // When the bytes up to `end_offset` had all reached the host: the first
    // stamp at or past it; nullopt when none is (not stamped yet).
    std::optional<std::uint64_t> received_ns(std::uint64_t end_offset) const;

private:
    std::vector<ReceiveStamp> stamps_;
    std::size_t first_ = 0;  // stamps before it are forgotten
};

}  // namespace oyster::capture
