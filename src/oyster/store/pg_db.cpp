#include "oyster/store/pg_db.h"

#include <charconv>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/utf8.h"

namespace oyster::store {

namespace {

// libpq's messages end in a newline and may span lines.
std::string one_line(const char* message) {
    std::string s = message != nullptr ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s) {
        if (c == '\n') c = ' ';
    }
    return s.empty() ? "unknown error" : s;
}

// Type OIDs of PostgreSQL's integer types (catalog/pg_type.h): stable since
// they are part of the wire protocol.
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kBoolOid = 16;

}  // namespace

std::string redacted_url(std::string_view url) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(std::string(url).c_str(), &err), &PQconninfoFree);
    if (!options) {
        std::string why = one_line(err);
        PQfreemem(err);
        throw Error(fmt::format("the store URL does not parse: {}", why));
    }
    std::string user, host, port, dbname;
    for (auto* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        std::string_view key = o->keyword;
        if (key == "user") user = o->val;
        if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
        if (key == "port") port = o->val;
        if (key == "dbname") dbname = o->val;
    }
    std::string out = user.empty() ? "" : user + "@";
    out += host.empty() ? "localhost" : host;
    if (!port.empty()) out += ":" + port;
    if (!dbname.empty()) out += "/" + dbname;
    return out;
}

std::string numbered_parameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int n = 0;
    char quote = 0;  // inside '...' or "..."
    for (char c : sql) {
        if (quote != 0) {
            // A doubled quote ('it''s') closes and reopens: same result.
            if (c == quote) quote = 0;
            out += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?') {
            out += fmt::format("${}", ++n);
        } else {
            out += c;
        }
    }
    return out;
}

PgDb::PgDb(std::string_view url, const std::string& password) : name_(redacted_url(url)) {
    // The URL as libpq's dbname (expanded), and the password beside it:
    // never written into a string that could be shown.
    std::string dbname(url);
    // Bounds on a server that stops answering (a network cut, a host
    // gone): without them a statement waits out TCP's own retries, some 15
    // minutes, and a sensor's stop with it. First, so that the URL's own
    // settings win.
    const char* keys[] = {"connect_timeout",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "dbname",
                          password.empty() ? nullptr : "password",
                          nullptr};
    const char* values[] = {
        "10", "30", "10", "3", "30000", dbname.c_str(), password.empty() ? nullptr : password.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string why = conn_ != nullptr ? one_line(PQerrorMessage(conn_)) : "out of memory";
        PQfinish(conn_);
        conn_ = nullptr;
        throw Error(fmt::format("{}: cannot connect to the store: {}", name_, why));
    }
    // The server's notices ("table ... does not exist, skipping") would go
    // to stderr, between the sensor's own log lines.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    if (PQsetClientEncoding(conn_, "UTF8") != 0) {
        std::string why = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw Error(fmt::format("{}: cannot use UTF-8 with the store: {}", name_, why));
    }
}

PgDb::~PgDb() {
    PQfinish(conn_);
}

void PgDb::fail(std::string_view what) const {
    throw Error(fmt::format("{}: {}: {}", name_, what, one_line(PQerrorMessage(conn_))));
}

void PgDb::exec(std::string_view sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn_, std::string(sql).c_str()), &PQclear);
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        std::string why = r ? one_line(PQresultErrorMessage(r.get())) : one_line(PQerrorMessage(conn_));
        throw Error(fmt::format("{}: {}: {}", name_, sql.substr(0, 80), why));
    }
}

void PgDb::lock_writers(std::string_view key) {
    Statement lock(*this, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))");
    lock.bind(1, key).run();
}

int PgDb::schema_version() {
    // Created only when missing: a sensor's login may not create tables.
    if (query_int("SELECT to_regclass('oyster_schema') IS NULL") == 1) {
        exec("CREATE TABLE IF NOT EXISTS oyster_schema (version INTEGER NOT NULL)");
    }
    Statement q(*this, "SELECT version FROM oyster_schema");
    return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

void PgDb::set_schema_version(int version) {
    exec("DELETE FROM oyster_schema");
    Statement set(*this, "INSERT INTO oyster_schema (version) VALUES (?)");
    set.bind(1, std::int64_t{version}).run();
}

std::string PgDb::json_values(std::string_view column) const {
    return fmt::format("jsonb_array_elements_text({}::jsonb)", column);
}

namespace {

// A statement with its parameters, sent with them by the first step().
class PgCursor final : public SqlCursor {
public:
    PgCursor(PgDb& db, std::string_view sql) : db_(db), sql_(numbered_parameters(sql)) {}
    ~PgCursor() override {
        PQclear(result_);
        if (!name_.empty() && PQstatus(db_.handle()) == CONNECTION_OK) {
            PQclear(PQexec(db_.handle(), fmt::format("DEALLOCATE {}", name_).c_str()));
        }
    }
    PgCursor(const PgCursor&) = delete;
    PgCursor& operator=(const PgCursor&) = delete;

    void bind(int index, std::int64_t value) override { param(index) = std::to_string(value); }
    void bind(int index, std::string_view text) override { param(index) = utf8_valid(text); }
    void bind_null(int index) override { param(index).reset(); }
    bool step() override;
    void reset() override {
        PQclear(result_);
        result_ = nullptr;
        row_ = -1;
        params_.clear();
    }
    std::int64_t int64(int column) const override;
    std::string text(int column) const override {
        check_column(column);
        return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column))};
    }
    bool is_null(int column) const override {
        check_column(column);
        return PQgetisnull(result_, row_, column) != 0;
    }
    // Integer columns as numbers, everything else as strings.
    nlohmann::json row_object() const override;

