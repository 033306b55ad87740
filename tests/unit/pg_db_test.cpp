// The central store's PostgreSQL connection, against a real PostgreSQL 15
// started for these tests (postgres_server.h).
#include "oyster/store/pg_db.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "oyster/common/error.h"
#include "postgres_server.h"

namespace oyster::store {
namespace {

class PgDbTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server = std::make_unique<testing::PostgresServer>(); }
    static void TearDownTestSuite() { server.reset(); }
    void SetUp() override {
        ASSERT_TRUE(server->started()) << server->log();
        db = std::make_unique<PgDb>(server->url());
        db->exec("DROP TABLE IF EXISTS t; CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT, n BIGINT)");
    }

    static std::string message_of(const std::function<void()>& f) {
        try {
            f();
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    }

    static std::unique_ptr<testing::PostgresServer> server;
    std::unique_ptr<PgDb> db;
};

std::unique_ptr<testing::PostgresServer> PgDbTest::server;

TEST_F(PgDbTest, ValuesGoInAndComeBackAsTheyWere) {
    Statement insert(*db, "INSERT INTO t (name, n) VALUES (?, ?) RETURNING id");
    ASSERT_TRUE(insert.bind(1, "root:123456 ' \" ; --").bind(2, std::int64_t{-9007199254740993}).step());
    auto first = insert.int64(0);
    insert.reset();
    ASSERT_TRUE(insert.bind_or_null(1, "").bind_null(2).step());
    EXPECT_GT(insert.int64(0), first);
    insert.reset();

    Statement select(*db, "SELECT id, name, n FROM t ORDER BY id");
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.text(1), "root:123456 ' \" ; --");
    EXPECT_EQ(select.int64(2), -9007199254740993);
    auto row = select.row_object();
    EXPECT_TRUE(row["id"].is_number_integer());
    EXPECT_EQ(row["name"], "root:123456 ' \" ; --");
    EXPECT_EQ(row["n"], -9007199254740993);
    ASSERT_TRUE(select.step());
    EXPECT_TRUE(select.is_null(1));
    EXPECT_TRUE(select.is_null(2));
    EXPECT_TRUE(select.row_object()["name"].is_null());
    EXPECT_FALSE(select.step());
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t"), 2);
}

TEST_F(PgDbTest, AStatementRunsAgainWithNewParameters) {
    Statement insert(*db, "INSERT INTO t (name) VALUES (?)");
    for (const char* name : {"a", "b", "c"}) insert.bind(1, name).run();
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t"), 3);
    Statement one(*db, "SELECT name FROM t WHERE name = ?");
    ASSERT_TRUE(one.bind(1, "b").step());
    EXPECT_EQ(one.text(0), "b");
    EXPECT_THROW(one.text(1), Error) << "no such column";
}

// Run again, a statement is prepared on the server; a parameter left
// unbound is NULL there too, and the prepared statement goes with it.
TEST_F(PgDbTest, AStatementRunAgainIsPreparedOnce) {
    {
        Statement two(*db, "INSERT INTO t (name, n) VALUES (?, ?)");
        two.bind(1, "x").bind(2, std::int64_t{5}).run();
        two.bind(1, "y").bind(2, std::int64_t{6}).run();
        EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM pg_prepared_statements"), 1);
        two.bind(1, "z").run();
    }
    EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM t WHERE name = 'y' AND n = 6"), 1);
    EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM t WHERE name = 'z' AND n IS NULL"), 1);
    EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM pg_prepared_statements"), 0);
}

TEST_F(PgDbTest, ATransactionLeftWithoutCommitIsRolledBack) {
    {
        Transaction tx(*db);
        Statement(*db, "INSERT INTO t (name) VALUES ('gone')").run();
    }
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t"), 0);
    {
        Transaction tx(*db);
        Statement(*db, "INSERT INTO t (name) VALUES ('kept')").run();
        tx.commit();
    }
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t"), 1);
}

// Errors name the server and what failed, never the password.
TEST_F(PgDbTest, ErrorsNameTheServerAndNeverThePassword) {
    auto bad_db = server->url("nosuchdb");
    bad_db.insert(bad_db.find('@'), ":s3cret");
    auto m = message_of([&] { PgDb d(bad_db); });
    EXPECT_NE(m.find("oyster@"), std::string::npos) << m;
    EXPECT_NE(m.find("/nosuchdb"), std::string::npos) << m;
    EXPECT_NE(m.find("nosuchdb\" does not exist"), std::string::npos) << m;
    EXPECT_EQ(m.find("s3cret"), std::string::npos) << m;

    m = message_of([&] { Statement(*db, "SELECT nosuchcolumn FROM t").step(); });
    EXPECT_NE(m.find("SELECT nosuchcolumn FROM t"), std::string::npos) << m;
    EXPECT_NE(m.find("does not exist"), std::string::npos) << m;
    m = message_of([&] { db->exec("CREATE TABLE"); });
    EXPECT_NE(m.find("syntax error"), std::string::npos) << m;
}

TEST(PgUrl, ShowsWhereAndWhoButNotTheSecret) {
    EXPECT_EQ(redacted_url("postgresql://sensor:hunter2@db.example.org:5433/oyster?sslmode=verify-full"),
              "sensor@db.example.org:5433/oyster");
    EXPECT_EQ(redacted_url("host=198.51.100.7 port=5432 user=sensor password=hunter2 dbname=oyster sslmode=require"),
              "sensor@198.51.100.7:5432/oyster");
    EXPECT_EQ(redacted_url("postgresql:///oyster"), "localhost/oyster");
    try {
        redacted_url("postgresql://sensor:hunter2@db.example.org:notaport/oyster?bogus=1");
        ADD_FAILURE() << "an unknown parameter parsed";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("does not parse"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
}

// PostgreSQL keeps text in UTF-8 and refuses other bytes and NULs, where
// SQLite keeps them: what an intruder typed is made valid as it is bound,
// never a reason for the store to stop.
TEST_F(PgDbTest, TextThatIsNotUtf8IsMadeValid) {
    Statement(*db, "INSERT INTO t (name) VALUES (?)").bind(1, std::string_view("a\xff\xfe b\0c \xc3\xa9", 10)).run();
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t"), 1);
    Statement q(*db, "SELECT name FROM t");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0),
              "a\xef\xbf\xbd\xef\xbf\xbd b\xef\xbf\xbd"
              "c \xc3\xa9");
}

// `?` becomes $n outside quoted text and identifiers only.
TEST(PgParameters, QuestionMarksAreNumberedOutsideQuotes) {
    EXPECT_EQ(numbered_parameters("SELECT '?', \"a?\" FROM t WHERE a = ? AND b = 'it''s?' AND c = ?"),
              "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = 'it''s?' AND c = $2");
}

// What was committed survives the server stopping at once (as after a
// kill -9 of its postmaster); the old connection fails with a clear error,
// a new one finds the rows.
TEST_F(PgDbTest, CommittedRowsSurviveAnImmediateStop) {
    Statement(*db, "INSERT INTO t (name) VALUES ('durable')").run();
    ASSERT_TRUE(server->restart_immediately()) << server->log();
    auto m = message_of([&] { db->exec("SELECT 1"); });
    EXPECT_NE(m.find("oyster@"), std::string::npos) << m;
    PgDb again(server->url());
    EXPECT_EQ(again.query_int("SELECT count(*) FROM t WHERE name = 'durable'"), 1);
}

}  // namespace
}  // namespace oyster::store
