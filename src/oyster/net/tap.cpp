#include "oyster/net/tap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
// After <net/if.h>: linux/if_tun.h would pull linux/if.h, which clashes with it.
#include <linux/if_tun.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster {
namespace {

ifreq make_ifreq(const std::string& name) {
    if (name.empty() || name.size() > kMaxIfNameLen) throw Error("bad interface name '" + name + "'");
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    return ifr;
}

void set_inet(int sock, const std::string& name, unsigned long request, Ipv4 addr, const char* what) {
    ifreq ifr = make_ifreq(name);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr.value);
    std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    if (::ioctl(sock, request, &ifr) != 0) throw_errno(fmt::format("set {} of {} to {}", what, name, addr.str()));
}

// One of the interface's IPv4 settings (/proc/sys/net/ipv4/conf/<name>/,
// of the caller's network namespace).
void set_ipv4_conf(const std::string& name, const char* key, const char* value) {
    auto path = fmt::format("/proc/sys/net/ipv4/conf/{}/{}", name, key);
    FdGuard fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open " + path);
    auto len = std::strlen(value);
    if (::write(fd.get(), value, len) != static_cast<ssize_t>(len)) throw_errno("write " + path);
}

// A /32 route to `to` through interface `name` (scope link). A re-used tap
// has it already.
void add_host_route(int sock, const std::string& name, Ipv4 to) {
    rtentry rt{};
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = htonl(to.value);
    std::memcpy(&rt.rt_dst, &dst, sizeof dst);
    sockaddr_in mask{};
    mask.sin_family = AF_INET;
    mask.sin_addr.s_addr = INADDR_BROADCAST;
    std::memcpy(&rt.rt_genmask, &mask, sizeof mask);
    rt.rt_flags = RTF_UP | RTF_HOST;
    std::string dev = make_ifreq(name).ifr_name;  // bounds-checked, NUL-terminated
    rt.rt_dev = dev.data();
    if (::ioctl(sock, SIOCADDRT, &rt) != 0 && errno != EEXIST) {
        throw_errno(fmt::format("add a route to {} through {}", to.str(), name));
    }
}

}  // namespace

void create_tap(const std::string& name, uid_t owner, const GuestLink& link) {
    {
        FdGuard tap(attach_tap(name));
        if (::ioctl(tap.get(), TUNSETOWNER, static_cast<unsigned long>(owner)) != 0) {
            throw_errno("TUNSETOWNER " + name);
        }
        if (::ioctl(tap.get(), TUNSETPERSIST, 1UL) != 0) throw_errno("TUNSETPERSIST " + name);
    }
    // The host answers ARP on a tap only for that tap's own address: by
    // default Linux answers for any address it owns on any interface, so a
    // guest asking for other addresses of the pool would learn of every
    // other guest's gateway and of the host's uplinks.
    set_ipv4_conf(name, "arp_ignore", "1");
    set_ipv4_conf(name, "arp_announce", "2");
    FdGuard sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) throw_errno("socket");
    // Every tap holds the same gateway address; Linux keeps a local route
    // per interface, so one tap's removal leaves the others' in place.
    set_inet(sock.get(), name, SIOCSIFADDR, link.host, "address");
    set_inet(sock.get(), name, SIOCSIFNETMASK, Ipv4{~std::uint32_t{0}}, "netmask");
    ifreq ifr = make_ifreq(name);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) throw_errno("get flags of " + name);
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) throw_errno("bring up " + name);
    // After IFF_UP: Linux refuses a route through an interface that is down.
    add_host_route(sock.get(), name, link.guest);
}

int attach_tap(const std::string& name) {
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) throw_errno("open /dev/net/tun");
    ifreq ifr = make_ifreq(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int err = errno;
        ::close(fd);
        throw_errno("TUNSETIFF " + name, err);
    }
    return fd;
}

void delete_tap(const std::string& name) {
    if (!interface_exists(name)) return;
    FdGuard tap(attach_tap(name));
    if (::ioctl(tap.get(), TUNSETPERSIST, 0UL) != 0) throw_errno("clear TUNSETPERSIST on " + name);
}

bool interface_exists(const std::string& name) {
    return ::if_nametoindex(name.c_str()) != 0;
}

std::string random_guest_mac() {
    std::random_device rd;
    // 00:1b:21 is an Intel NIC OUI (82576/I350 server adapters).
    return fmt::format("00:1b:21:{:02x}:{:02x}:{:02x}", rd() & 0xff, rd() & 0xff, rd() & 0xff);
}

}  // namespace oyster
