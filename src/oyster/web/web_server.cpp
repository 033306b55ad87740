#include "oyster/web/web_server.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "oyster/capture/tty_replay.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/scratch_dir.h"
#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/json_fields.h"
#include "oyster/store/sql_db.h"
#include "oyster/store/store_location.h"
#include "oyster/store/store_paths.h"
#include "oyster/web/web_auth.h"

namespace oyster::web {
namespace {

using nlohmann::json;

// What the UI's pages may load: this origin's scripts, styles and images,
// nothing inline, no frames, no plugins. 'wasm-unsafe-eval' lets the
// terminal player compile its WebAssembly terminal emulator; it does not
// allow eval() of JavaScript.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src "
    "'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct BadRequest : Error {
    using Error::Error;
};
struct NotFound : Error {
    using Error::Error;
};

void send_json(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

std::int64_t int_param(const httplib::Request& req, const char* name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) {
    if (!req.has_param(name)) return fallback;
    std::string v = req.get_param_value(name);
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out < min || out > max) {
        throw BadRequest(fmt::format("{}: not a number from {} to {}", name, min, max));
    }
    return out;
}

std::string time_param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return {};
    auto bound = store::parse_time_bound(req.get_param_value(name));
    if (!bound) throw BadRequest(fmt::format("{}: not a UTC date or time (2026-11-27, 2026-11-27T10:30)", name));
    return *bound;
}

bool flag_param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return false;
    std::string v = req.get_param_value(name);
    return v == "1" || v == "true" || v.empty();
}

struct FdHolder {
    int fd;
    explicit FdHolder(int f) : fd(f) {}
    ~FdHolder() { ::close(fd); }
    FdHolder(const FdHolder&) = delete;
    FdHolder& operator=(const FdHolder&) = delete;
};

// A file of the intrusion's directory, named by the store: relative, with
// no way out of the directory; or an evidence blob (absolute).
bool safe_relative(const std::string& p) {
    if (p.empty() || p[0] == '/') return false;
    for (const auto& part : std::filesystem::path(p)) {
        if (part == ".." || part == ".") return false;
    }
    return true;
}

// Opens `relative` beneath `base` for reading: no symlink anywhere on the
// way (the forensics worker writes in these directories and could plant
// one), no way out, and without blocking (a planted FIFO must not hang a
// server thread; fstat then refuses it). -1 when it cannot.
int open_beneath(const std::filesystem::path& base, const std::filesystem::path& relative) {
    int dir = ::open(base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -1;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, dir, relative.c_str(), &how, sizeof how));
    ::close(dir);
    return fd;
}

void send_file(httplib::Response& res, const std::filesystem::path& base, const std::filesystem::path& relative,
               const std::string& content_type, const std::string& download_name, bool attachment = true) {
    int fd = open_beneath(base, relative);
    if (fd < 0) throw NotFound(fmt::format("{}: gone", download_name));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw NotFound(fmt::format("{}: not a file", download_name));
    }
    auto shared = std::make_shared<FdHolder>(fd);
    if (attachment) res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", download_name));
    res.set_content_provider(static_cast<std::size_t>(st.st_size), content_type,
                             [shared](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 std::vector<char> buf(std::min<std::size_t>(length, 1U << 16));
                                 ssize_t n = ::pread(shared->fd, buf.data(), buf.size(), static_cast<off_t>(offset));
                                 if (n <= 0) return false;
                                 return sink.write(buf.data(), static_cast<std::size_t>(n));
                             });
}

std::string path_name(const std::filesystem::path& p) {
    std::string name = p.filename().string();
    for (char& c : name) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
    }
    return name;
}

}  // namespace

struct WebServer::Impl {
    WebOptions options;
    std::function<void(const std::string&)> log;
    WebAuth auth;
    httplib::Server server;
    int port = 0;
    std::thread thread;

    Impl(WebOptions o, std::function<void(const std::string&)> l)
        : options(std::move(o)), log(std::move(l)), auth(options.token) {}

