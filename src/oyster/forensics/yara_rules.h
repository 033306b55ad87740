// A directory of YARA rules (every *.yar and *.yara file in it, each its own
// namespace), compiled once with libyara and used to scan evidence files.
//
// Rules may use three external variables Oyster sets per file:
//   filepath  the file's path in the guest ("/root/.ssh/authorized_keys")
//   filename  its last component
//   change    "added", "changed", "executed" or "kept"
// A rule's meta `description` and `severity` ("low", "medium", "high",
// "critical"; "medium" when absent) are carried into its alerts.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace oyster::forensics {

struct YaraMatch {
    std::string rule;
    std::string rule_file;  // the rules file, relative to the directory
    std::vector<std::string> tags;
    std::string description;
    std::string severity;
};

struct YaraFileContext {
    std::string filepath;
    std::string change;
};

class YaraRules {
public:
    // Throws oyster::Error naming the file and line of the first rule that
    // does not compile, or the directory when it cannot be read.
    explicit YaraRules(const std::filesystem::path& dir);
    ~YaraRules();
    YaraRules(const YaraRules&) = delete;
    YaraRules& operator=(const YaraRules&) = delete;

    std::size_t rule_count() const { return rule_count_; }
    const std::vector<std::string>& files() const { return files_; }

    // The rules `file` matches. A scan that hits the per-file time limit
    // (`timeout_s`) or another libyara error throws oyster::Error.
    std::vector<YaraMatch> scan(const std::filesystem::path& file, const YaraFileContext& context,
                                int timeout_s = 60) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::size_t rule_count_ = 0;
    std::vector<std::string> files_;
};

}  // namespace oyster::forensics
