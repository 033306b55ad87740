#include "oyster/common/toml_reader.h"

#include <fstream>
#include <sstream>

namespace oyster {

toml::table parse_toml(std::string_view text, const std::string& source_name) {
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(
            fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column, e.description()));
    }
}

std::string read_toml_file(const std::filesystem::path& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(fmt::format("{}: cannot read {}", path.string(), what));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace oyster
