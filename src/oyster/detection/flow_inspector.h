// What a guest's traffic says, live: nDPI (libndpi) names each conversation
// off the guest's tap (a `flow` event), and five network rules raise
// `alert` events, each once per guest, as the Sigma rules do:
//
//   network_mining_pool  nDPI saw a mining protocol (Stratum, ...)  T1496
//   network_irc          nDPI saw IRC                               T1071
//   network_tor          nDPI saw Tor                               T1090.003
//   network_scan         the guest opened flows to many addresses, or many
//                        ports of one address, within a minute      T1046
//   network_flood        the guest sent more packets per second than a
//                        flood's threshold, for five seconds (in
//                        flows it began, or with a forged source)   T1498
//
// The frames are the guest's: they are parsed with bounds checks
// (net/ip_packet.h) and nDPI reads only what the capture holds. State is
// bounded: at most kMaxFlows flows are tracked (the oldest is named and
// dropped for a new one), nDPI's per-flow state is freed once a flow is
// named, and only flows that carried data become events, so a scan of a
// whole network is one alert, not a million events.
//
// An inspector serves one guest and runs on that guest's capture thread
// (net/tap_capture.h); the nDPI module, which is large (7 MiB of tables),
// is shared by all of them under a lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "oyster/common/ipv4.h"
#include "oyster/events/sensor_events.h"
#include "oyster/net/tap_capture.h"

namespace oyster::detection {

// nDPI's detection module with every protocol enabled, and the lock its
// users take: nDPI keeps per-packet state in the module.
class NdpiModule;
std::shared_ptr<NdpiModule> make_ndpi_module();

struct FlowInspectorOptions {
    Ipv4 guest_ip{};
    std::size_t scan_addresses = 64;  // distinct addresses in scan_window_s
    std::size_t scan_ports = 128;     // distinct ports of one address in it
    std::int64_t scan_window_s = 60;
    std::uint64_t flood_packets_per_second = 2000;  // sent by the guest, over 5 s
    std::int64_t idle_timeout_s = 60;               // a flow silent this long has ended
};

class FlowInspector : public PacketObserver {
public:
    using FlowSink = std::function<void(events::Flow)>;
    using AlertSink = std::function<void(events::Alert)>;
    // Whether the guest's intrusion is open: as for the Sigma rules
    // (sensor/capture_follower.h), a rule is raised only then, so that a
    // match before it is not spent on an alert nobody keeps.
    using Alerting = std::function<bool()>;

    static constexpr std::size_t kMaxFlows = 4096;
    // Packets nDPI may see of a flow before it must name it (or give up).
    static constexpr std::uint32_t kMaxPacketsToName = 32;

    FlowInspector(std::shared_ptr<NdpiModule> ndpi, FlowInspectorOptions options, FlowSink on_flow, AlertSink on_alert,
                  Alerting alerting = {});
    ~FlowInspector() override;
    FlowInspector(const FlowInspector&) = delete;
    FlowInspector& operator=(const FlowInspector&) = delete;

    void packet(std::int64_t time_us, std::span<const std::uint8_t> frame) override;
    void tick(std::int64_t now_us) override;
    void finish(std::int64_t now_us) override;

    std::size_t tracked_flows() const { return flows_.size(); }

private:
    struct FlowKey {
        std::uint8_t protocol = 0;
        std::uint32_t remote = 0;
        std::uint16_t guest_port = 0, remote_port = 0;
        bool operator==(const FlowKey&) const = default;
    };
    struct FlowKeyHash {
        std::size_t operator()(const FlowKey& k) const;
    };
    struct FlowState;
    enum class Rule { mining_pool, irc, tor, scan, flood };
    static constexpr std::size_t kRuleCount = 5;

    void inspect(FlowState& f, const FlowKey& key, std::int64_t time_us, std::span<const std::uint8_t> ip);
    void name(FlowState& f, const FlowKey& key, bool give_up);
    void expire(std::int64_t now_us, bool all);
    void count_new_flow(const FlowKey& key, std::int64_t time_us);
    void count_sent(std::int64_t time_us);
    bool raised(Rule rule) const { return raised_[static_cast<std::size_t>(rule)]; }
    void raise(Rule rule, const std::string& detail, std::int64_t time_us);

    std::shared_ptr<NdpiModule> ndpi_;
    FlowInspectorOptions options_;
    FlowSink on_flow_;
    AlertSink on_alert_;
    Alerting alerting_;
    std::unordered_map<FlowKey, std::unique_ptr<FlowState>, FlowKeyHash> flows_;
    // The flows in the order they began: the oldest is named and dropped
    // for a new one when kMaxFlows are tracked.
    std::list<FlowKey> order_;
    std::array<bool, kRuleCount> raised_{};
    std::int64_t last_expiry_us_ = 0;
    // Scan: the flows the guest opened in the window, oldest first, with
    // counts by address and by address and port.
    std::deque<std::pair<std::int64_t, FlowKey>> opened_;
    std::map<std::uint32_t, std::size_t> by_address_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::size_t> by_port_;
    // by_port_'s distinct ports per address, kept rather than counted so
    // that a new flow costs the same however many ports an address has.
    std::map<std::uint32_t, std::size_t> ports_of_;
    // Flood: packets the guest sent per second, for the last five seconds,
    // and their sum.
    std::deque<std::pair<std::int64_t, std::uint64_t>> sent_per_second_;
    std::uint64_t sent_in_window_ = 0;
};

}  // namespace oyster::detection
