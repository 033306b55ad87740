// The flow inspector over frames built byte for byte as a guest's tap
// would carry them: real nDPI names the protocols from the payloads, and
// the scan and flood rules count what the guest sends.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ethernet_frame_builder.h"
#include "oyster/detection/flow_inspector.h"
#include "oyster/net/ip_packet.h"

namespace oyster::detection {
namespace {

const Ipv4 kGuest = *parse_ipv4("10.0.0.2");

using oyster::testing::ethernet_frame;

struct Recorded {
    std::vector<events::Flow> flows;
    std::vector<events::Alert> alerts;
};

std::unique_ptr<FlowInspector> inspector(Recorded& r, FlowInspectorOptions o = {},
                                         FlowInspector::Alerting alerting = {}) {
    static auto ndpi = make_ndpi_module();
    o.guest_ip = kGuest;
    return std::make_unique<FlowInspector>(
        ndpi, o, [&r](events::Flow f) { r.flows.push_back(std::move(f)); },
        [&r](events::Alert a) { r.alerts.push_back(std::move(a)); }, std::move(alerting));
}

// A TCP conversation of the guest's with `server`, a millisecond a packet.
void conversation(FlowInspector& in, std::int64_t& t, const std::string& server, std::uint16_t port,
                  const std::vector<std::string>& payloads) {
    for (const auto& f : oyster::testing::tcp_conversation(kGuest.str(), 40000, server, port, payloads)) {
        in.packet(t += 1000, f);
    }
}

// What one inspector makes of one conversation and the capture's end.
Recorded after_conversation(const std::string& server, std::uint16_t port, const std::vector<std::string>& payloads) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    conversation(*in, t, server, port, payloads);
    in->finish(t + 10'000'000);
    return r;
}

TEST(FlowInspectorTest, NamesAStratumPoolAndRaisesOnce) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    conversation(
        *in, t, "192.0.2.80", 3333,
        {R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4Abc","pass":"x","agent":"XMRig/6.21.0"}})"
         "\n",
         R"({"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0606","job_id":"7","target":"dc460300"},"status":"OK"}})"
         "\n"});
    in->finish(t + 10'000'000);
    ASSERT_EQ(r.flows.size(), 1u);
    const auto& f = r.flows[0];
    EXPECT_EQ(f.application, "Mining");
    EXPECT_EQ(f.src, "10.0.0.2");
    EXPECT_EQ(f.dst, "192.0.2.80");
    EXPECT_EQ(f.dst_port, 3333);
    EXPECT_EQ(f.protocol, "tcp");
    EXPECT_FALSE(f.guessed);
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_mining_pool");
    EXPECT_EQ(r.alerts[0].engine, "network");
    EXPECT_EQ(r.alerts[0].tags, (std::vector<std::string>{"attack.impact", "attack.t1496"}));
    EXPECT_NE(r.alerts[0].detail->find("192.0.2.80:3333"), std::string::npos);
    // A second pool: a flow event, no second alert.
    conversation(*in, t, "192.0.2.81", 3333,
                 {R"({"id":1,"method":"mining.subscribe","params":[]})"
                  "\n"});
    in->finish(t + 10'000'000);
    EXPECT_EQ(r.flows.size(), 2u);
    EXPECT_EQ(r.alerts.size(), 1u);
}

// As for the Sigma rules: before the guest's intrusion opens nothing is
// raised, and the rule is not spent, so the same after it is raised.
TEST(FlowInspectorTest, RaisesOnlyOnceTheIntrusionIsOpen) {
    Recorded r;
    bool intrusion_open = false;
    auto in = inspector(r, {}, [&] { return intrusion_open; });
    std::int64_t t = 1'700'000'000'000'000;
    const std::string login = R"({"id":1,"method":"mining.subscribe","params":[]})"
                              "\n";
    conversation(*in, t, "192.0.2.80", 3333, {login});
    in->tick(t + 10'000'000);
    EXPECT_EQ(r.flows.size(), 1u);  // flows are events whatever the intrusion
    EXPECT_TRUE(r.alerts.empty());
    intrusion_open = true;
    conversation(*in, t, "192.0.2.81", 3333, {login});
    in->finish(t + 10'000'000);
    EXPECT_EQ(r.flows.size(), 2u);
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_mining_pool");
}

