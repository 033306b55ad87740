// The web API against a real store, over real HTTP (cpp-httplib's client
// on loopback): nothing without the token or a session made from it; the
// login's cookie, logout, the failed-login limit; the analyst's objects
// with attacker strings as typed (the UI shows them as text); evidence
// and artefact downloads that cannot leave their directories; bad
// parameters refused; the security headers on every answer.
#include "oyster/web/web_server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/store/event_store.h"
#include "oyster/web/web_auth.h"
#include "store_engines.h"

namespace oyster::web {
namespace {

using nlohmann::json;

const std::string kToken(40, 'k');
constexpr const char* kXss = "<script>alert(1)</script><img src=x onerror=alert(1)>";

void write_file(const std::filesystem::path& p, const std::string& data) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

class WebServerTest : public testing::StoreEngineTest {
protected:
    std::unique_ptr<WebServer> server;
    std::unique_ptr<httplib::Client> client;
    std::string blob_sha;

    void SetUp() override {
        testing::StoreEngineTest::SetUp();
        auto intrusion_dir = dir / "guest";
        write_file(intrusion_dir / "pcap/tap-0000.pcap", "pcap bytes");
        write_file(dir / "secret", "not for the web");
        std::string blob = "the attacker's tool";
        blob_sha = sha256_text(blob);
        write_file(evidence::EvidenceStore(dir / "evidence").path_for(blob_sha), blob);
        // What a compromised forensics worker could plant: a symlinked
        // directory and a FIFO in the intrusion's directory.
        std::filesystem::create_directory_symlink(dir, intrusion_dir / "forensics");
        ::mkfifo((intrusion_dir / "fifo").c_str(), 0600);
        auto ev = [](json j, int second) {
            j["ts"] = fmt::format("2026-11-27T10:00:{:02}.000Z", second);
            return j.dump() + "\n";
        };
        std::string log =
            ev({{"type", "intrusion_opened"},
                {"intrusion_id", "i1"},
                {"source_ip", "203.0.113.10"},
                {"guest_id", "g1"},
                {"dir", intrusion_dir.string()}},
               0) +
            ev({{"type", "connection"},
                {"source_ip", "203.0.113.10"},
                {"source_port", 40000},
                {"port", 22},
                {"guest_id", "g1"},
                {"intrusion_id", "i1"},
                {"waits_for_boot", false}},
               1) +
            ev({{"type", "login"},
                {"intrusion_id", "i1"},
                {"guest_id", "g1"},
                {"source_ip", "203.0.113.10"},
                {"service", "sshd"},
                {"user", "root"},
                {"password", kXss},
                {"success", true},
                {"remote_ip", "203.0.113.10"},
                {"remote_port", 40000},
                {"reason", "listed account"}},
               2) +
            ev({{"type", "forensic_file"},
                {"intrusion_id", "i1"},
                {"change", "added"},
                {"path", "/root/tool"},
                {"sha256", blob_sha},
                {"evidence", evidence::EvidenceStore(dir / "evidence").path_for(blob_sha).string()},
                {"after", {{"size", 19}, {"mode", "100755"}}}},
               3) +
            ev({{"type", "alert"},
                {"intrusion_id", "i1"},
                {"rule", "test_rule"},
                {"severity", "high"},
                {"description", kXss},
                {"path", "/root/tool"},
                {"sha256", blob_sha}},
               4) +
            ev({{"type", "alert"},
                {"intrusion_id", "i1"},
                {"rule", "Cryptocurrency miner started"},
                {"severity", "critical"},
                {"engine", "sigma"},
                {"tags", {"attack.impact", "attack.t1496"}},
                {"detail", "./xmrig -o stratum+tcp://pool:3333"},
                {"seq", 77}},
               3) +
            ev({{"type", "artefact"},
                {"intrusion_id", "i1"},
                {"kind", "pcap"},
                {"path", "pcap/tap-0000.pcap"},
                {"size", 10}},
               5) +
            // A path no analysis writes: it must not lead out of the directory.
            ev({{"type", "artefact"}, {"intrusion_id", "i1"}, {"kind", "pcap"}, {"path", "../secret"}}, 6) +
            ev({{"type", "artefact"}, {"intrusion_id", "i1"}, {"kind", "log"}, {"path", "forensics/secret"}}, 7) +
            ev({{"type", "artefact"}, {"intrusion_id", "i1"}, {"kind", "log"}, {"path", "fifo"}}, 8) +
            // An evidence row naming a file that is not the store's own for
            // its hash.
            ev({{"type", "artefact"},
                {"intrusion_id", "i1"},
                {"kind", "evidence"},
                {"path", (dir / "secret").string()},
                {"sha256", blob_sha}},
               9) +
            ev({{"type", "forensic_file"},
                {"intrusion_id", "i1"},
                {"change", "added"},
                {"path", "/root/other"},
                {"sha256", std::string(64, 'b')},
                {"evidence", (dir / "secret").string()},
                {"after", {{"size", 15}, {"mode", "100644"}}}},
               10);
        write_file(dir / "events.jsonl", log);
        // As a fleet's sensor ships it: every row with the sensor's name.
        store::EventStore(open_db()).ingest_jsonl(dir / "events.jsonl", {"", "edge-1"});
        start();
    }

