#include "oyster/forensics/yara_rules.h"

#include <yara.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::forensics {
namespace {

// libyara keeps process-wide tables; yr_initialize/yr_finalize count, but
// the first call must not race another.
std::mutex g_init_mu;

void yara_init() {
    std::lock_guard lock(g_init_mu);
    if (yr_initialize() != ERROR_SUCCESS) throw Error("libyara: cannot initialise");
}

void yara_fini() {
    std::lock_guard lock(g_init_mu);
    yr_finalize();
}

struct CompileErrors {
    std::string first;
};

void on_compile_message(int level, const char* file, int line, const YR_RULE* /*rule*/, const char* message,
                        void* user) {
    auto* errors = static_cast<CompileErrors*>(user);
    if (level != YARA_ERROR_LEVEL_ERROR || !errors->first.empty()) return;
    errors->first = fmt::format("{}:{}: {}", file != nullptr ? file : "?", line, message);
}

const char* kExternals[] = {"filepath", "filename", "change"};

std::string meta_string(const YR_RULE* rule, const char* name) {
    const YR_META* meta = nullptr;
    yr_rule_metas_foreach(rule, meta) {
        if (meta->type == META_TYPE_STRING && std::string_view(meta->identifier) == name) return meta->string;
    }
    return {};
}

struct ScanState {
    std::vector<YaraMatch>* matches;
};

int on_scan_message(YR_SCAN_CONTEXT* /*context*/, int message, void* data, void* user) {
    if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
    const auto* rule = static_cast<const YR_RULE*>(data);
    YaraMatch m;
    m.rule = rule->identifier;
    m.rule_file = rule->ns != nullptr && rule->ns->name != nullptr ? rule->ns->name : "";
    const char* tag = nullptr;
    yr_rule_tags_foreach(rule, tag) {
        m.tags.emplace_back(tag);
    }
    m.description = meta_string(rule, "description");
    m.severity = meta_string(rule, "severity");
    if (m.severity != "low" && m.severity != "medium" && m.severity != "high" && m.severity != "critical") {
        m.severity = "medium";
    }
    static_cast<ScanState*>(user)->matches->push_back(std::move(m));
    return CALLBACK_CONTINUE;
}

}  // namespace

struct YaraRules::Impl {
    YR_RULES* rules = nullptr;
};

YaraRules::YaraRules(const std::filesystem::path& dir) : impl_(std::make_unique<Impl>()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw Error(fmt::format("{}: not a directory of YARA rules", dir.string()));
    }
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yar" || ext == ".yara")) files_.push_back(e.path().filename().string());
    }
    if (ec) throw Error(fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
    std::sort(files_.begin(), files_.end());

    yara_init();
    YR_COMPILER* compiler = nullptr;
    if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
        yara_fini();
        throw Error("libyara: cannot create a compiler");
    }
    CompileErrors errors;
    yr_compiler_set_callback(compiler, on_compile_message, &errors);
    for (const char* name : kExternals) yr_compiler_define_string_variable(compiler, name, "");
    auto fail = [&](const std::string& why) {
        yr_compiler_destroy(compiler);
        yara_fini();
        throw Error(why);
    };
    for (const auto& name : files_) {
        auto path = dir / name;
        FILE* f = std::fopen(path.c_str(), "re");
        if (f == nullptr) fail(fmt::format("{}: cannot open", path.string()));
        // The namespace is the file: two files may name a rule alike.
        int errs = yr_compiler_add_file(compiler, f, name.c_str(), path.c_str());
        std::fclose(f);
        if (errs > 0) fail(fmt::format("YARA rules: {}", errors.first.empty() ? path.string() : errors.first));
    }
    if (yr_compiler_get_rules(compiler, &impl_->rules) != ERROR_SUCCESS) fail("libyara: cannot build the rules");
    yr_compiler_destroy(compiler);
    const YR_RULE* rule = nullptr;
    yr_rules_foreach(impl_->rules, rule) {
        ++rule_count_;
    }
}

YaraRules::~YaraRules() {
    if (impl_->rules != nullptr) yr_rules_destroy(impl_->rules);
    yara_fini();
}

std::vector<YaraMatch> YaraRules::scan(const std::filesystem::path& file, const YaraFileContext& context,
                                       int timeout_s) const {
    std::vector<YaraMatch> matches;
    YR_SCANNER* scanner = nullptr;
    if (yr_scanner_create(impl_->rules, &scanner) != ERROR_SUCCESS) throw Error("libyara: cannot create a scanner");
    std::string filename = context.filepath.substr(context.filepath.rfind('/') + 1);
    yr_scanner_define_string_variable(scanner, "filepath", context.filepath.c_str());
    yr_scanner_define_string_variable(scanner, "filename", filename.c_str());
    yr_scanner_define_string_variable(scanner, "change", context.change.c_str());
    ScanState state{&matches};
    yr_scanner_set_callback(scanner, on_scan_message, &state);
    yr_scanner_set_timeout(scanner, timeout_s);
    int rc = yr_scanner_scan_file(scanner, file.c_str());
    yr_scanner_destroy(scanner);
    if (rc == ERROR_SCAN_TIMEOUT) {
        throw Error(fmt::format("{}: YARA scan passed its {} s limit", file.string(), timeout_s));
    }
    if (rc != ERROR_SUCCESS) throw Error(fmt::format("{}: YARA scan failed (libyara error {})", file.string(), rc));
    return matches;
}

}  // namespace oyster::forensics