TEST(FlowInspectorTest, NamesIrc) {
    Recorded r =
        after_conversation("192.0.2.66", 6667,
                           {"NICK bot123\r\nUSER bot123 0 * :bot\r\n",
                            ":irc.example.net NOTICE * :*** Looking up your hostname...\r\n"
                            ":irc.example.net 001 bot123 :Welcome to the Internet Relay Network bot123\r\n",
                            "JOIN #botnet\r\n", ":bot123!bot123@host JOIN :#botnet\r\n", "PRIVMSG #botnet :ready\r\n"});
    ASSERT_EQ(r.flows.size(), 1u);
    EXPECT_EQ(r.flows[0].application, "IRC");
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_irc");
}

// A TLS ClientHello (record, handshake, random, one cipher suite) naming
// `server_name` in its SNI extension.
std::string client_hello(const std::string& server_name) {
    std::string sni;
    auto put16 = [](std::string& s, std::size_t v) {
        s += static_cast<char>((v >> 8) & 0xff);
        s += static_cast<char>(v & 0xff);
    };
    put16(sni, 0);  // server_name
    put16(sni, server_name.size() + 5);
    put16(sni, server_name.size() + 3);
    sni += '\0';  // host_name
    put16(sni, server_name.size());
    sni += server_name;
    std::string body =
        std::string("\x03\x03", 2) + std::string(32, 'r') + std::string("\x00\x00\x02\x13\x01\x01\x00", 7);
    put16(body, sni.size());
    body += sni;
    std::string handshake = std::string("\x01\x00", 2);
    put16(handshake, body.size());
    handshake += body;
    std::string record = std::string("\x16\x03\x01", 3);
    put16(record, handshake.size());
    return record + handshake;
}

TEST(FlowInspectorTest, NamesTorByItsRandomServerName) {
    // Tor's TLS asks for a made-up www.<random>.com; nDPI reads it so.
    Recorded tor = after_conversation("192.0.2.90", 443, {client_hello("www.jkx3q9vz2wz.com")});
    ASSERT_EQ(tor.flows.size(), 1u);
    EXPECT_EQ(tor.flows[0].application, "TLS.Tor");
    ASSERT_EQ(tor.alerts.size(), 1u);
    EXPECT_EQ(tor.alerts[0].rule_id, "network_tor");
    EXPECT_EQ(tor.alerts[0].tags.back(), "attack.t1090.003");
    Recorded web = after_conversation("192.0.2.91", 443, {client_hello("www.example.com")});
    ASSERT_EQ(web.flows.size(), 1u);
    EXPECT_EQ(web.flows[0].application, "TLS");
    EXPECT_EQ(web.flows[0].host, "www.example.com");
    EXPECT_TRUE(web.alerts.empty());
}

TEST(FlowInspectorTest, PlainWebIsAFlowWithoutAlert) {
    Recorded r = after_conversation(
        "192.0.2.80", 80,
        {"GET /tool.bin HTTP/1.1\r\nHost: downloads.example\r\nUser-Agent: Wget/1.21\r\n\r\n",
         "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: application/octet-stream\r\n\r\nabcd"});
    ASSERT_EQ(r.flows.size(), 1u);
    EXPECT_EQ(r.flows[0].application, "HTTP");
    EXPECT_EQ(r.flows[0].host, "downloads.example");
    EXPECT_TRUE(r.alerts.empty());
}

TEST(FlowInspectorTest, ScanOfManyAddressesIsOneAlertAndNoFlows) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    for (int i = 0; i < 300; ++i) {
        std::string dst = "198.51.100." + std::to_string(i % 250 + 1);
        in->packet(t += 1000,
                   ethernet_frame(kGuest.str(), static_cast<std::uint16_t>(30000 + i), dst, 22, 6, kTcpSyn, ""));
    }
    in->finish(t);
    EXPECT_TRUE(r.flows.empty());  // nothing answered, nothing carried data
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_scan");
    EXPECT_NE(r.alerts[0].detail->find("64 addresses"), std::string::npos);
}

TEST(FlowInspectorTest, PortScanOfOneAddress) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    for (std::uint16_t p = 1; p <= 200; ++p) {
        in->packet(t += 1000, ethernet_frame(kGuest.str(), 45000, "198.51.100.7", p, 6, kTcpSyn, ""));
    }
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_NE(r.alerts[0].detail->find("128 ports of 198.51.100.7"), std::string::npos);
}

