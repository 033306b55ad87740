#include "oyster/sandbox/tcp_listeners.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

// As a Debian guest's kernel prints them, sshd listening on both families
// and a connection to port 22 established (which is not listening).
constexpr std::string_view kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9180 1 "
    "00000000d2c4f0a1 100 0 0 10 0\n"
    "   1: 020000C0:0016 010000C0:B1E7 01 00000000:00000000 02:000AFC7B 00000000     0        0 9311 4 "
    "0000000073bf09a6 20 4 31 10 -1\n";
constexpr std::string_view kTcp6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
    "tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 00000000     0        0 9182 1 00000000a1b2c3d4 100 0 0 10 0\n";

TEST(TcpListeners, FindsAListeningPortInEitherTable) {
    EXPECT_TRUE(tcp_port_listening(kTcp, 22));
    EXPECT_TRUE(tcp_port_listening(kTcp6, 22));
    EXPECT_FALSE(tcp_port_listening(kTcp, 23));
    EXPECT_FALSE(tcp_port_listening("", 22));
}

TEST(TcpListeners, AnEstablishedConnectionIsNotListening) {
    std::string established(kTcp);
    established.erase(established.find("   0:"), established.find("   1:") - established.find("   0:"));
    EXPECT_FALSE(tcp_port_listening(established, 22));
}

// What a hostile kernel might send instead: nothing malformed counts.
TEST(TcpListeners, MalformedRowsAreSkipped) {
    for (std::string_view row : {
             "   0: 00000000:0016 00000000:0000 0A",                        // no trailing fields: still a row
             "   0: 0000000:0016 00000000:0000 0A",                         // a short address
             "   0: 00000000:016 00000000:0000 0A",                         // a short port
             "   0: 00000000:00G6 00000000:0000 0A",                        // not hex
             "   0: 00000000:0016 00000000:0000 0a0",                       // a state past two digits
             "      00000000:0016 00000000:0000 0A",                        // no slot
             "   0: 00000000:0016 0A",                                      // no remote address
             "   0: 000000000000000000000000000000:0016 00000000:0000 0A",  // 30 digits
         }) {
        bool first = row == "   0: 00000000:0016 00000000:0000 0A";
        EXPECT_EQ(tcp_port_listening(row, 22), first) << row;
    }
}

}  // namespace
}  // namespace oyster
