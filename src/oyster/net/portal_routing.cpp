#include "oyster/net/portal_routing.h"

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/process.h"
#include "oyster/net/guest_firewall.h"

namespace oyster {
namespace {

std::string mark() {
    return fmt::format("{:#x}", kPortalReplyMark);
}
std::string table() {
    return std::to_string(kPortalRouteTable);
}

int ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_capture(argv).exit_code;
}

}  // namespace

void install_portal_routing() {
    remove_portal_routing();
    if (ip({"-4", "rule", "add", "fwmark", mark(), "lookup", table(), "priority", table()}) != 0) {
        throw Error(fmt::format("ip rule add fwmark {} lookup {} failed", mark(), table()));
    }
    if (ip({"-4", "route", "replace", "local", "0.0.0.0/0", "dev", "lo", "table", table()}) != 0) {
        throw Error(fmt::format("ip route replace local 0.0.0.0/0 dev lo table {} failed", table()));
    }
}

void remove_portal_routing() {
    // A rule may have been added twice by an earlier crash; delete until gone.
    for (int i = 0; i < 16; ++i) {
        auto shown =
            run_capture({"ip", "-4", "rule", "show", "fwmark", mark(), "lookup", table()}, {}, ChildStderr::discard);
        if (shown.exit_code != 0 || shown.stdout_text.empty()) break;
        if (ip({"-4", "rule", "del", "fwmark", mark(), "lookup", table()}) != 0) break;
    }
    auto routes = run_capture({"ip", "-4", "route", "show", "table", table()}, {}, ChildStderr::discard);
    if (routes.exit_code == 0 && !routes.stdout_text.empty()) ip({"-4", "route", "flush", "table", table()});
}

}  // namespace oyster
