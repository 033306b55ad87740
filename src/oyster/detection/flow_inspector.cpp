#include "oyster/detection/flow_inspector.h"

#include <netinet/in.h>

#include <array>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include "oyster/capture/capture_decoder.h"
#include "oyster/net/ip_packet.h"

namespace oyster::detection {

class NdpiModule {
public:
    NdpiModule() : module_(ndpi_init_detection_module(ndpi_no_prefs)) {
        if (module_ == nullptr) throw std::runtime_error("nDPI: cannot start its detection module");
        NDPI_PROTOCOL_BITMASK all;
        NDPI_BITMASK_SET_ALL(all);
        ndpi_set_protocol_detection_bitmask2(module_, &all);
        ndpi_finalize_initialization(module_);
    }
    ~NdpiModule() { ndpi_exit_detection_module(module_); }
    NdpiModule(const NdpiModule&) = delete;
    NdpiModule& operator=(const NdpiModule&) = delete;

    ndpi_detection_module_struct* get() { return module_; }
    std::mutex& lock() { return mu_; }

private:
    ndpi_detection_module_struct* module_;
    std::mutex mu_;
};

std::shared_ptr<NdpiModule> make_ndpi_module() {
    return std::make_shared<NdpiModule>();
}

namespace {

constexpr std::int64_t kMicros = 1'000'000;
constexpr std::int64_t kFloodSeconds = 5;
// The scan window's memory, whatever the rate of new flows.
constexpr std::size_t kMaxOpenedInWindow = 65536;

struct NdpiFlowFree {
    void operator()(ndpi_flow_struct* f) const { ndpi_free_flow(f); }
};

// A network rule: what it is named and tagged as, in FlowInspector::Rule's
// order.
struct NetworkRule {
    const char* name;
    const char* title;
    const char* severity;
    std::array<const char*, 2> tags;
    const char* description;
};

constexpr std::array<NetworkRule, 5> kNetworkRules = {{
    {"network_mining_pool",
     "Guest talks to a cryptocurrency mining pool",
     "high",
     {"attack.impact", "attack.t1496"},
     "nDPI named a mining protocol (Stratum JSON-RPC or a coin's peer protocol) in the guest's traffic: a miner "
     "is running on the honeypot"},
    {"network_irc",
     "Guest joins IRC",
     "high",
     {"attack.command_and_control", "attack.t1071"},
     "nDPI named IRC in the guest's traffic: IRC is how many bots take their orders"},
    {"network_tor",
     "Guest uses Tor",
     "high",
     {"attack.command_and_control", "attack.t1090.003"},
     "nDPI named Tor in the guest's traffic: a multi-hop proxy hides where the intruder's traffic goes"},
    {"network_scan",
     "Guest scans the network",
     "medium",
     {"attack.discovery", "attack.t1046"},
     "the guest opened flows to many addresses, or to many ports of one address, within the scan window"},
    {"network_flood",
     "Guest floods the network",
     "high",
     {"attack.impact", "attack.t1498"},
     "the guest sent more packets per second than the flood threshold for five seconds"},
}};

}  // namespace

struct FlowInspector::FlowState {
    std::unique_ptr<ndpi_flow_struct, NdpiFlowFree> ndpi;
    std::list<FlowKey>::iterator order;
    bool guest_initiated = false;
    bool named = false;
    bool ended = false;  // FIN or RST seen
    std::int64_t first_us = 0, last_us = 0;
    std::uint64_t packets = 0, bytes = 0, payload_bytes = 0;
    ndpi_protocol protocol{};
};

std::size_t FlowInspector::FlowKeyHash::operator()(const FlowKey& k) const {
    std::uint64_t h = (std::uint64_t{k.remote} << 32) | (std::uint64_t{k.guest_port} << 16) | k.remote_port;
    h ^= std::uint64_t{k.protocol} << 56;
    h *= 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
}

FlowInspector::FlowInspector(std::shared_ptr<NdpiModule> ndpi, FlowInspectorOptions options, FlowSink on_flow,
                             AlertSink on_alert, Alerting alerting)
    : ndpi_(std::move(ndpi)),
      options_(options),
      on_flow_(std::move(on_flow)),
      on_alert_(std::move(on_alert)),
      alerting_(std::move(alerting)) {}

FlowInspector::~FlowInspector() = default;

void FlowInspector::packet(std::int64_t time_us, std::span<const std::uint8_t> frame) {
    auto eth = ethernet_payload(frame.data(), frame.size());
    if (!eth || eth->ether_type != kEtherTypeIpv4) return;
    std::span<const std::uint8_t> ip_bytes = frame.subspan(eth->offset);
    auto ip = parse_ipv4_packet(ip_bytes.data(), ip_bytes.size());
    if (!ip) return;
    // The tap carries only the guest's frames and those sent to it: what
    // is not addressed to the guest, the guest sent, whatever its source
    // says. A forged source (a SYN flood's) counts towards a flood, and
    // is no flow of the guest's (containment drops it on the way out).
    const bool from_guest = ip->dst != options_.guest_ip;
    if (from_guest && ip->src != options_.guest_ip) {
        count_sent(time_us);
        return;
    }
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) {
        if (from_guest) count_sent(time_us);
        // An echo request to a new address counts towards a sweep.
        if (from_guest && ip->protocol == IPPROTO_ICMP && ip->icmp_type == 8) {
            count_new_flow(FlowKey{.protocol = ip->protocol, .remote = ip->dst.value}, time_us);
        }
        return;
    }
    if (!ip->first_fragment) {
        if (from_guest) count_sent(time_us);
        return;
    }
    FlowKey key{.protocol = ip->protocol,
                .remote = from_guest ? ip->dst.value : ip->src.value,
                .guest_port = from_guest ? ip->src_port : ip->dst_port,
                .remote_port = from_guest ? ip->dst_port : ip->src_port};
    auto it = flows_.find(key);
    if (it == flows_.end()) {
        if (flows_.size() >= kMaxFlows) {
            auto oldest = flows_.find(order_.front());
            name(*oldest->second, oldest->first, true);
            order_.pop_front();
            flows_.erase(oldest);
        }
        auto state = std::make_unique<FlowState>();
        auto* raw = static_cast<ndpi_flow_struct*>(ndpi_flow_malloc(ndpi_detection_get_sizeof_ndpi_flow_struct()));
        if (raw == nullptr) return;
        std::memset(raw, 0, ndpi_detection_get_sizeof_ndpi_flow_struct());
        state->ndpi.reset(raw);
        state->guest_initiated = from_guest;
        state->first_us = time_us;
        state->order = order_.insert(order_.end(), key);
        it = flows_.emplace(key, std::move(state)).first;
        if (from_guest) count_new_flow(key, time_us);
    }
    FlowState& f = *it->second;
    // A flood is what the guest starts: its answers to an intruder who
    // downloads from it are not.
    if (from_guest && f.guest_initiated) count_sent(time_us);
    f.last_us = time_us;
    ++f.packets;
    f.bytes += ip->captured;
    f.payload_bytes += ip->payload;
    if ((ip->tcp_flags & (kTcpFin | kTcpRst)) != 0) f.ended = true;
    if (!f.named) inspect(f, key, time_us, ip_bytes.first(ip->captured));
    if (time_us - last_expiry_us_ >= kMicros) expire(time_us, false);
}

