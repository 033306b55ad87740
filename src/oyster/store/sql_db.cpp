#include "oyster/store/sql_db.h"

#include <cctype>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/sqlite_db.h"

namespace oyster::store {

std::int64_t SqlDb::query_int(std::string_view sql) {
    Statement st(*this, sql);
    if (!st.step()) throw Error(fmt::format("{}: no row from {}", name(), sql.substr(0, 80)));
    return st.int64(0);
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.rollback();
    } catch (const Error&) {
        // The connection is gone or the transaction already ended: either
        // way nothing of it was committed.
    }
}

bool is_postgres_url(std::string_view where) {
    if (where.starts_with("postgresql://") || where.starts_with("postgres://")) return true;
    // libpq's key=value form starts with a keyword and '='.
    std::size_t i = 0;
    while (i < where.size() && std::isspace(static_cast<unsigned char>(where[i])) != 0) ++i;
    std::size_t word = i;
    while (i < where.size() && (std::isalnum(static_cast<unsigned char>(where[i])) != 0 || where[i] == '_')) ++i;
    std::size_t word_end = i;
    while (i < where.size() && where[i] == ' ') ++i;
    return word_end > word && i < where.size() && where[i] == '=';
}

std::unique_ptr<SqlDb> open_sql_db(std::string_view where, const std::string& password) {
    if (is_postgres_url(where)) return std::make_unique<PgDb>(where, password);
    return std::make_unique<SqliteDb>(std::filesystem::path(where));
}

}  // namespace oyster::store
