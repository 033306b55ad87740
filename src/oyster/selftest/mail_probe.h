// The containment selftest's mail probe (smtp_sink): a guest's root talks
// SMTP to an internet address on 25, 465 and 587 and sends one message
// with a token on 25. Passes when every port was answered by the host's
// sink (its greeting), the message is stored in that guest's mailbox with
// its token and the destination it was sent to, and a libpcap capture on
// the interface the mail would leave by sees no packet to those ports.
//
// The selftest runs the sink itself, on data_control.smtp_sink_port, as the
// sensor would (net/smtp_sink.h): a running sensor's sink keeps only its
// own guests' mail, so with the port held the probe fails and says so.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// What the guest's SMTP client saw of one port: the reply codes of its
// steps, in order ("greeting 220", "ehlo 250", ..., "sent 250").
struct MailDialogue {
    int port = 0;
    std::vector<std::pair<std::string, int>> steps;
    std::string banner;  // the greeting's text
    std::string error;   // how the client gave up, if it did
};

// The client's output: "<port> <step> <code> [text]" and "<port> error
// <text>" lines; other lines are ignored, ports out of range too.
std::vector<MailDialogue> parse_mail_dialogue(const std::string& output);

// The code of `step` on `port`; 0 when it did not happen.
int mail_reply(const std::vector<MailDialogue>& dialogues, int port, const std::string& step);

CheckResult probe_mail_sink(const Config& cfg, const std::string& host_name, const GuestShell& shell,
                            const GuestRecord& self, std::ostream& log);

}  // namespace oyster
