// `oyster run`: the sensor daemon. It owns the portal, a pool of pre-booted
// guests, the map of source addresses to the guest each was given, the
// intrusions, the mail sink and the drop monitor, and ties them together in
// one event loop (guest boots and shutdowns run in worker threads and report
// back through an eventfd).
//
// Lifecycle of a guest it owns (GuestRecord::owner "sensor"):
//   booting -> pooled (ready, no source) -> assigned to a source address
//   (an intrusion opens) -> idle for sensor.idle_timeout_s, or exited ->
//   stopping (shut down, capture decoded, intrusion closed) -> gone; the
//   pool is refilled. A new source with an empty pool gets a cold boot, and
//   its connection waits; beyond sensor.max_guests it is refused (RST).
//
// Recovery: on start it finds the guests a previous run left. Running ones
// are adopted again (an open intrusion keeps its source address, a pooled
// one goes back to the pool); dead ones are cleaned up and their intrusions
// closed, evidence kept. SIGINT/SIGTERM stop every guest, close every
// intrusion and remove the routing and the firewall table.
#pragma once

#include "oyster/common/config.h"
#include "oyster/sandbox/platform.h"
#include "oyster/sensor/daemon_log.h"

namespace oyster::sensor {

// Runs until SIGINT or SIGTERM. Returns the process exit code; throws
// oyster::Error for a failure to start (port in use, platform missing...).
int run_sensor(const Config& cfg, const Platform& platform, DaemonLog& log);

}  // namespace oyster::sensor
