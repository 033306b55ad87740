// A fleet's central store against a real PostgreSQL 15 (store_engines.h):
// `central init` makes the schema and the roles, idempotently; a sensor's
// login ships events and an analyst's login only reads; the status counts
// each sensor's events; the password file is refused unless it is 0600.
#include "oyster/store/central_admin.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "oyster/common/config.h"
#include "oyster/common/error.h"
#include "oyster/store/event_store.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/store_location.h"
#include "oyster/store/store_schema.h"
#include "store_engines.h"

namespace oyster::store {
namespace {

class CentralStoreTest : public testing::StoreEngineTest {};

const char* kLines =
    R"({"ts":"2026-12-07T10:00:00.000Z","type":"sensor_started","sensor":"edge-1"})"
    "\n"
    R"({"ts":"2026-12-07T10:00:01.000Z","type":"login","sensor":"edge-1","source_ip":"203.0.113.7","user":"root",)"
    R"("password":"x","success":false,"service":"sshd"})"
    "\n";

std::string with_user(std::string url, const std::string& user) {
    return url.replace(url.find("oyster@"), 6, user);
}

TEST_P(CentralStoreTest, InitMakesRolesThatShipAndRead) {
    auto admin = open_db();
    init_central_store(*admin);
    init_central_store(*admin);  // again: idempotent, as after an upgrade
    EXPECT_EQ(admin->schema_version(), store_schema_version());
    add_central_login(*admin, "edge_1", CentralRole::sensor);
    auto password = add_central_login(*admin, "alice", CentralRole::analyst);
    EXPECT_EQ(password.size(), 48U);
    EXPECT_NE(add_central_login(*admin, "alice", CentralRole::analyst), password) << "a new password each time";
    EXPECT_THROW(add_central_login(*admin, "Robert'); DROP TABLE events;--", CentralRole::sensor), Error);
    EXPECT_THROW(add_central_login(*admin, "oyster_sensor", CentralRole::sensor), Error);

    std::ofstream(dir / "events.jsonl") << kLines;
    {
        EventStore sensor(open_sql_db(with_user(where(), "edge_1")));
        EXPECT_EQ(sensor.ingest_jsonl(dir / "events.jsonl", {"sensor edge-1", "edge-1"}).events, 2U);
    }
    auto status = central_status(*admin);
    ASSERT_EQ(status["sensors"].size(), 1U);
    EXPECT_EQ(status["sensors"][0]["sensor"], "edge-1");
    EXPECT_EQ(status["sensors"][0]["events"], 2);
    EXPECT_EQ(status["sensors"][0]["log_offset"], static_cast<std::int64_t>(std::string(kLines).size()));

    // The analyst reads and cannot write.
    auto analyst = open_sql_db(with_user(where(), "alice"));
    EXPECT_EQ(analyst->query_int("SELECT COUNT(*) FROM credentials"), 1);
    try {
        analyst->exec("DELETE FROM events");
        ADD_FAILURE() << "an analyst's login deleted events";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("permission denied"), std::string::npos) << e.what();
    }
    // A sensor's login writes events, never the schema.
    auto sensor = open_sql_db(with_user(where(), "edge_1"));
    EXPECT_THROW(sensor->exec("DROP TABLE events"), Error);
}

// A central store is PostgreSQL.
INSTANTIATE_TEST_SUITE_P(Engines, CentralStoreTest, ::testing::Values(SqlEngine::postgresql), testing::engine_name);

class PasswordFileTest : public testing::TempDirTest {
protected:
    Config with_password_file(const std::string& text, mode_t mode) {
        auto file = dir / "central.pass";
        std::ofstream(file) << text;
        ::chmod(file.c_str(), mode);
        Config cfg;
        cfg.source = "oyster.toml";
        cfg.store.url = "postgresql://edge1@db.example.org/oyster";
        cfg.store.password_file = file;
        return cfg;
    }
    static std::string error_of(const Config& cfg) {
        try {
            central_store(cfg);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    }
};

TEST_F(PasswordFileTest, IsReadOnlyWhenOnlyItsOwnerMayReadIt) {
    auto at = central_store(with_password_file("s3cret\n", 0600));
    ASSERT_TRUE(at);
    EXPECT_EQ(at->password, "s3cret");
    EXPECT_TRUE(at->central);
    auto open = with_password_file("s3cret\n", 0644);
    EXPECT_EQ(error_of(open), "oyster.toml: store.password_file: " + (dir / "central.pass").string() +
                                  ": others may read or write it (mode 0644): chmod 600 it");
    EXPECT_NE(error_of(with_password_file("", 0600)).find("empty"), std::string::npos);
    EXPECT_NE(error_of(with_password_file("a\nb\n", 0400)).find("more than one line"), std::string::npos);
    std::filesystem::create_symlink(dir / "central.pass", dir / "link.pass");
    auto linked = with_password_file("s3cret\n", 0600);
    linked.store.password_file = dir / "link.pass";
    EXPECT_NE(error_of(linked).find("store.password_file"), std::string::npos);
    auto bad_url = with_password_file("s3cret\n", 0600);
    bad_url.store.url = "postgresql://edge1@db.example.org/oyster?sslmod=require";  // a misspelt parameter
    EXPECT_NE(error_of(bad_url).find("oyster.toml: store.url: the store URL does not parse"), std::string::npos)
        << error_of(bad_url);
    Config none;
    EXPECT_FALSE(central_store(none));
    EXPECT_FALSE(analyst_store(none).central);
}

}  // namespace
}  // namespace oyster::store
