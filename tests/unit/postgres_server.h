// A real PostgreSQL 15 server of the test's own: initdb into a fresh
// directory under /tmp, started by pg_ctl on a unix socket in that
// directory only (no TCP port, nothing the machine's own clusters see),
// stopped and removed afterwards, even when the test fails. Run as the
// `postgres` user when the tests run as root (initdb refuses root).
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <fmt/format.h>

namespace oyster::testing {

inline constexpr const char* kPostgresBin = "/usr/lib/postgresql/15/bin";

class PostgresServer {
public:
    PostgresServer() {
        char tmpl[] = "/tmp/oyster-pg-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) return;
        dir_ = tmpl;
        std::filesystem::permissions(dir_, std::filesystem::perms::all);
        const bool root = ::geteuid() == 0;
        if (root) {
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr || ::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return;
            as_ = "runuser -u postgres -- ";
        }
        auto data = dir_ / "data";
        if (!run(fmt::format("{}{}/initdb -D {} -U oyster -A trust -E UTF8 --locale=C.UTF-8 >{}/initdb.log 2>&1", as_,
                             kPostgresBin, data.string(), dir_.string()))) {
            return;
        }
        started_ = start();
    }
    ~PostgresServer() {
        if (started_) stop();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    bool started() const { return started_; }
    // What the server and initdb said, for a failing test's message.
    std::string log() const {
        std::string out;
        for (const char* name : {"initdb.log", "server.log"}) {
            std::ifstream in(dir_ / name);
            out += fmt::format("---- {}\n{}\n", name, std::string(std::istreambuf_iterator<char>(in), {}));
        }
        return out;
    }
    // libpq's URL of the server's own database.
    std::string url(const std::string& dbname = "postgres") const {
        return fmt::format("postgresql://oyster@/{}?host={}", dbname, dir_.string());
    }
    // Stops the server at once, as kill -9 of the postmaster would leave it
    // to recover, and starts it again.
    bool restart_immediately() { return stop() && start(); }

private:
    static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }
    bool start() const {
        return run(
            fmt::format("{}{}/pg_ctl -D {}/data -w -t 60 -l {}/server.log -o \"-k {} -c listen_addresses=''\" "
                        "start >/dev/null 2>&1",
                        as_, kPostgresBin, dir_.string(), dir_.string(), dir_.string()));
    }
    bool stop() const {
        return run(
            fmt::format("{}{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1", as_, kPostgresBin, dir_.string()));
    }

    std::filesystem::path dir_;
    std::string as_;
    bool started_ = false;
};

}  // namespace oyster::testing
