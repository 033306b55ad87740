// oyster-forensics-worker: the forensic analysis of one guest directory,
// run by the sensor and `oyster files` in the jail of analysis_worker.h,
// never by hand. A program of its own so that what parses an intruder's
// disk (libext2fs, libmagic, libyara) runs without the sensor's HTTP
// server, nftables or SQLite in its address space, and its jail binds
// only the libraries it links (linked --as-needed).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "oyster/forensics/analysis_worker.h"

int main(int argc, char** argv) {
    CLI::App app{
        "Analyse one guest directory into its forensics/analysis.json (run by the sensor and oyster files, "
        "not by hand)",
        "oyster-forensics-worker"};
    std::string guest_dir, evidence_dir, yara_rules;
    oyster::forensics::AnalysisOptions options;
    app.add_option("guest_dir", guest_dir, "The guest's directory")->required();
    app.add_option("--evidence-dir", evidence_dir, "The evidence store")->required();
    app.add_option("--yara-rules", yara_rules, "A directory of YARA rules");
    app.add_option("--max-extract-bytes", options.max_extract_bytes, "Larger files are not extracted");
    CLI11_PARSE(app, argc, argv);
    options.evidence_dir = evidence_dir;
    options.yara_rules = yara_rules;
    try {
        oyster::forensics::analysis_worker_main(guest_dir, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "oyster-forensics-worker: %s\n", e.what());
        return 1;
    }
    return 0;
}
