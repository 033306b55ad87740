// What public fingerprinting tools make of an SSH server from outside:
// ssh-audit's report and Nmap's version detection with its SSH scripts
// (ssh2-enum-algos, ssh-hostkey, ssh-auth-methods, sshv1). `oyster selftest
// stealth` holds a guest's against a stock Debian sshd's (reference_sshd.h):
// a difference is one a scanner shows. What is each server's own (address,
// port, host key fingerprints, scan times) is normalised away; the rest is
// compared line by line, in order, since order is part of what scanners key
// on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct SshToolReport {
    bool ran = false;                // the tool ran and its report was read
    std::string why;                 // why not, when it did not
    std::vector<std::string> lines;  // the normalised report, one fact a line
};

// Runs `ssh-audit -j` / Nmap against ip:port (the host's tools; a tool that
// is missing or fails gives ran = false and why).
SshToolReport ssh_audit_report(const std::string& ip, std::uint16_t port);
SshToolReport nmap_ssh_report(const std::string& ip, std::uint16_t port);

// The normalisations, from the tools' output (hostile: the server shapes
// it): ssh-audit's JSON, Nmap's normal output.
SshToolReport normalise_ssh_audit(std::string_view json);
SshToolReport normalise_nmap(std::string_view output);

// Passes when both reports were read and agree; the detail names the first
// line that differs.
CheckResult compare_ssh_reports(std::string name, std::string looks_for, const SshToolReport& guest,
                                const SshToolReport& stock);

}  // namespace oyster
