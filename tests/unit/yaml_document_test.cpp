// The libyaml tree under the Sigma loader: the shapes a rule uses, the
// core schema's nulls, and each bound a hostile file would break.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "oyster/detection/yaml_document.h"

namespace oyster::detection {
namespace {

std::string error_of(const std::string& text) {
    try {
        parse_yaml_documents(text);
    } catch (const YamlError& e) {
        return e.what();
    }
    return "parsed";
}

TEST(YamlDocumentTest, MappingsSequencesAndScalarsInFileOrder) {
    auto docs = parse_yaml_documents("title: t\ntags: [a, 'b']\nd:\n  z: 1\n  a: \"2\"\n");
    ASSERT_EQ(docs.size(), 1u);
    const YamlNode& doc = docs[0];
    ASSERT_TRUE(doc.is_mapping());
    ASSERT_EQ(doc.entries.size(), 3u);
    EXPECT_EQ(doc.entries[0].first, "title");
    const YamlNode* tags = doc.find("tags");
    ASSERT_NE(tags, nullptr);
    ASSERT_TRUE(tags->is_sequence());
    ASSERT_EQ(tags->items.size(), 2u);
    EXPECT_TRUE(tags->items[0].plain);
    EXPECT_FALSE(tags->items[1].plain);  // quoted: text whatever it looks like
    const YamlNode* d = doc.find("d");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->entries[0].first, "z");  // not sorted
    EXPECT_EQ(d->find("a")->text, "2");
    EXPECT_EQ(d->find("a")->line, 5u);
    EXPECT_EQ(doc.find("missing"), nullptr);
    EXPECT_EQ(tags->find("a"), nullptr);
}

TEST(YamlDocumentTest, CoreSchemaNullsOnlyWhenPlain) {
    auto docs = parse_yaml_documents("a:\nb: ~\nc: null\nd: 'null'\ne: NULL\nf: nil\n");
    const YamlNode& doc = docs.at(0);
    EXPECT_TRUE(doc.find("a")->is_null());
    EXPECT_TRUE(doc.find("b")->is_null());
    EXPECT_TRUE(doc.find("c")->is_null());
    EXPECT_TRUE(doc.find("d")->is_scalar());
    EXPECT_TRUE(doc.find("e")->is_null());
    EXPECT_TRUE(doc.find("f")->is_scalar());
}

TEST(YamlDocumentTest, EveryDocumentOfAStream) {
    EXPECT_TRUE(parse_yaml_documents("").empty());
    EXPECT_EQ(parse_yaml_documents("a: 1\n---\nb: 2\n").size(), 2u);
    auto empty_doc = parse_yaml_documents("---\n");
    ASSERT_EQ(empty_doc.size(), 1u);
    EXPECT_TRUE(empty_doc[0].is_null());
}

TEST(YamlDocumentTest, RefusesWhatAHostileFileWouldUse) {
    EXPECT_NE(error_of("a: &x [1, 2]\nb: *x\n").find("aliases"), std::string::npos);
    EXPECT_NE(error_of("a: 1\na: 2\n").find("line 2: key 'a' appears twice"), std::string::npos);
    EXPECT_NE(error_of("? [a, b]\n: c\n").find("not text"), std::string::npos);
    EXPECT_NE(error_of("title: [unclosed").find("from line 1"), std::string::npos);
    std::string deep(kMaxYamlDepth + 1, '[');
    EXPECT_NE(error_of(deep).find("nested deeper than 64"), std::string::npos);
    std::string nested(kMaxYamlDepth, '[');
    nested += std::string(kMaxYamlDepth, ']');
    EXPECT_EQ(error_of(nested), "parsed");
    std::string wide = "[";
    for (std::size_t i = 0; i <= kMaxYamlNodes; ++i) wide += "0,";
    wide += "0]";
    EXPECT_NE(error_of(wide).find("more than"), std::string::npos);
}

// Inputs on which yaml-cpp, which the loader used before, never returned
// (their YAML part: the fuzz target's input holds an event after a NUL).
// libyaml reads each to an end: the first is refused, the second is one
// document holding a scalar, which the rule loader then refuses.
std::string fuzz_found(const char* name) {
    std::ifstream in(std::string(OYSTER_SOURCE_DIR) + "/tests/fuzz/corpus/sigma_rule/" + name, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    return text.substr(0, text.find('\0'));
}

TEST(YamlDocumentTest, FuzzFoundLoopsEnd) {
    std::string commas = fuzz_found("yaml_cpp_comma_loop");
    ASSERT_TRUE(commas.starts_with(",,,,"));
    EXPECT_NE(error_of(commas).find("UTF-8"), std::string::npos);
    std::string anchored = fuzz_found("yaml_cpp_loop_after_libyaml");
    ASSERT_TRUE(anchored.starts_with("&t::"));
    auto docs = parse_yaml_documents(anchored);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_TRUE(docs[0].is_scalar());
}

}  // namespace
}  // namespace oyster::detection