    // Runs `fn` with a read connection to the store, answering its errors.
    void with_store(httplib::Response& res, const std::function<void(store::SqlDb&)>& fn) {
        try {
            auto db = store::open_sql_db(options.store, options.store_password);
            fn(*db);
        } catch (const BadRequest& e) {
            send_json(res, {{"error", e.what()}}, 400);
        } catch (const NotFound& e) {
            send_json(res, {{"error", e.what()}}, 404);
        } catch (const std::exception& e) {
            log(fmt::format("web: {}", e.what()));
            send_json(res, {{"error", "the store could not answer (see the sensor's log)"}}, 500);
        }
    }

    json intrusion_or_404(store::SqlDb& db, const std::string& id) {
        auto i = store::find_intrusion(db, id);
        if (!i) throw NotFound(fmt::format("no intrusion {}", id));
        return *i;
    }

    json session_or_404(store::SqlDb& db, const std::string& id_text) {
        std::int64_t id = 0;
        auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        if (ec != std::errc() || end != id_text.data() + id_text.size()) throw NotFound("no such session");
        auto s = store::find_session(db, id);
        if (!s) throw NotFound(fmt::format("no session {}", id));
        return *s;
    }

    // An evidence blob the store names: only the evidence store's own file
    // for that SHA-256 (a row the jailed worker wrote may name any path).
    void send_evidence(httplib::Response& res, const std::string& path, const std::string& sha256,
                       const std::string& content_type, const std::string& download_name) {
        evidence::EvidenceStore evidence(options.evidence_dir);
        if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
            throw NotFound("no such evidence");
        }
        auto own = evidence.path_for(sha256);
        if (std::filesystem::path(path).lexically_normal() != own.lexically_normal()) {
            throw NotFound("no such evidence");
        }
        send_file(res, options.evidence_dir, own.lexically_relative(options.evidence_dir), content_type, download_name);
    }

    void routes();
};

