#include "oyster/sandbox/mconsole.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace oyster {
namespace {

std::vector<std::uint8_t> packet(std::uint32_t err, std::uint32_t more, std::uint32_t len, const std::string& data) {
    std::vector<std::uint8_t> p(12 + data.size());
    std::memcpy(p.data(), &err, 4);
    std::memcpy(p.data() + 4, &more, 4);
    std::memcpy(p.data() + 8, &len, 4);
    std::memcpy(p.data() + 12, data.data(), data.size());
    return p;
}

TEST(Mconsole, ParsesReplyAndStopsAtNul) {
    bool ok = false, more = true;
    std::string text;
    auto p = packet(0, 0, 6, std::string("OK\0xyz", 6));
    ASSERT_TRUE(parse_mconsole_reply(p, ok, more, text));
    EXPECT_TRUE(ok);
    EXPECT_FALSE(more);
    EXPECT_EQ(text, "OK");
}

TEST(Mconsole, ErrorAndContinuation) {
    bool ok = true, more = false;
    std::string text;
    auto p = packet(1, 1, 3, "bad");
    ASSERT_TRUE(parse_mconsole_reply(p, ok, more, text));
    EXPECT_FALSE(ok);
    EXPECT_TRUE(more);
    EXPECT_EQ(text, "bad");
}

TEST(Mconsole, RejectsLengthsPastThePacket) {
    bool ok = false, more = false;
    std::string text;
    EXPECT_FALSE(parse_mconsole_reply(packet(0, 0, 10, "short"), ok, more, text));
    EXPECT_FALSE(parse_mconsole_reply(packet(0, 0, 0xffffffff, "x"), ok, more, text));
    EXPECT_FALSE(parse_mconsole_reply(std::vector<std::uint8_t>(11), ok, more, text));
    EXPECT_TRUE(text.empty());
}

}  // namespace
}  // namespace oyster
