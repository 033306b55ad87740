#include "oyster/jail/landlock_scope.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace oyster {
namespace {

// struct landlock_ruleset_attr as of ABI 6; Debian 12's kernel headers (6.1)
// stop before `scoped`. The kernel takes the size it is given.
struct RulesetAttr {
    std::uint64_t handled_access_fs = 0;
    std::uint64_t handled_access_net = 0;
    std::uint64_t scoped = 0;
};

constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kFirstScopingAbi = 6;

}  // namespace

int landlock_abi() {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return abi < 0 ? 0 : static_cast<int>(abi);
}

bool landlock_can_scope() {
    return landlock_abi() >= kFirstScopingAbi;
}

const char* landlock_restrict_scopes(std::uint64_t scopes) {
    RulesetAttr attr;
    attr.scoped = scopes;
    long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0U);
    if (fd < 0) return "landlock_create_ruleset";
    long rc = ::syscall(SYS_landlock_restrict_self, static_cast<int>(fd), 0U);
    ::close(static_cast<int>(fd));
    return rc == 0 ? nullptr : "landlock_restrict_self";
}

}  // namespace oyster
