// `oyster web token`: the web UI's access token (web/web_auth.h), to paste
// into its login page or send as "Authorization: Bearer TOKEN"; --new
// replaces it (sessions made with the old one end when the sensor
// restarts). `oyster web serve`: the UI and API without the sensor (an
// analyst's machine with a copy of the state directory, or after the
// sensor stopped).
#include <signal.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "oyster/cli/commands.h"
#include "oyster/web/web_auth.h"
#include "oyster/web/web_server.h"

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

    auto* serve = web->add_subcommand("serve", "Serve the web UI and API from the store until Ctrl-C (no sensor)");
    serve->callback([=]() {
        Config cfg = load();
        // Signals are taken by sigwait below: blocked before the server's
        // threads start, so none of them gets one.
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGTERM);
        ::pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
        auto o = web::web_options(cfg);
        web::WebServer server(o, [](const std::string& m) { std::cerr << m << "\n"; });
        std::cerr << fmt::format("web UI and API on http://{}:{}/ (access token in {}); Ctrl-C stops\n", o.host,
                                 server.port(), web_token_file(cfg).string());
        int sig = 0;
        sigwait(&sigs, &sig);
        server.stop();
    });
}

}  // namespace oyster::cli
