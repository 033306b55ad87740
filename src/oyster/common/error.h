// Errors Oyster reports to an operator. Every failure that reaches the CLI is
// an oyster::Error whose message says what failed and why, in one line.
#pragma once

#include <stdexcept>
#include <string>

namespace oyster {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An Error carrying the text of errno, e.g. "open /dev/net/tun: Permission denied".
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(const std::string& what, int err);

}  // namespace oyster
