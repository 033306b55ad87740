// The platform `oyster setup` built: the guest kernel and the read-only base
// image, with the image's checksum. Recorded in <state_dir>/platform.json and
// read by everything that boots guests.
//
// The base image must never change. Its SHA-256 is computed at setup; later
// checks compare a stat fingerprint (size, mtime, ctime, inode) first and
// re-hash only when that differs, because hashing 2 GiB costs seconds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "oyster/common/error.h"
#include "oyster/disguise/guest_dmi.h"
#include "oyster/disguise/guest_identity.h"
#include "oyster/disguise/shown_uptime.h"
#include "oyster/sandbox/login_policy.h"

namespace oyster {

struct FileFingerprint {
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileFingerprint&) const = default;
};

FileFingerprint fingerprint_file(const std::filesystem::path& path);

struct Platform {
    std::filesystem::path kernel;
    std::filesystem::path image;
    std::string image_sha256;
    FileFingerprint image_fingerprint;
    // Key of the honeylog() system call for guests of this platform (16 hex
    // digits); made once per cache directory by `oyster setup`.
    std::string honeylog_key;
    // The persona's hostname (the image has it; the kernel is told at boot).
    std::string hostname;
    // SHA-256 of the image spec (image_spec.h) the image was built from: a
    // changed persona or login policy needs `oyster setup`.
    std::string image_spec_sha256;
    // The kernel the guest is shown (the image's Debian kernel package).
    GuestIdentity identity;
    // The firmware identity the guest is shown (guest_dmi.h), decided at
    // setup from the host and the persona's [hardware].
    DmiStrings dmi;
    // When the persona's machine "booted" (shown_uptime.h); kept across
    // setups while the persona's uptime_days stays the same.
    ShownBoot shown_boot;
    // Who gets in, drawn values drawn (login_policy.h): the image has it
    // built in; the operator, the selftests and the tests read it here.
    LoginPolicy login;
};

// Reads <cache_dir>/honeylog.key, creating it (random, mode 0600) if absent.
std::string ensure_honeylog_key(const std::filesystem::path& cache_dir);

// The shown boot's anchor (shown_uptime.h) this installation drew for
// `uptime_days`, or 0; and recording one. Kept beside the installation's
// secret (<cache_dir>/shown-boots.json), not in a state directory: every
// state directory set up from one cache (the integration tests' each have
// their own) shows the same past and so shares one image.
std::int64_t load_boot_anchor(const std::filesystem::path& cache_dir, std::uint32_t uptime_days);
void save_boot_anchor(const std::filesystem::path& cache_dir, std::uint32_t uptime_days, std::int64_t anchor);

std::filesystem::path platform_record_path(const std::filesystem::path& state_dir);

// Throws oyster::Error telling the operator to run `oyster setup` when absent.
Platform load_platform(const std::filesystem::path& state_dir);
// Root-only (mode 0600): the record holds the honeylog key and passwords.
void save_platform(const std::filesystem::path& state_dir, const Platform& p);

// Reads the image's expected checksum from <image>.sha256 (sha256sum format).
std::string read_image_checksum_file(const std::filesystem::path& image);

// Throws oyster::Error if the base image is not what setup recorded. With
// `full`, always re-hashes.
void verify_base_image(const Platform& p, bool full = false);

}  // namespace oyster
