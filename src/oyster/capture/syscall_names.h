// Names of the x86-64 system calls the capture records carry by number.
#pragma once

#include <cstdint>
#include <string>

namespace oyster::capture {

// "renameat2" for 316; the number as a string for calls not watched.
std::string syscall_name(std::uint32_t nr);

// For a system call result: "ENOENT" for -2, "" when it is not an error.
std::string errno_name(std::int64_t result);

}  // namespace oyster::capture
