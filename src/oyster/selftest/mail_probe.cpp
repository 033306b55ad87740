#include "oyster/selftest/mail_probe.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/text_lines.h"
#include "oyster/net/smtp_sink.h"
#include "oyster/selftest/egress_watch.h"

namespace oyster {
namespace {

// Where the mail is addressed: the documentation range, no real MTA.
constexpr const char* kMailTarget = "198.51.100.99";
constexpr int kMailPorts[] = {25, 465, 587};

// Core Perl (the guest has no SMTP client). Each reply is read to its last
// line ("NNN " rather than "NNN-"), under a 5 s alarm; port 25 carries a
// whole message, the others are greeted and left.
constexpr const char* kClientScript = R"(use IO::Socket::INET;
my ($target, $token) = @ARGV;
sub reply { my ($s) = @_; my ($code, $text) = (0, "");
  local $SIG{ALRM} = sub { die "timeout\n" }; alarm 5;
  while (my $l = <$s>) { $l =~ s/\r?\n$//; ($code, $text) = ($1, $2) if $l =~ /^(\d{3})[ -]?(.*)/;
    last if $l =~ /^\d{3}( |$)/ }
  alarm 0; return ($code, $text) }
for my $port (25, 465, 587) { eval {
  my $s = IO::Socket::INET->new(PeerAddr => "$target:$port", Timeout => 5) or die "connect: $!\n";
  my @steps = $port == 25 ? (["ehlo", "EHLO selftest.example"], ["from", "MAIL FROM:<probe\@example.org>"],
    ["rcpt", "RCPT TO:<victim\@example.net>"], ["data", "DATA"],
    ["sent", "Subject: oyster selftest\r\n\r\n$token\r\n."], ["quit", "QUIT"]) : (["quit", "QUIT"]);
  my ($code, $text) = reply($s); print "$port greeting $code $text\n";
  for my $st (@steps) { print $s "$st->[1]\r\n"; ($code) = reply($s); print "$port $st->[0] $code\n" }
  1 } or do { my $e = $@; $e =~ s/\n//g; print "$port error $e\n" } })";

std::string random_token() {
    std::random_device rd;
    return fmt::format("oyster-selftest-mail-{:08x}{:08x}", rd(), rd());
}

}  // namespace

std::vector<MailDialogue> parse_mail_dialogue(const std::string& output) {
    std::vector<MailDialogue> out;
    for (auto line : split_lines(output)) {
        auto fields = split_on(line, ' ');
        if (fields.size() < 2) continue;
        int port = 0;
        auto p = fields[0];
        if (std::from_chars(p.data(), p.data() + p.size(), port).ec != std::errc{} || port < 1 || port > 65535)
            continue;
        auto it = std::find_if(out.begin(), out.end(), [&](const MailDialogue& d) { return d.port == port; });
        if (it == out.end()) it = out.insert(out.end(), MailDialogue{port, {}, {}, {}});
        auto& d = *it;
        auto rest = line.substr(std::min(line.size(), fields[0].size() + fields[1].size() + 2));
        if (fields[1] == "error") {
            d.error = std::string(rest);
            continue;
        }
        int code = 0;
        if (fields.size() < 3) continue;
        auto c = fields[2];
        if (std::from_chars(c.data(), c.data() + c.size(), code).ec != std::errc{}) continue;
        d.steps.emplace_back(std::string(fields[1]), code);
        if (fields[1] == "greeting") {
            auto text = line.substr(std::min(line.size(), fields[0].size() + fields[1].size() + c.size() + 3));
            d.banner = std::string(text);
        }
    }
    return out;
}

int mail_reply(const std::vector<MailDialogue>& dialogues, int port, const std::string& step) {
    for (const auto& d : dialogues) {
        if (d.port != port) continue;
        for (const auto& [name, code] : d.steps)
            if (name == step) return code;
    }
    return 0;
}

CheckResult probe_mail_sink(const Config& cfg, const std::string& host_name, const GuestShell& shell,
                            const GuestRecord& self, std::ostream& log) {
    CheckResult c{"smtp_sink",
                  fmt::format("mail from a guest to {} (ports 25, 465, 587) is answered by the host's sink, kept in "
                              "its mailbox, and never leaves",
                              kMailTarget),
                  false, ""};
    std::mutex mu;
    std::vector<SinkedMessage> kept;
    std::unique_ptr<SmtpSink> sink;
    auto mailbox = self.dir / "smtp";
    try {
        sink = std::make_unique<SmtpSink>(
            cfg.data_control.smtp_sink_port, sink_hostname(host_name),
            [&](Ipv4 ip) -> std::optional<std::filesystem::path> {
                if (ip.str() != self.guest_ip) return std::nullopt;
                return mailbox;
            },
            [&](const SinkedMessage& m) {
                std::lock_guard lock(mu);
                kept.push_back(m);
            },
            Ipv4{0}, std::uint64_t{cfg.data_control.smtp_sink_max_mib} << 20);
    } catch (const Error& e) {
        c.detail = fmt::format(
            "cannot run the sink on data_control.smtp_sink_port {}: {} (a running sensor's sink "
            "keeps only its own guests' mail: run the selftest with the sensor stopped)",
            cfg.data_control.smtp_sink_port, e.what());
        return c;
    }
    LeakWatch watch(kMailTarget, "tcp and (dst port 25 or dst port 465 or dst port 587)");
    auto token = random_token();
    log << fmt::format("selftest: guest {} sends mail to {} on ports 25, 465 and 587\n", self.id, kMailTarget);
    auto r = shell.run(fmt::format("perl -e '{}' {} {}", kClientScript, kMailTarget, token));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::uint64_t left = watch.count();
    sink.reset();  // joins its sessions: every message is in `kept`

    auto dialogues = parse_mail_dialogue(r.stdout_text);
    std::vector<std::string> problems, found;
    auto expected_banner = fmt::format("{} ESMTP", sink_hostname(host_name));
    for (int port : kMailPorts) {
        int greeting = mail_reply(dialogues, port, "greeting");
        std::string banner;
        for (const auto& d : dialogues)
            if (d.port == port) banner = d.error.empty() ? d.banner : d.error;
        if (greeting != 220 || banner.rfind(expected_banner, 0) != 0)
            problems.push_back(fmt::format("port {} not greeted by the sink ({} {})", port, greeting, banner));
        else
            found.push_back(fmt::format("{} greeted", port));
    }
    if (mail_reply(dialogues, 25, "sent") != 250)
        problems.push_back(fmt::format("the message was not accepted ({})", mail_reply(dialogues, 25, "sent")));
    const SinkedMessage* ours = nullptr;
    for (const auto& m : kept)
        if (m.message.data.find(token) != std::string::npos) ours = &m;
    if (ours == nullptr) {
        problems.push_back(fmt::format("the sink kept {} messages, none with the token", kept.size()));
    } else {
        std::string stored;
        try {
            if (!ours->file.empty()) stored = read_file(ours->file);
        } catch (const Error&) {
            // Judged below: the token is not in what could be read.
        }
        if (stored.find(token) == std::string::npos)
            problems.push_back(fmt::format("the message's file {} lacks the token", ours->file.string()));
        if (ours->original_destination != fmt::format("{}:25", kMailTarget))
            problems.push_back("the sink recorded the destination as " + ours->original_destination);
        if (ours->guest_ip.str() != self.guest_ip) problems.push_back("the sink took it for " + ours->guest_ip.str());
        found.push_back(fmt::format("kept in {} (to {})", ours->file.filename().string(), ours->original_destination));
    }
    if (left != 0) problems.push_back(fmt::format("{} packets to a mail port seen leaving by {}", left, watch.where()));
    found.push_back(fmt::format("{} seen leaving by {}", left, watch.where()));
    c.pass = problems.empty();
    c.detail = fmt::format("{}", fmt::join(c.pass ? found : problems, ", "));
    return c;
}

}  // namespace oyster
