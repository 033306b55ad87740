// `oyster capture decode`: turn a raw capture stream into events, terminal
// replays and stored executables.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "oyster/capture/capture_decoder.h"
#include "oyster/cli/commands.h"

namespace oyster::cli {

void register_capture(CLI::App& app, const ConfigLoader& /*load*/) {
    auto* capture = app.add_subcommand("capture", "Work with raw capture streams written by guest kernels");
    capture->require_subcommand(1);
    auto* decode = capture->add_subcommand(
        "decode", "Decode a capture file into events.jsonl, tty/ (asciicast, tty_log) and files/ (by sha256)");
    struct Args {
        std::string file, out;
    };
    auto args = std::make_shared<Args>();
    decode->add_option("file", args->file, "Capture file (a guest's capture.bin)")
        ->required()
        ->check(CLI::ExistingFile);
    decode->add_option("outdir", args->out, "Output directory (created; events.jsonl is appended to)")->required();
    decode->callback([args]() {
        std::string error;
        auto s = capture::decode_capture_file(args->file, args->out, &error);
        std::cout << fmt::format(
            "{} records, {} events, {} gaps, {} tty sessions ({} bytes in, {} bytes out), {} files stored\n", s.records,
            s.events, s.gaps, s.tty_sessions, s.tty_in_bytes, s.tty_out_bytes, s.files_stored);
        if (!error.empty()) throw Error(args->file + ": " + error);
    });
}

}  // namespace oyster::cli