void WebServer::Impl::routes() {
    server.set_payload_max_length(std::size_t{64} * 1024);
    server.set_read_timeout(10, 0);
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (!host_allowed(req.get_header_value("Host"), options.hosts)) {
            send_json(res,
                      {{"error", fmt::format("this UI does not answer to the host \"{}\" (add it to [web] hosts)",
                                             req.get_header_value("Host"))}},
                      421);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.path.rfind("/api/", 0) != 0 || req.path == "/api/login")
            return httplib::Server::HandlerResponse::Unhandled;
        if (auth.authorized(req.get_header_value("Authorization"), req.get_header_value("Cookie"), req.remote_addr)) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        send_json(res, {{"error", "authentication required: log in, or send Authorization: Bearer TOKEN"}}, 401);
        return httplib::Server::HandlerResponse::Handled;
    });
    server.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Content-Security-Policy", kContentSecurityPolicy);
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("X-Frame-Options", "DENY");
        if (req.path.rfind("/api/", 0) == 0) res.set_header("Cache-Control", "no-store");
    });

    server.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) {
        // JSON only: a cross-site form cannot send it without a preflight.
        if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
            send_json(res, {{"error", "send {\"token\": ...} as application/json"}}, 415);
            return;
        }
        auto body = json::parse(req.body, nullptr, false);
        std::string token = body.is_object() ? store::str_field(body, "token") : "";
        auto sid = auth.login(token, req.remote_addr);
        if (!sid) {
            send_json(res, {{"error", "wrong token (or too many attempts: wait a minute)"}}, 401);
            return;
        }
        res.set_header("Set-Cookie",
                       fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}", WebAuth::kCookie, *sid,
                                   std::chrono::seconds(WebAuth::kSessionLifetime).count()));
        send_json(res, {{"ok", true}});
    });
    server.Post("/api/logout", [this](const httplib::Request& req, httplib::Response& res) {
        auth.logout(WebAuth::session_cookie(req.get_header_value("Cookie")));
        res.set_header("Set-Cookie",
                       fmt::format("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", WebAuth::kCookie));
        send_json(res, {{"ok", true}});
    });

    server.Get("/api/overview", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            send_json(res, store::overview(db, static_cast<int>(int_param(req, "days", 30, 1, 3660))));
        });
    });
    server.Get("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            store::SessionFilter f;
            f.source_ip = req.get_param_value("ip");
            f.username = req.get_param_value("user");
            f.intrusion_id = req.get_param_value("intrusion");
            f.sensor = req.get_param_value("sensor");
            f.since = time_param(req, "since");
            f.until = time_param(req, "until");
            f.has_download = flag_param(req, "has_download");
            f.logged_in = flag_param(req, "logged_in");
            f.limit = int_param(req, "limit", 50, 1, 1000);
            f.offset = int_param(req, "offset", 0, 0, INT64_MAX);
            send_json(res, store::list_sessions(db, f));
        });
    });
    server.Get(R"(/api/sessions/([0-9]+))", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            auto s = session_or_404(db, req.matches[1]);
            std::string intrusion = store::str_field(s, "intrusion_id");
            send_json(res, {{"session", s},
                            {"timeline", store::session_timeline(db, s["id"].get<std::int64_t>())},
                            {"intrusion_files", store::intrusion_files(db, intrusion)},
                            {"intrusion_alerts", store::intrusion_alerts(db, intrusion)},
                            {"intrusion_artefacts", store::intrusion_artefacts(db, intrusion)}});
        });
    });
    server.Get(R"(/api/sessions/([0-9]+)/cast)", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            auto s = session_or_404(db, req.matches[1]);
            if (!s["tty_open_seq"].is_number_integer()) throw NotFound("the session had no terminal");
            auto intrusion = intrusion_or_404(db, store::str_field(s, "intrusion_id"));
            // The sensor's decode, which it makes as records arrive; a
            // scratch decode only for a guest without one.
            ScratchDir scratch("oyster-web-cast");
            std::filesystem::path dir = store::str_field(intrusion, "dir");
            std::filesystem::path cast;
            try {
                cast = capture::session_recording(dir, s["tty_open_seq"].get<std::uint64_t>(), scratch.path());
            } catch (const Error& e) {
                throw NotFound(e.what());
            }
            // Streamed from an open descriptor, which outlives the scratch
            // directory: never read whole into memory.
            send_file(res, cast.parent_path(), cast.filename(), "application/x-asciicast", cast.filename().string(),
                      false);
        });
    });
    server.Get("/api/intrusions", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            store::IntrusionFilter f;
            f.source_ip = req.get_param_value("ip");
            f.sensor = req.get_param_value("sensor");
            f.since = time_param(req, "since");
            f.until = time_param(req, "until");
            f.open_only = flag_param(req, "open");
            f.limit = int_param(req, "limit", 50, 1, 1000);
            f.offset = int_param(req, "offset", 0, 0, INT64_MAX);
            send_json(res, store::list_intrusions(db, f));
        });
    });
    server.Get(R"(/api/intrusions/([0-9A-Za-z_-]+))", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            auto i = intrusion_or_404(db, req.matches[1]);
            store::SessionFilter f;
            f.intrusion_id = req.matches[1];
            f.limit = 1000;
            send_json(res, {{"intrusion", i},
                            {"sessions", store::list_sessions(db, f)["sessions"]},
                            {"files", store::intrusion_files(db, req.matches[1])},
                            {"alerts", store::intrusion_alerts(db, req.matches[1])},
                            {"artefacts", store::intrusion_artefacts(db, req.matches[1])}});
        });
    });
    server.Get(R"(/api/intrusions/([0-9A-Za-z_-]+)/artefacts/([0-9]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                   with_store(res, [&](store::SqlDb& db) {
                       auto i = intrusion_or_404(db, req.matches[1]);
                       std::string n = req.matches[2];
                       std::int64_t artefact = 0;
                       auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), artefact);
                       if (ec != std::errc() || end != n.data() + n.size()) throw NotFound("no such artefact");
                       auto found = store::find_artefact(db, req.matches[1], artefact);
                       if (!found) throw NotFound("no such artefact");
                       const auto& [kind, path, sha] = *found;
                       std::string type = kind == "pcap" ? "application/vnd.tcpdump.pcap" : "application/octet-stream";
                       if (kind == "evidence") {
                           send_evidence(res, path, sha, type, path_name(path));
                           return;
                       }
                       if (!safe_relative(path)) throw NotFound("no such artefact");
                       send_file(res, store::str_field(i, "dir"), path, type, path_name(path));
                   });
               });
    server.Get(R"(/api/evidence/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            auto path = store::evidence_path(db, req.matches[1]);
            if (!path) throw NotFound("no evidence with that SHA-256");
            send_evidence(res, *path, req.matches[1], "application/octet-stream", req.matches[1]);
        });
    });
    server.Get("/api/alerts", [this](const httplib::Request& req, httplib::Response& res) {
        with_store(res, [&](store::SqlDb& db) {
            store::AlertFilter f;
            f.severity = req.get_param_value("severity");
            f.engine = req.get_param_value("engine");
            f.technique = req.get_param_value("technique");
            if (!f.technique.empty() && !store::is_technique_id(f.technique)) {
                throw BadRequest("technique: not an ATT&CK technique id (T1053, T1053.003)");
            }
            f.intrusion_id = req.get_param_value("intrusion");
            f.sensor = req.get_param_value("sensor");
            f.since = time_param(req, "since");
            f.until = time_param(req, "until");
            f.limit = int_param(req, "limit", 50, 1, 1000);
            f.offset = int_param(req, "offset", 0, 0, INT64_MAX);
            send_json(res, store::list_alerts(db, f));
        });
    });
    server.Get(R"(/api/.*)", [](const httplib::Request&, httplib::Response& res) {
        send_json(res, {{"error", "no such API route (docs/web.md)"}}, 404);
    });

    if (std::filesystem::is_regular_file(options.assets_dir / "index.html")) {
        server.set_mount_point("/", options.assets_dir.string());
    } else {
        server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
            res.status = 503;
            res.set_content(fmt::format("The web UI is not built ({} has no index.html): run oyster setup.\n",
                                        options.assets_dir.string()),
                            "text/plain");
        });
    }
}

