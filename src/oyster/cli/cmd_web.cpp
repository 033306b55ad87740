// `oyster web token`: the web UI's access token (web/web_auth.h), to paste
// into its login page or send as "Authorization: Bearer TOKEN"; --new
// replaces it (sessions made with the old one end when the sensor
// restarts).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "oyster/cli/commands.h"
#include "oyster/web/web_auth.h"

namespace oyster::cli {

void register_web(CLI::App& app, const ConfigLoader& load) {
    auto* web = app.add_subcommand("web", "The web UI's access token");
    web->require_subcommand(1);
    auto* token = web->add_subcommand("token", "Print the web UI's access token (made by oyster setup if missing)");
    auto renew = std::make_shared<bool>(false);
    token->add_flag("--new", *renew, "Replace it with a new random token (restart oyster run to use it)");
    token->callback([=]() {
        Config cfg = load();
        auto file = web_token_file(cfg);
        if (*renew) std::filesystem::remove(file);
        std::cout << web::load_or_create_token(file) << "\n";
        if (*renew) std::cerr << fmt::format("new token written to {}\n", file.string());
    });
}

}  // namespace oyster::cli
