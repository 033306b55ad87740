// The web UI and its JSON API (docs/web.md), served by `oyster run` on
// 127.0.0.1 by default ([web] listen). Every /api/ route but /api/login
// needs the token or a session from it (web_auth.h). The API answers from
// the analyst's store (store/analyst_queries.h), each request on its own
// read connection; the UI's assets are files built from npm packages at
// setup (web/dist), served from this process, never from a CDN.
//
// Every response carries a Content-Security-Policy that allows scripts
// and styles from this origin only (no inline script), and
// X-Content-Type-Options: nosniff: attacker strings reach the UI only as
// JSON, which the UI puts into the page as text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "oyster/common/config.h"

namespace oyster::web {

struct WebOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: any free port (tests)
    // The store: a SQLite file, or a PostgreSQL URL (a fleet's central
    // store) and its password.
    std::string store;
    std::string store_password;
    std::filesystem::path assets_dir;    // the built UI (index.html, assets/)
    std::filesystem::path evidence_dir;  // the evidence store downloads come from
    std::string token;
    std::vector<std::string> hosts;  // [web] hosts (web_auth.h's host_allowed)
};

// What [web] in `cfg` asks for: the address, the store (its schema made
// now, before any request), the built UI, and the access token (made when
// missing). Throws oyster::Error (ConfigError for a bad listen address).
WebOptions web_options(const Config& cfg);

class WebServer {
public:
    // Binds now (throws oyster::Error naming the address when it cannot)
    // and serves on a thread of its own until stopped or destroyed.
    WebServer(WebOptions options, std::function<void(const std::string&)> log);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    std::uint16_t port() const;
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace oyster::web
