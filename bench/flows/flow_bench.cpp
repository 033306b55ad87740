// bench/flows: what nDPI and the network rules cost a guest's tap capture.
//
// A busy guest's traffic, built in memory: CONVERSATIONS TCP conversations
// (web downloads of 40 full-size segments, IRC and Stratum sessions, TLS
// hellos) and as many DNS queries, in the proportions of a bot that pulls
// its kit and phones home. The capture thread already writes every frame
// to the intrusion's pcap (pcap_dump, then a flush per batch of 64): that
// is the baseline. Then the same with the flow inspector seeing each frame
// first. Each alternated RUNS times; the median CPU per packet of each,
// their ratio, and the inspector's packets per second alone.
// Usage: oyster_flow_bench [CONVERSATIONS] [RUNS]   (default 2000 5)
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ethernet_frame_builder.h"
#include "oyster/detection/flow_inspector.h"

namespace {

using Frames = std::vector<std::vector<std::uint8_t>>;

double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Frames traffic(unsigned conversations) {
    const std::string guest = "10.0.0.2";
    Frames out;
    std::string segment(1448, 'x');
    for (unsigned i = 0; i < conversations; ++i) {
        std::string server = fmt::format("198.51.{}.{}", 100 + (i / 250) % 4, i % 250 + 1);
        auto port = static_cast<std::uint16_t>(32768 + i % 28000);
        std::vector<std::string> payloads;
        std::uint16_t server_port = 80;
        switch (i % 8) {
            case 0:
                server_port = 6667;
                payloads = {"NICK bot\r\nUSER bot 0 * :bot\r\n", ":irc 001 bot :Welcome\r\n", "JOIN #c\r\n",
                            ":bot JOIN :#c\r\n"};
                break;
            case 1:
                server_port = 3333;
                payloads = {R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4A","pass":"x"}})"
                            "\n",
                            R"({"id":1,"jsonrpc":"2.0","result":{"status":"OK"}})"
                            "\n"};
                break;
            case 2:
                server_port = 443;
                // A TLS ClientHello's record and handshake headers, and no more.
                payloads = {std::string("\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03", 11) + std::string(32, 'r') +
                                std::string("\x00\x00\x02\x13\x01\x01\x00", 7),
                            std::string("\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9)};
                break;
            default:
                payloads = {"GET /kit.tar.gz HTTP/1.1\r\nHost: files.example\r\nUser-Agent: Wget/1.21\r\n\r\n",
                            "HTTP/1.1 200 OK\r\nContent-Length: 57920\r\n\r\n"};
                // The download: the server's segments, each acked.
                for (int s = 0; s < 40; ++s) {
                    payloads.emplace_back("");
                    payloads.push_back(segment);
                }
        }
        // (An empty payload is a bare ACK.)
        for (auto& f : oyster::testing::tcp_conversation(guest, port, server, server_port, payloads)) {
            out.push_back(std::move(f));
        }
        std::string query = std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) +
                            fmt::format(
                                "\x05host{}\x07"
                                "example\x03"
                                "com",
                                i % 10) +
                            std::string("\x00\x00\x01\x00\x01", 5);
        out.push_back(oyster::testing::ethernet_frame(guest, static_cast<std::uint16_t>(40000 + i % 20000),
                                                      "198.51.100.53", 53, 17, 0, query));
    }
    return out;
}

// One pass of the capture thread over `frames`: the pcap written, and the
// inspector shown each frame when there is one. CPU seconds.
double pass(const Frames& frames, const std::filesystem::path& file, oyster::detection::FlowInspector* inspector) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
    pcap_dumper_t* dumper = pcap_dump_open(dead, file.c_str());
    if (dumper == nullptr) {
        std::fprintf(stderr, "cannot write %s\n", file.c_str());
        std::exit(1);
    }
    std::int64_t t = 1'700'000'000'000'000;
    double start = cpu_now();
    std::size_t n = 0;
    for (const auto& f : frames) {
        t += 100;
        if (inspector != nullptr) inspector->packet(t, f);
        pcap_pkthdr h{};
        h.ts.tv_sec = static_cast<time_t>(t / 1'000'000);
        h.ts.tv_usec = static_cast<suseconds_t>(t % 1'000'000);
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f.data());
        if (++n % 64 == 0) pcap_dump_flush(dumper);
    }
    if (inspector != nullptr) inspector->finish(t + 120'000'000);
    pcap_dump_flush(dumper);
    double spent = cpu_now() - start;
    pcap_dump_close(dumper);
    pcap_close(dead);
    return spent;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 3 || (argc > 1 && std::string(argv[1]) == "--help")) {
        std::fprintf(stderr, "usage: oyster_flow_bench [CONVERSATIONS] [RUNS]\n");
        return 2;
    }
    unsigned conversations = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 2000;
    int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    Frames frames = traffic(conversations);
    std::uint64_t bytes = 0;
    for (const auto& f : frames) bytes += f.size();
    auto dir = std::filesystem::temp_directory_path() / fmt::format("oyster-flow-bench-{}", getpid());
    std::filesystem::create_directories(dir);
    auto ndpi = oyster::detection::make_ndpi_module();
    std::vector<double> base, with;
    std::size_t flows = 0, alerts = 0;
    for (int r = 0; r < runs; ++r) {
        base.push_back(pass(frames, dir / "base.pcap", nullptr));
        flows = alerts = 0;
        oyster::detection::FlowInspector inspector(
            ndpi, {.guest_ip = *oyster::parse_ipv4("10.0.0.2")}, [&](oyster::events::Flow) { ++flows; },
            [&](oyster::events::Alert) { ++alerts; });
        with.push_back(pass(frames, dir / "with.pcap", &inspector));
    }
    std::filesystem::remove_all(dir);
    const double n = static_cast<double>(frames.size());
    const double b = median(base), w = median(with);
    std::printf("traffic: %zu frames, %.1f MiB, %u conversations and as many DNS queries\n", frames.size(),
                static_cast<double>(bytes) / (1 << 20), conversations);
    std::printf("capture, pcap only (baseline): %.3f us/packet\n", b / n * 1e6);
    std::printf("capture with the flow inspector: %.3f us/packet (%.2fx the baseline, +%.1f %%)\n", w / n * 1e6, w / b,
                (w / b - 1) * 100);
    std::printf("inspector alone: %.3f us/packet, %.0f packets/s on one core; %zu flow events, %zu alerts\n",
                (w - b) / n * 1e6, n / (w - b), flows, alerts);
    return 0;
}