private:
    // The slot of parameter $index, made if need be.
    std::optional<std::string>& param(int index) {
        // PostgreSQL numbers parameters up to 65535 ($1 to $65535).
        if (index < 1 || index > 65535) throw Error(fmt::format("{}: parameter ${} out of range", db_.name(), index));
        if (params_.size() < static_cast<std::size_t>(index)) params_.resize(static_cast<std::size_t>(index));
        return params_[static_cast<std::size_t>(index) - 1];
    }
    void check_column(int column) const {
        if (result_ == nullptr || row_ < 0 || row_ >= PQntuples(result_) || column < 0 ||
            column >= PQnfields(result_)) {
            throw Error(fmt::format("{}: no column {} in the current row of {}", db_.name(), column,
                                    std::string_view(sql_).substr(0, 80)));
        }
    }

    void prepare();

    PgDb& db_;
    std::string sql_;
    std::vector<std::optional<std::string>> params_;
    int runs_ = 0;
    std::string name_;  // of the prepared statement, once prepared
    int prepared_params_ = 0;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

bool PgCursor::step() {
    if (result_ == nullptr) {
        // Run twice, a statement is prepared on the server: parsed and
        // planned once, not at every event (the store runs a few per event).
        if (++runs_ == 2) prepare();
        if (!name_.empty() && params_.size() < static_cast<std::size_t>(prepared_params_)) {
            params_.resize(static_cast<std::size_t>(prepared_params_));
        }
        std::vector<const char*> values;
        values.reserve(params_.size());
        for (const auto& p : params_) values.push_back(p ? p->c_str() : nullptr);
        result_ = name_.empty() ? PQexecParams(db_.handle(), sql_.c_str(), static_cast<int>(values.size()), nullptr,
                                               values.data(), nullptr, nullptr, 0)
                                : PQexecPrepared(db_.handle(), name_.c_str(), static_cast<int>(values.size()),
                                                 values.data(), nullptr, nullptr, 0);
        auto status = result_ != nullptr ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            std::string why =
                result_ != nullptr ? one_line(PQresultErrorMessage(result_)) : one_line(PQerrorMessage(db_.handle()));
            reset();
            throw Error(fmt::format("{}: {}: {}", db_.name(), std::string_view(sql_).substr(0, 80), why));
        }
        row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_);
}

void PgCursor::prepare() {
    std::string name = db_.next_statement_name();
    std::unique_ptr<PGresult, decltype(&PQclear)> r(
        PQprepare(db_.handle(), name.c_str(), sql_.c_str(), static_cast<int>(params_.size()), nullptr), &PQclear);
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        std::string why = r ? one_line(PQresultErrorMessage(r.get())) : one_line(PQerrorMessage(db_.handle()));
        throw Error(fmt::format("{}: prepare {}: {}", db_.name(), std::string_view(sql_).substr(0, 80), why));
    }
    name_ = std::move(name);
    prepared_params_ = static_cast<int>(params_.size());
}

std::int64_t PgCursor::int64(int column) const {
    check_column(column);
    if (PQgetisnull(result_, row_, column) != 0) return 0;
    std::string_view s = PQgetvalue(result_, row_, column);
    // A comparison is a boolean here and an integer in SQLite: 1 or 0 on both.
    if (PQftype(result_, column) == kBoolOid) return s == "t" ? 1 : 0;
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        throw Error(fmt::format("{}: column {} of {} is not an integer: '{}'", db_.name(), PQfname(result_, column),
                                std::string_view(sql_).substr(0, 80), s.substr(0, 40)));
    }
    return v;
}

nlohmann::json PgCursor::row_object() const {
    nlohmann::json row = nlohmann::json::object();
    for (int i = 0; result_ != nullptr && i < PQnfields(result_); ++i) {
        std::string name = PQfname(result_, i);
        if (is_null(i)) {
            row[name] = nullptr;
            continue;
        }
        Oid type = PQftype(result_, i);
        if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid || type == kBoolOid) {
            row[name] = int64(i);
        } else {
            row[name] = text(i);
        }
    }
    return row;
}

}  // namespace

std::unique_ptr<SqlCursor> PgDb::prepare(std::string_view sql) {
    return std::make_unique<PgCursor>(*this, sql);
}

}  // namespace oyster::store