    void start() {
        WebOptions o;
        o.port = 0;
        o.store = where();
        o.assets_dir = dir / "no-assets";
        o.token = kToken;
        o.evidence_dir = dir / "evidence";
        o.hosts = {"oyster.example.org"};
        server = std::make_unique<WebServer>(o, [](const std::string&) {});
        client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    }

    httplib::Headers bearer() const { return {{"Authorization", "Bearer " + kToken}}; }

    json get_json(const std::string& path, int want_status = 200) {
        auto r = client->Get(path, bearer());
        EXPECT_TRUE(r) << path;
        if (!r) return nullptr;
        EXPECT_EQ(r->status, want_status) << path << ": " << r->body;
        return json::parse(r->body, nullptr, false);
    }
};

TEST_P(WebServerTest, NothingWithoutTheToken) {
    for (const char* path : {"/api/overview", "/api/sessions", "/api/sessions/1", "/api/intrusions/i1", "/api/alerts",
                             "/api/nothing-here"}) {
        auto r = client->Get(path);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << path;
        EXPECT_EQ(r->body.find("root"), std::string::npos) << path;
        auto wrong = client->Get(path, {{"Authorization", "Bearer " + std::string(40, 'x')}});
        EXPECT_EQ(wrong->status, 401) << path;
        auto forged = client->Get(path, {{"Cookie", std::string(WebAuth::kCookie) + "=" + std::string(64, 'a')}});
        EXPECT_EQ(forged->status, 401) << path;
    }
    auto blob = client->Get("/api/evidence/" + blob_sha);
    EXPECT_EQ(blob->status, 401);
}

TEST_P(WebServerTest, LoginGivesACookieAndLogoutEndsIt) {
    auto form = client->Post("/api/login", "token=" + kToken, "application/x-www-form-urlencoded");
    EXPECT_EQ(form->status, 415);
    auto wrong = client->Post("/api/login", json{{"token", "nope"}}.dump(), "application/json");
    EXPECT_EQ(wrong->status, 401);
    EXPECT_FALSE(wrong->has_header("Set-Cookie"));
    auto ok = client->Post("/api/login", json{{"token", kToken}}.dump(), "application/json");
    ASSERT_EQ(ok->status, 200);
    std::string set_cookie = ok->get_header_value("Set-Cookie");
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    auto overview = client->Get("/api/overview", {{"Cookie", cookie}});
    ASSERT_EQ(overview->status, 200);
    auto o = json::parse(overview->body);
    EXPECT_EQ(o["totals"]["intrusions"], 1);
    EXPECT_EQ(o["top_passwords"][0]["value"], kXss);
    EXPECT_EQ(o["recent_alerts"][0]["rule"], "test_rule");
    EXPECT_EQ(client->Post("/api/logout", {{"Cookie", cookie}}, "", "application/json")->status, 200);
    EXPECT_EQ(client->Get("/api/overview", {{"Cookie", cookie}})->status, 401);
}

TEST_P(WebServerTest, GuessingIsCutOffForAMinute) {
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(client->Post("/api/login", json{{"token", "guess"}}.dump(), "application/json")->status, 401);
    }
    EXPECT_EQ(client->Post("/api/login", json{{"token", kToken}}.dump(), "application/json")->status, 401);
    EXPECT_EQ(client->Get("/api/overview", bearer())->status, 401);
}

TEST_P(WebServerTest, ServesTheAnalystsObjectsWithAttackerStringsAsTyped) {
    auto sessions = get_json("/api/sessions?ip=203.0.113.10&limit=10");
    ASSERT_EQ(sessions["total"], 1);
    auto id = sessions["sessions"][0]["id"].get<int>();
    EXPECT_EQ(sessions["sessions"][0]["password"], kXss);
    auto s = get_json(fmt::format("/api/sessions/{}", id));
    EXPECT_EQ(s["session"]["username"], "root");
    EXPECT_FALSE(s["timeline"].empty());
    EXPECT_EQ(s["intrusion_alerts"][0]["description"], kXss);
    auto i = get_json("/api/intrusions/i1");
    EXPECT_EQ(i["files"][0]["path"], "/root/tool");
    EXPECT_EQ(i["sessions"].size(), 1U);
    EXPECT_EQ(get_json("/api/intrusions")["total"], 1);
    EXPECT_EQ(get_json("/api/alerts?limit=5")["alerts"].size(), 2U);
    // Filters: by engine, severity, technique (its sub-techniques too).
    auto sigma = get_json("/api/alerts?engine=sigma");
    ASSERT_EQ(sigma["total"], 1);
    EXPECT_EQ(sigma["alerts"][0]["seq"], 77);
    EXPECT_EQ(get_json("/api/alerts?engine=yara")["alerts"][0]["rule"], "test_rule");
    EXPECT_EQ(get_json("/api/alerts?severity=critical")["total"], 1);
    EXPECT_EQ(get_json("/api/alerts?technique=T1496")["total"], 1);
    EXPECT_EQ(get_json("/api/alerts?technique=T1053")["total"], 0);
    get_json("/api/alerts?technique=T1496%25", 400);
    EXPECT_EQ(get_json("/api/overview")["alerts_by_technique"][0]["technique"], "T1496");
    // By sensor (a fleet's central store): the sensor's, or none.
    EXPECT_EQ(get_json("/api/sessions?sensor=edge-1")["total"], 1);
    EXPECT_EQ(get_json("/api/sessions?sensor=edge-1")["sessions"][0]["sensor"], "edge-1");
    EXPECT_EQ(get_json("/api/sessions?sensor=edge-2")["total"], 0);
    EXPECT_EQ(get_json("/api/intrusions?sensor=edge-1")["total"], 1);
    EXPECT_EQ(get_json("/api/intrusions?sensor=edge-2")["total"], 0);
    EXPECT_EQ(get_json("/api/alerts?sensor=edge-1")["total"], 2);
    EXPECT_EQ(get_json("/api/alerts?sensor=edge-2")["total"], 0);
    auto sensors = get_json("/api/overview")["sensors"];
    ASSERT_EQ(sensors.size(), 1U);
    EXPECT_EQ(sensors[0]["sensor"], "edge-1");
    EXPECT_EQ(sensors[0]["sessions"], 1);
    EXPECT_EQ(sensors[0]["intrusions"], 1);
    EXPECT_EQ(sensors[0]["alerts"], 2);
    get_json("/api/sessions/999", 404);
    get_json("/api/intrusions/nope", 404);
    get_json(fmt::format("/api/sessions/{}/cast", id), 404);  // no terminal
    get_json("/api/sessions?limit=abc", 400);
    get_json("/api/sessions?limit=100000", 400);
    get_json("/api/sessions?since=yesterday", 400);
}

TEST_P(WebServerTest, DownloadsStayInsideTheirDirectories) {
    auto blob = client->Get("/api/evidence/" + blob_sha, bearer());
    ASSERT_EQ(blob->status, 200);
    EXPECT_EQ(blob->body, "the attacker's tool");
    EXPECT_NE(blob->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
    EXPECT_EQ(client->Get("/api/evidence/" + std::string(64, 'a'), bearer())->status, 404);
    EXPECT_EQ(client->Get("/api/evidence/../../secret", bearer())->status, 404);
    EXPECT_EQ(client->Get("/api/evidence/" + std::string(64, 'b'), bearer())->status, 404)
        << "a row naming another file than the store's own for its hash";
    auto i = get_json("/api/intrusions/i1");
    int good = 0;
    std::vector<int> bad;
    for (const auto& a : i["artefacts"]) {
        if (a["path"] == "pcap/tap-0000.pcap") {
            good = a["id"].get<int>();
        } else {
            bad.push_back(a["id"].get<int>());
        }
    }
    auto pcap = client->Get(fmt::format("/api/intrusions/i1/artefacts/{}", good), bearer());
    ASSERT_EQ(pcap->status, 200);
    EXPECT_EQ(pcap->body, "pcap bytes");
    // Out of the directory, through a planted symlinked directory, a FIFO
    // (answered at once, not hung), an evidence path not the store's own.
    ASSERT_EQ(bad.size(), 4U);
    for (int id : bad) {
        auto escape = client->Get(fmt::format("/api/intrusions/i1/artefacts/{}", id), bearer());
        ASSERT_TRUE(escape);
        EXPECT_EQ(escape->status, 404) << id;
        EXPECT_EQ(escape->body.find("not for the web"), std::string::npos);
    }
    EXPECT_EQ(client->Get("/api/intrusions/i1/artefacts/99999999999999999999999", bearer())->status, 404);
}

// DNS rebinding: a page on an attacker's name, resolved to this address,
// sends its own name as Host.
TEST_P(WebServerTest, AnswersOnlyToItsOwnHostNames) {
    auto with_host = [&](const std::string& host) {
        httplib::Headers h = bearer();
        h.emplace("Host", host);
        return client->Get("/api/overview", h)->status;
    };
    EXPECT_EQ(with_host(fmt::format("127.0.0.1:{}", server->port())), 200);
    EXPECT_EQ(with_host("localhost:8080"), 200);
    EXPECT_EQ(with_host("[::1]:8080"), 200);
    EXPECT_EQ(with_host("192.0.2.7"), 200);
    EXPECT_EQ(with_host("OYSTER.example.org:443"), 200);
    EXPECT_EQ(with_host("attacker.example.com"), 421);
    EXPECT_EQ(with_host("attacker.example.com:8080"), 421);
    EXPECT_EQ(with_host("127.0.0.1.attacker.example.com"), 421);
    EXPECT_EQ(with_host("[::1"), 421);
    EXPECT_EQ(with_host("localhost:80x"), 421);
}

TEST(HostAllowed, AddressesLocalhostAndListedNames) {
    std::vector<std::string> names = {"ui.example.net"};
    for (const char* ok : {"127.0.0.1", "127.0.0.1:8080", "10.1.2.3:1", "[::1]", "[2001:db8::1]:8443", "localhost",
                           "LocalHost:8080", "ui.example.net", "ui.example.net.:80"}) {
        EXPECT_TRUE(host_allowed(ok, names)) << ok;
    }
    for (const char* bad : {"", ":8080", "evil.example", "ui.example.net.evil", "1.2.3.4.5", "[::1]x", "[zz]",
                            "localhost:", "localhost:a", "[::1]:"}) {
        EXPECT_FALSE(host_allowed(bad, names)) << bad;
    }
}

// A stranger guessing at the token locks out only their own address.
TEST(WebAuthTest, FailuresCountPerClient) {
    WebAuth auth(kToken);
    auto now = WebAuth::Clock::now();
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(auth.login("wrong", "198.51.100.9", now));
    EXPECT_FALSE(auth.login(kToken, "198.51.100.9", now)) << "that address is refused for a minute";
    EXPECT_FALSE(auth.authorized("Bearer " + kToken, "", "198.51.100.9", now));
    auto sid = auth.login(kToken, "127.0.0.1", now);
    ASSERT_TRUE(sid) << "the analyst's address is not";
    EXPECT_TRUE(auth.authorized("Bearer " + kToken, "", "127.0.0.1", now));
    EXPECT_TRUE(auth.authorized("", std::string(WebAuth::kCookie) + "=" + *sid, "198.51.100.9", now))
        << "a live session is never refused";
    EXPECT_TRUE(auth.login(kToken, "198.51.100.9", now + std::chrono::seconds(61)));
    // Thousands of guessing addresses: tracked up to the cap, then new
    // addresses are refused too, until the minute has passed.
    for (std::size_t i = 0; i < WebAuth::kMaxClients; ++i) auth.login("wrong", fmt::format("c{}", i), now);
    EXPECT_FALSE(auth.login(kToken, "203.0.113.99", now));
    EXPECT_TRUE(auth.login(kToken, "203.0.113.99", now + std::chrono::seconds(61)));
}

TEST_P(WebServerTest, EveryAnswerCarriesTheSecurityHeaders) {
    for (const auto& r : {client->Get("/api/overview", bearer()), client->Get("/api/overview"), client->Get("/")}) {
        ASSERT_TRUE(r);
        EXPECT_NE(r->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
        EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY");
    }
    EXPECT_EQ(client->Get("/")->status, 503);  // no UI built in this test
}

INSTANTIATE_TEST_SUITE_P(Engines, WebServerTest, OYSTER_STORE_ENGINES);

class WebTokenTest : public testing::TempDirTest {};

TEST_F(WebTokenTest, IsMadeOnceRandomAndPrivate) {
    auto file = dir / "web" / "token";
    auto t1 = load_or_create_token(file);
    EXPECT_EQ(t1.size(), 64U);
    EXPECT_EQ(load_or_create_token(file), t1);
    EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::filesystem::remove(file);
    EXPECT_NE(load_or_create_token(file), t1);
    std::ofstream(file) << "short\n";
    EXPECT_THROW(load_or_create_token(file), Error);
}

}  // namespace
}  // namespace oyster::web
