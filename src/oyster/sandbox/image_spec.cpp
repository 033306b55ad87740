#include "oyster/sandbox/image_spec.h"

#include <fmt/format.h>

#include <algorithm>

#include "oyster/common/sha256.h"

namespace oyster {

nlohmann::json image_spec(const Config& cfg, const LoginPolicy& login, std::int64_t history_anchor) {
    return image_spec(load_persona(persona_path(cfg.guest.persona)), login, history_anchor);
}

nlohmann::json image_spec(const Persona& shown, const LoginPolicy& login, std::int64_t history_anchor) {
    Persona persona = shown;
    // Every guest is shown the release of a Debian kernel on its disk
    // (disguise/guest_identity.h): a persona that names none gets Debian's own.
    bool has_kernel = std::any_of(persona.packages.begin(), persona.packages.end(),
                                  [](const std::string& p) { return p.starts_with("linux-image-"); });
    if (!has_kernel) persona.packages.insert(persona.packages.begin(), std::string(kDefaultKernelPackage));
    return {{"persona", persona_json(persona)},
            {"login", login_policy_json(login)},
            {"history", {{"anchor", history_anchor}, {"uptime_days", persona.uptime_days}}}};
}

std::string image_spec_sha256(const nlohmann::json& spec) {
    return sha256_text(spec.dump());
}

void check_image_spec(const Config& cfg, const Platform& platform) {
    if (image_spec_sha256(image_spec(cfg, resolve_login_policy(cfg, platform.honeylog_key),
                                     platform.shown_boot.anchor)) == platform.image_spec_sha256) {
        return;
    }
    throw Error(
        fmt::format("the guest image was built for another persona or login policy than {} now gives "
                    "(guest.persona, [login], guest.root_password) or before its history was kept: run `oyster setup`",
                    cfg.source));
}

}  // namespace oyster