TEST(FlowInspectorTest, SlowConnectsAreNoScan) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    // 100 addresses, one every two seconds: never 64 within a minute.
    for (int i = 0; i < 100; ++i) {
        in->packet(t += 2'000'000,
                   ethernet_frame(kGuest.str(), 30000, "198.51.100." + std::to_string(i + 1), 80, 6, kTcpSyn, ""));
    }
    EXPECT_TRUE(r.alerts.empty());
}

TEST(FlowInspectorTest, FloodNeedsFiveSecondsAboveTheRate) {
    Recorded r;
    auto in = inspector(r, {.flood_packets_per_second = 1000});
    std::int64_t t = 1'700'000'000'000'000;
    auto f = ethernet_frame(kGuest.str(), 5000, "198.51.100.9", 53, 17, 0, std::string(64, 'x'));
    // 900 packets a second for ten seconds: under the rate.
    for (int s = 0; s < 10; ++s) {
        for (int i = 0; i < 900; ++i) in->packet(t + s * 1'000'000 + i * 1000, f);
    }
    EXPECT_TRUE(r.alerts.empty());
    t += 20'000'000;
    for (int s = 0; s < 6; ++s) {
        for (int i = 0; i < 1100; ++i) in->packet(t + s * 1'000'000 + i * 900, f);
    }
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_flood");
    EXPECT_EQ(r.alerts[0].tags.back(), "attack.t1498");
}

TEST(FlowInspectorTest, AForgedSourceFloodCountsAndAnswersToTheIntruderDoNot) {
    Recorded r;
    auto in = inspector(r, {.flood_packets_per_second = 1000});
    std::int64_t t = 1'700'000'000'000'000;
    // The intruder downloads from the guest: 3,000 segments a second for
    // six seconds in a flow the intruder began.
    in->packet(t, ethernet_frame("203.0.113.10", 50000, kGuest.str(), 22, 6, kTcpSyn, ""));
    for (int i = 0; i < 18000; ++i) {
        in->packet(t + i * 333,
                   ethernet_frame(kGuest.str(), 22, "203.0.113.10", 50000, 6, kTcpAck, std::string(1400, 'd')));
    }
    EXPECT_TRUE(r.alerts.empty());
    // SYNs from made-up sources: no flows of the guest's, but a flood.
    t += 60'000'000;
    for (int i = 0; i < 6000; ++i) {
        std::string forged = "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250);
        in->packet(t + i * 900, ethernet_frame(forged, 1024, "192.0.2.50", 80, 6, kTcpSyn, ""));
    }
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].rule_id, "network_flood");
}

TEST(FlowInspectorTest, ForeignAndMalformedFramesMakeNoFlows) {
    Recorded r;
    auto in = inspector(r);
    std::int64_t t = 1'700'000'000'000'000;
    in->packet(t, ethernet_frame("192.0.2.1", 1, "192.0.2.2", 2, 6, kTcpSyn, "x"));
    auto f = ethernet_frame(kGuest.str(), 1, "192.0.2.2", 2, 6, kTcpAck, "payload");
    for (std::size_t cut = 0; cut < f.size(); ++cut) in->packet(t, std::span(f.data(), cut));
    f[14] = 0x4f;  // a header length past the packet
    in->packet(t, f);
    std::vector<std::uint8_t> arp(42, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    in->packet(t, arp);
    in->finish(t + 120'000'000);
    EXPECT_TRUE(r.alerts.empty());
    EXPECT_EQ(in->tracked_flows(), 0u);
}

TEST(FlowInspectorTest, TracksAtMostKMaxFlows) {
    Recorded r;
    auto in = inspector(r, {.scan_addresses = 1'000'000, .scan_ports = 1'000'000});
    std::int64_t t = 1'700'000'000'000'000;
    for (std::uint32_t i = 0; i < FlowInspector::kMaxFlows + 500; ++i) {
        in->packet(t += 10, ethernet_frame(kGuest.str(), static_cast<std::uint16_t>(1024 + i % 60000), "198.51.100.1",
                                           static_cast<std::uint16_t>(1 + i / 60000), 17, 0, "q"));
    }
    EXPECT_EQ(in->tracked_flows(), FlowInspector::kMaxFlows);
    // The 500 oldest were named to make room (a few nDPI named at once).
    EXPECT_GE(r.flows.size(), 500u);
    EXPECT_LT(r.flows.size(), 600u);
}

}  // namespace
}  // namespace oyster::detection
