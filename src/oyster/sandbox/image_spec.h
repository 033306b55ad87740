// The image spec: what of oyster.toml goes into the guest image (the persona,
// the login policy, root's password), as the JSON image/build.sh and its
// tasks read. `oyster setup` builds the image from it and records its hash;
// booting a guest checks the configuration still yields the same spec, so a
// changed persona or policy is never silently ignored.
#pragma once

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"
#include "oyster/common/persona.h"
#include "oyster/sandbox/login_policy.h"
#include "oyster/sandbox/platform.h"

namespace oyster {

// Added to a persona's packages when it names no linux-image-* package.
inline constexpr const char* kDefaultKernelPackage = "linux-image-amd64";

// Loads the configured persona; throws ConfigError naming its file.
// `login` is cfg's policy resolved for the installation (login_policy.h);
// `history_anchor` the shown boot's anchor (shown_uptime.h) that the
// image's lived-in history ends at (disguise/lived_in.h), 0 for none.
nlohmann::json image_spec(const Config& cfg, const LoginPolicy& login, std::int64_t history_anchor);
// The same, for a persona already loaded (setup also needs its hardware
// and uptime, which are not part of the image).
nlohmann::json image_spec(const Persona& persona, const LoginPolicy& login, std::int64_t history_anchor);

std::string image_spec_sha256(const nlohmann::json& spec);

// Throws Error telling the operator to run `oyster setup` when the
// configuration's spec (its login policy resolved with the platform's
// secret, the platform's history anchor) is not the one the platform's
// image was built from.
void check_image_spec(const Config& cfg, const Platform& platform);

}  // namespace oyster
