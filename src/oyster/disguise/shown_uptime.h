// The uptime a guest shows. Every intrusion gets a freshly booted guest;
// a server that is always up for two minutes is one that was started for
// whoever looks. So the persona's machine has a boot moment of its own,
// `uptime_days` before the platform was first set up, and each guest shows
// the time since then as its uptime (kernel patch 0015: the boot and
// monotonic clocks start that far along). With guest.boot_at_shown_moment
// (the default) the guest boots at that moment instead (its wall clock that
// far back, patch 0029), so what the boot stamps dates from it, and its
// clocks catch up once the launcher says the boot is over
// (guest_manager.cpp; patch 0038: the monotonic clock left as over a
// suspend, unless guest.catch_up_monotonic). An intruder who comes back a
// week later finds it a week older.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oyster {

struct ShownBoot {
    std::int64_t boot_time = 0;     // unix seconds; 0: the guest's own uptime
    std::uint32_t uptime_days = 0;  // the persona's setting it was made from
    // The moment drawn before the shown kernel was known (boot_time is it,
    // moved past the kernel's build date where needed). The image's history
    // is built from it (disguise/lived_in.h), so it is kept with the boot.
    std::int64_t anchor = 0;
};

// The first half of shown_boot, before the image (and so the shown kernel)
// exists: `previous`'s anchor when made from the same setting, else `now`
// less the days and a part of a day derived from `seed`; 0 for no days.
std::int64_t shown_boot_anchor(std::uint32_t uptime_days, std::int64_t now, std::string_view seed,
                               const std::optional<ShownBoot>& previous);
// The second half: the boot moment for `anchor`, never earlier than a day
// after the date the shown kernel was built (the "(YYYY-MM-DD)" ending
// `kernel_version`): a machine cannot have booted a kernel before it existed.
ShownBoot shown_boot_at(std::uint32_t uptime_days, std::int64_t anchor, std::string_view kernel_version,
                        std::string_view seed);

// The boot moment for a persona asking `uptime_days`: `previous` as it is
// when made from the same setting, else `now` less the days and a part of a
// day derived from `seed`. Never earlier than a day after the date the
// shown kernel was built (the "(YYYY-MM-DD)" ending `kernel_version`): a
// machine cannot have booted a kernel before it existed.
ShownBoot shown_boot(std::uint32_t uptime_days, std::int64_t now, std::string_view kernel_version,
                     std::string_view seed, const std::optional<ShownBoot>& previous);

// How long after its disk was last written a machine that was stopped
// shows itself booted again: a server's reboot.
inline constexpr std::int64_t kRebootS = 40;

// How a guest booted at its shown boot moment catches its clocks up when
// told (kernel patches 0029 and 0038).
enum class ClockCatchUp {
    none,          // patch 0015's clocks: nothing is booted in the past
    as_on_resume,  // "UML_SHOWN_CATCH_UP=1": all but the monotonic clock,
                   // as over a suspend (guest.boot_at_shown_moment)
    every_clock,   // "UML_SHOWN_CATCH_UP=monotonic" (guest.catch_up_monotonic)
};

// The catch-up the [guest] settings ask for.
ClockCatchUp clock_catch_up(bool boot_at_shown_moment, bool catch_up_monotonic);

// "UML_SHOWN_UPTIME=<seconds>" for a guest starting at `now`; none when
// `boot.boot_time` is 0. A guest booting from a disk that has run before
// (`disk_last_written`, unix seconds; 0 for a new disk) cannot have booted
// before its disk recorded its last shutdown (wtmp, the journal, logrotate's
// stamps would be "in the future"): it shows a reboot kRebootS after that,
// or the persona's boot moment if that is later.
// With a catch-up, also its UML_SHOWN_CATCH_UP: the guest boots at that
// moment and catches its clocks up when told.
std::vector<std::string> shown_uptime_env(const ShownBoot& boot, std::int64_t now, std::int64_t disk_last_written = 0,
                                          ClockCatchUp catch_up = ClockCatchUp::none);

}  // namespace oyster
