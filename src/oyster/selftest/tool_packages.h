// The tools the stealth battery runs inside a guest (virt-what, imvirt,
// dmidecode, ethtool) are not in the shipped image, and the stock sshd it
// compares the guest's with is not installed on the host: `oyster setup`
// fetches their packages (with everything they depend on) from the host's
// apt sources (Debian bookworm, like the guest) into
// <cache_dir>/selftest/debs, in the host's network namespace; the selftest,
// which may run where there is no way out, only uses that cache. In the
// guest, the packages it lacks are installed for the run and purged after.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace oyster {

inline const std::vector<std::string> kStealthTools = {"virt-what", "imvirt", "dmidecode", "ethtool"};
// What `oyster selftest containment` scans, poisons, sniffs and forges
// with from inside a guest. Kept
// in a directory of their own: the stealth selftest brings every package
// of its directory the guest lacks.
inline const std::vector<std::string> kContainmentTools = {"nmap", "ettercap-text-only", "tcpdump", "hping3"};
// The package whose sshd is the stock one (reference_sshd.h).
inline constexpr const char* kStockSshPackage = "openssh-server";

std::filesystem::path selftest_debs_dir(const std::filesystem::path& cache_dir);

std::filesystem::path containment_debs_dir(const std::filesystem::path& cache_dir);

// The packages `apt-get -s install` would install ("Inst NAME ..." lines):
// a consistent set, alternatives resolved.
std::vector<std::string> parse_simulated_install(std::string_view apt_get_output);

// Downloads the containment tools and all they need on a system with no
// package installed, those the cache lacks. Throws oyster::Error naming what
// failed.
void fetch_containment_packages(const std::filesystem::path& cache_dir);

// The .deb files in `dir`, by package name.
std::map<std::string, std::filesystem::path> cached_packages(const std::filesystem::path& dir);

// Downloads (apt-get download) what apt would install for the stealth tools
// on a system with no package, and the stock sshd's package, those the
// cache lacks. Throws oyster::Error naming what failed.
void fetch_selftest_packages(const std::filesystem::path& cache_dir);

// The cached .deb files, by package name ("name_version_arch.deb").
std::map<std::string, std::filesystem::path> cached_selftest_packages(const std::filesystem::path& cache_dir);

}  // namespace oyster