void FlowInspector::inspect(FlowState& f, const FlowKey& key, std::int64_t time_us, std::span<const std::uint8_t> ip) {
    if (ip.size() > 0xffff) ip = ip.first(0xffff);
    ndpi_protocol p{};
    bool extra = false;
    {
        std::lock_guard lock(ndpi_->lock());
        p = ndpi_detection_process_packet(ndpi_->get(), f.ndpi.get(), ip.data(), static_cast<unsigned short>(ip.size()),
                                          static_cast<std::uint64_t>(time_us / 1000));
        if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN) extra = ndpi_extra_dissection_possible(ndpi_->get(), f.ndpi.get());
    }
    // Every packet of a flow goes to nDPI until it is named.
    if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN && !extra) {
        f.protocol = p;
        name(f, key, false);
    } else if (f.packets >= kMaxPacketsToName) {
        name(f, key, true);
    }
}

void FlowInspector::name(FlowState& f, const FlowKey& key, bool give_up) {
    if (f.named) return;
    f.named = true;
    bool guessed = false;
    char app[64] = {};
    std::string category, host;
    std::vector<std::string> risks;
    {
        std::lock_guard lock(ndpi_->lock());
        ndpi_detection_module_struct* m = ndpi_->get();
        if (give_up) {
            std::uint8_t was_guessed = 0;
            f.protocol = ndpi_detection_giveup(m, f.ndpi.get(), 1, &was_guessed);
            guessed = was_guessed != 0;
        }
        ndpi_protocol2name(m, f.protocol, app, sizeof app);
        const char* c = ndpi_category_get_name(m, f.protocol.category);
        category = c != nullptr ? c : "";
        host.assign(f.ndpi->host_server_name, strnlen(f.ndpi->host_server_name, sizeof f.ndpi->host_server_name));
        for (int r = 1; r < NDPI_MAX_RISK; ++r) {
            if ((f.ndpi->risk & (ndpi_risk{1} << r)) != 0)
                risks.emplace_back(ndpi_risk2str(static_cast<ndpi_risk_enum>(r)));
        }
    }
    f.ndpi.reset();
    // A flow that carried no data is a probe, a refused or an unanswered
    // connect: counted for scans, not worth an event of its own.
    if (f.payload_bytes == 0) return;
    const std::string guest = options_.guest_ip.str();
    const std::string remote = Ipv4{key.remote}.str();
    events::Flow e{.protocol = ip_protocol_name(key.protocol),
                   .src = f.guest_initiated ? guest : remote,
                   .dst = f.guest_initiated ? remote : guest,
                   .src_port = f.guest_initiated ? key.guest_port : key.remote_port,
                   .dst_port = f.guest_initiated ? key.remote_port : key.guest_port,
                   .application = app,
                   .category = category,
                   .guessed = guessed,
                   .risks = risks,
                   .packets = f.packets,
                   .bytes = f.bytes,
                   .first_seen = capture::iso_time(static_cast<std::uint64_t>(f.first_us) * 1000)};
    if (!host.empty()) e.host = host;
    std::string detail = fmt::format("{} {}:{} -> {}:{} {}", e.protocol, e.src, e.src_port, e.dst, e.dst_port, app);
    if (on_flow_) on_flow_(std::move(e));
    // nDPI names a protocol by what the bytes say, never by a guess from the
    // port alone, before it raises a rule.
    if (guessed) return;
    auto is = [&](std::uint16_t id) { return f.protocol.app_protocol == id || f.protocol.master_protocol == id; };
    if (is(NDPI_PROTOCOL_MINING)) raise(Rule::mining_pool, detail, f.last_us);
    if (is(NDPI_PROTOCOL_IRC)) raise(Rule::irc, detail, f.last_us);
    if (is(NDPI_PROTOCOL_TOR)) raise(Rule::tor, detail, f.last_us);
}