WebOptions web_options(const Config& cfg) {
    auto listen = parse_listen_address(cfg.web.listen);
    if (!listen)
        throw ConfigError(fmt::format("{}: web.listen: \"{}\" is not ADDRESS:PORT", cfg.source, cfg.web.listen));
    WebOptions o;
    o.host = listen->first;
    o.port = listen->second;
    auto at = store::analyst_store(cfg);
    o.store = at.where;
    o.store_password = at.password;
    { store::EventStore migrated(store::open_store_db(at)); }
    o.assets_dir = data_dir() / "web" / "dist";
    o.token = load_or_create_token(web_token_file(cfg));
    o.evidence_dir = std::filesystem::absolute(evidence_dir(cfg)).lexically_normal();
    o.hosts = cfg.web.hosts;
    return o;
}

WebServer::WebServer(WebOptions options, std::function<void(const std::string&)> log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(log))) {
    impl_->routes();
    const auto& o = impl_->options;
    if (o.port == 0) {
        impl_->port = impl_->server.bind_to_any_port(o.host);
    } else {
        impl_->port = impl_->server.bind_to_port(o.host, o.port) ? o.port : -1;
    }
    if (impl_->port <= 0) {
        throw Error(fmt::format("web: cannot listen on {}:{} (in use? set [web] listen)", o.host, o.port));
    }
    impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

WebServer::~WebServer() {
    stop();
}

std::uint16_t WebServer::port() const {
    return static_cast<std::uint16_t>(impl_->port);
}

void WebServer::stop() {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace oyster::web
