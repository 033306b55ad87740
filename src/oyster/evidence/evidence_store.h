// Files taken from intrusions, kept once each by content:
// <root>/sha256/<first two hex digits>/<sha256>. A blob is written to a
// temporary name, synced and renamed, so a crash leaves a blob whole or
// absent, never torn; a blob already present is not written again. Blobs
// are read-only (0440) and never executed from here (noexec is the
// operator's mount option to add; see docs/forensics.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "oyster/common/sha256.h"

namespace oyster::evidence {

class EvidenceStore {
public:
    // Creates the directory when missing. Throws oyster::Error.
    explicit EvidenceStore(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path path_for(const std::string& sha256) const;
    bool contains(const std::string& sha256) const;

    // A blob arriving in pieces; commit() names it by its hash.
    class Writer {
    public:
        explicit Writer(const EvidenceStore& store);
        ~Writer();
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;

        void write(const void* data, std::size_t n);
        // Syncs and files the blob; returns its SHA-256. Call once.
        std::string commit();
        std::uint64_t bytes() const { return bytes_; }
        // After commit(): whether the blob was new to the store.
        bool added() const { return added_; }

    private:
        const EvidenceStore& store_;
        std::filesystem::path tmp_;
        int fd_ = -1;
        Sha256Stream hash_;
        std::uint64_t bytes_ = 0;
        bool added_ = false;
    };

    // Copies a host file in (a regular file, not a symlink or FIFO). Returns
    // its SHA-256. Throws oyster::Error.
    std::string put_file(const std::filesystem::path& source) const;

    // Copies every regular file under `dir`, a directory an untrusted
    // process wrote (the forensics worker's own output), into the store by
    // its content's hash, whatever its name: nothing there can replace or
    // change a blob already stored. Symlinks, FIFOs and other non-regular
    // files are skipped (opened without following, without blocking).
    // Returns how many blobs were new. Throws oyster::Error.
    std::size_t take_from(const std::filesystem::path& dir) const;

    // Removes a blob (its last intrusion is gone); returns the bytes it
    // occupied, 0 when it was not there. Throws oyster::Error.
    std::uint64_t remove(const std::string& sha256) const;

private:
    // Copies what `fd` holds in; `added` says whether the blob was new.
    std::string copy_in(int fd, const std::filesystem::path& what, bool* added = nullptr) const;

    std::filesystem::path root_;
};

}  // namespace oyster::evidence
