#include "oyster/evidence/intrusion_export.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "oyster/capture/capture_decoder.h"
#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/scratch_dir.h"
#include "oyster/common/sha256.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/json_fields.h"

namespace oyster::evidence {
namespace {

class TarWriter {
public:
    TarWriter(const std::filesystem::path& file, bool gzip) : file_(file), a_(archive_write_new()) {
        if (a_ == nullptr) throw Error("libarchive: out of memory");
        archive_write_set_format_pax_restricted(a_);
        if (gzip) archive_write_add_filter_gzip(a_);
        if (archive_write_open_filename(a_, file.c_str()) != ARCHIVE_OK) fail("create");
    }
    ~TarWriter() {
        if (a_ != nullptr) archive_write_free(a_);
    }
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;

    // A member from memory.
    void add(const std::string& name, const std::string& data) {
        header(name, data.size(), std::time(nullptr));
        Sha256Stream sha;
        sha.update(data.data(), data.size());
        write(data.data(), data.size());
        listed(name, data.size(), sha.hex_digest());
    }

    // A regular file (not a link: the directory is ours, but a link would
    // be followed out of it). A file still growing is cut at the size it
    // had when it was opened, so the header stays true.
    void add_file(const std::string& name, const std::filesystem::path& path) {
        FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (fd.get() < 0) {
            if (errno == ENOENT || errno == ELOOP) return;
            throw_errno("open " + path.string());
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path.string());
        if (!S_ISREG(st.st_mode)) return;
        auto size = static_cast<std::uint64_t>(st.st_size);
        header(name, size, st.st_mtime);
        Sha256Stream sha;
        std::vector<char> buf(1U << 16);
        std::uint64_t done = 0;
        while (done < size) {
            ssize_t n = ::read(fd.get(), buf.data(), std::min<std::uint64_t>(buf.size(), size - done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw_errno("read " + path.string());
            if (n == 0) {  // shrank under us: keep the header true
                std::fill(buf.begin(), buf.end(), '\0');
                n = static_cast<ssize_t>(std::min<std::uint64_t>(buf.size(), size - done));
            }
            sha.update(buf.data(), static_cast<std::size_t>(n));
            write(buf.data(), static_cast<std::size_t>(n));
            done += static_cast<std::uint64_t>(n);
        }
        listed(name, size, sha.hex_digest());
    }

    // Every regular file under `dir` (recursively), as `prefix`/relative.
    void add_tree(const std::string& prefix, const std::filesystem::path& dir) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) return;
        std::vector<std::filesystem::path> files;
        for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) add_file(prefix + "/" + f.lexically_relative(dir).string(), f);
    }

    void close() {
        if (archive_write_close(a_) != ARCHIVE_OK) fail("finish");
    }

    nlohmann::json manifest = nlohmann::json::array();
    std::uint64_t bytes = 0;

private:
    [[noreturn]] void fail(const char* what) {
        throw Error(fmt::format("{} {}: {}", what, file_.string(),
                                archive_error_string(a_) != nullptr ? archive_error_string(a_) : "libarchive error"));
    }
    void header(const std::string& name, std::uint64_t size, std::time_t mtime) {
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_mtime(e.get(), mtime, 0);
        if (archive_write_header(a_, e.get()) != ARCHIVE_OK) fail("write");
    }
    void write(const char* p, std::size_t n) {
        if (n > 0 && archive_write_data(a_, p, n) != static_cast<la_ssize_t>(n)) fail("write");
    }
    void listed(const std::string& name, std::uint64_t size, const std::string& sha256) {
        manifest.push_back({{"path", name}, {"size", size}, {"sha256", sha256}});
        bytes += size;
    }

    std::filesystem::path file_;
    archive* a_;
};

}  // namespace

ExportResult export_intrusion(store::SqlDb& db, const nlohmann::json& intrusion, const std::filesystem::path& out,
                              bool gzip) {
    std::string id = store::str_field(intrusion, "id");
    std::filesystem::path dir = store::str_field(intrusion, "dir");
    if (id.empty() || dir.empty()) throw Error("the intrusion has no id or evidence directory on record");
    if (!std::filesystem::is_directory(dir)) {
        throw Error(fmt::format("{}: the intrusion's evidence directory is gone (pruned?)", dir.string()));
    }
    ExportResult r;
    auto tmp = out;
    tmp += fmt::format(".part-{}", ::getpid());
    try {
        TarWriter tar(tmp, gzip);
        const std::string& p = id;

        // The sensor's events, as logged.
        tar.add(p + "/events.jsonl", store::intrusion_event_lines(db, id));

        for (const char* f :
             {"intrusion.json", "guest.json", "console.log", "capture.bin", "capture.times", "capture-writer.log"}) {
            tar.add_file(p + "/" + f, dir / f);
        }
        // The decoded capture: the sensor's, which it makes as records
        // arrive (complete once the guest stopped); decoded now only when
        // there is none (a guest from before the live decode).
        ScratchDir scratch("oyster-export");
        std::filesystem::path decoded = dir / "capture";
        if (!std::filesystem::exists(decoded / "events.jsonl") && std::filesystem::exists(dir / "capture.bin")) {
            std::string error;
            capture::decode_capture_file(dir / "capture.bin", scratch.path(), &error);
            decoded = scratch.path();
            r.decoded_now = true;
        }
        tar.add_tree(p + "/capture", decoded);
        tar.add_tree(p + "/pcap", dir / "pcap");
        tar.add_tree(p + "/smtp", dir / "smtp");
        // The forensic analysis and the files it took, by SHA-256.
        tar.add_file(p + "/forensics/analysis.json", dir / "forensics" / "analysis.json");
        auto files = store::intrusion_files(db, id);
        std::set<std::string> blobs;
        for (const auto& f : files) {
            auto sha = f.find("sha256");
            auto blob = f.find("evidence");
            if (sha == f.end() || blob == f.end() || !sha->is_string() || !blob->is_string()) continue;
            if (!is_sha256_hex(sha->get<std::string>()) || !blobs.insert(sha->get<std::string>()).second) continue;
            tar.add_file(p + "/evidence/" + sha->get<std::string>(), blob->get<std::string>());
        }

        nlohmann::json sessions = nlohmann::json::array();
        store::SessionFilter of_intrusion;
        of_intrusion.intrusion_id = id;
        of_intrusion.limit = 1000;
        for (;; of_intrusion.offset += 1000) {
            auto page = store::list_sessions(db, of_intrusion)["sessions"];
            for (auto& s : page) sessions.push_back(std::move(s));
            if (page.size() < 1000) break;
        }
        nlohmann::json manifest = {{"intrusion", intrusion},
                                   {"sessions", sessions},
                                   {"files", files},
                                   {"alerts", store::intrusion_alerts(db, id)},
                                   {"exported", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)))},
                                   {"capture_decoded_for_export", r.decoded_now},
                                   {"members", tar.manifest}};
        r.members = tar.manifest.size();
        r.bytes = tar.bytes;
        tar.add(p + "/MANIFEST.json", manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        tar.close();
        std::filesystem::rename(tmp, out);
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    return r;
}

}  // namespace oyster::evidence
