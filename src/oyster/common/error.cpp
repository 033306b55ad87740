#include "oyster/common/error.h"

#include <cerrno>
#include <cstring>

namespace oyster {

void throw_errno(const std::string& what) {
    throw_errno(what, errno);
}

void throw_errno(const std::string& what, int err) {
    throw Error(what + ": " + std::strerror(err));
}

}  // namespace oyster
