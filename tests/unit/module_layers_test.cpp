// docs/architecture.md's table of layers says what src/oyster/CMakeLists.txt
// declares: every module listed once, and every module's DEPENDS in a
// lower layer than itself; and every module's files include only the
// modules it declares (what configuring checks, checked again on every
// test run, so an include added since the last configure is caught too).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_source(const std::string& path) {
    std::ifstream in(std::string(OYSTER_SOURCE_DIR) + "/" + path);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

TEST(ModuleLayers, TheDocsTableMatchesCMake) {
    // "| 2 | sandbox, disguise, store, outputs |": the layer of each module.
    std::map<std::string, int> layer;
    std::string docs = read_source("docs/architecture.md");
    const std::regex row(R"(\n\| ([0-9]) \| ([a-z_, ]+)[ (|])");
    for (std::sregex_iterator it(docs.begin(), docs.end(), row), end; it != end; ++it) {
        int n = std::stoi((*it)[1]);
        std::string names = (*it)[2];
        std::replace(names.begin(), names.end(), ',', ' ');
        for (const auto& m : words(names)) {
            EXPECT_FALSE(layer.contains(m)) << "docs/architecture.md lists " << m << " twice";
            layer[m] = n;
        }
    }
    ASSERT_GE(layer.size(), 10U) << "no table of layers in docs/architecture.md";

    // "oyster_module(store ... DEPENDS common events capture ...)".
    std::string cmake = read_source("src/oyster/CMakeLists.txt");
    const std::regex module(R"(\noyster_module\(([a-z_]+)([^)]*)\))");
    std::size_t modules = 0;
    for (std::sregex_iterator it(cmake.begin(), cmake.end(), module), end; it != end; ++it, ++modules) {
        std::string name = (*it)[1], body = (*it)[2];
        ASSERT_TRUE(layer.contains(name)) << "docs/architecture.md's layers do not list the module " << name;
        std::smatch deps;
        const std::regex depends(R"(\n +DEPENDS ([a-z_ ]+))");
        std::vector<std::string> declared;
        if (std::regex_search(body, deps, depends)) declared = words(deps[1]);
        for (const auto& d : declared) {
            ASSERT_TRUE(layer.contains(d)) << "docs/architecture.md's layers do not list the module " << d;
            EXPECT_LT(layer[d], layer[name]) << name << " depends on " << d << ", which the docs put in layer "
                                             << layer[d] << ", not below its " << layer[name];
        }
        const std::regex include(R"(#include "oyster/([a-z_]+)/)");
        auto dir = std::filesystem::path(OYSTER_SOURCE_DIR) / "src/oyster" / name;
        for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
            if (!f.is_regular_file()) continue;
            std::string text = read_source(std::filesystem::relative(f.path(), OYSTER_SOURCE_DIR).string());
            for (std::sregex_iterator inc(text.begin(), text.end(), include), last; inc != last; ++inc) {
                std::string used = (*inc)[1];
                EXPECT_TRUE(used == name || std::find(declared.begin(), declared.end(), used) != declared.end())
                    << f.path().string() << " includes oyster/" << used << "/, which module " << name
                    << " does not declare";
            }
        }
    }
    // Every module of the table but the executable's is a library.
    EXPECT_EQ(modules + 1, layer.size()) << "docs/architecture.md lists a module CMake does not build";
    EXPECT_TRUE(layer.contains("cli"));
}

}  // namespace