void FlowInspector::tick(std::int64_t now_us) {
    if (now_us - last_expiry_us_ >= kMicros) expire(now_us, false);
}

void FlowInspector::finish(std::int64_t now_us) {
    expire(now_us, true);
}

void FlowInspector::expire(std::int64_t now_us, bool all) {
    last_expiry_us_ = now_us;
    const std::int64_t idle = options_.idle_timeout_s * kMicros;
    for (auto it = flows_.begin(); it != flows_.end();) {
        FlowState& f = *it->second;
        // An ended TCP flow gets a few seconds for its last packets.
        bool over = all || now_us - f.last_us >= idle || (f.ended && now_us - f.last_us >= 2 * kMicros);
        if (!over) {
            ++it;
            continue;
        }
        name(f, it->first, true);
        order_.erase(f.order);
        it = flows_.erase(it);
    }
}

void FlowInspector::count_new_flow(const FlowKey& key, std::int64_t time_us) {
    if (raised(Rule::scan)) return;
    const std::int64_t window = options_.scan_window_s * kMicros;
    while (!opened_.empty() && (time_us - opened_.front().first >= window || opened_.size() >= kMaxOpenedInWindow)) {
        const FlowKey& k = opened_.front().second;
        if (--by_address_[k.remote] == 0) by_address_.erase(k.remote);
        if (auto p = by_port_.find({k.remote, k.remote_port}); --p->second == 0) {
            by_port_.erase(p);
            if (--ports_of_[k.remote] == 0) ports_of_.erase(k.remote);
        }
        opened_.pop_front();
    }
    opened_.emplace_back(time_us, key);
    ++by_address_[key.remote];
    std::size_t ports = 0;
    if (++by_port_[{key.remote, key.remote_port}] == 1) ports = ++ports_of_[key.remote];
    if (by_address_.size() >= options_.scan_addresses) {
        raise(Rule::scan,
              fmt::format("{} addresses in {} s, the last {}", by_address_.size(), options_.scan_window_s,
                          Ipv4{key.remote}.str()),
              time_us);
    } else if (ports >= options_.scan_ports) {
        raise(Rule::scan, fmt::format("{} ports of {} in {} s", ports, Ipv4{key.remote}.str(), options_.scan_window_s),
              time_us);
    }
    if (raised(Rule::scan)) {
        opened_.clear();
        by_address_.clear();
        by_port_.clear();
        ports_of_.clear();
    }
}

void FlowInspector::count_sent(std::int64_t time_us) {
    if (raised(Rule::flood)) return;
    const std::int64_t second = time_us / kMicros;
    if (sent_per_second_.empty() || sent_per_second_.back().first != second) {
        while (!sent_per_second_.empty() && second - sent_per_second_.front().first >= kFloodSeconds) {
            sent_in_window_ -= sent_per_second_.front().second;
            sent_per_second_.pop_front();
        }
        sent_per_second_.emplace_back(second, 0);
    }
    ++sent_per_second_.back().second;
    ++sent_in_window_;
    if (sent_in_window_ >= options_.flood_packets_per_second * static_cast<std::uint64_t>(kFloodSeconds)) {
        raise(Rule::flood,
              fmt::format("{} packets in {} s (threshold {} per second)", sent_in_window_, kFloodSeconds,
                          options_.flood_packets_per_second),
              time_us);
    }
}

void FlowInspector::raise(Rule rule, const std::string& detail, std::int64_t time_us) {
    auto& done = raised_[static_cast<std::size_t>(rule)];
    if (done || (alerting_ && !alerting_())) return;
    done = true;
    static_assert(kNetworkRules.size() == kRuleCount);
    const NetworkRule& r = kNetworkRules[static_cast<std::size_t>(rule)];
    events::Alert a;
    a.rule = r.title;
    a.rule_id = r.name;
    a.tags = {r.tags.begin(), r.tags.end()};
    a.description = r.description;
    a.severity = r.severity;
    a.engine = "network";
    a.category = "flow";
    a.detail = detail;
    a.event_time = capture::iso_time(static_cast<std::uint64_t>(time_us) * 1000);
    if (on_alert_) on_alert_(std::move(a));
}

}  // namespace oyster::detection
