#include "oyster/net/smtp_session.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace oyster {
namespace {

std::string upper_verb(std::string_view line) {
    std::string verb;
    for (char c : line) {
        if (c == ' ' || c == ':' || verb.size() >= 16) break;
        verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return verb;
}

// The address inside "FROM:<a@b> SIZE=..." or "TO: <a@b>", bounded.
std::string path_argument(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return {};
    auto rest = line.substr(colon + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == '<') {
        auto close = rest.find('>');
        rest = rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1);
    } else {
        rest = rest.substr(0, rest.find(' '));
    }
    return std::string(rest.substr(0, 512));
}

}  // namespace

SmtpSession::SmtpSession(std::string hostname, std::size_t max_message_bytes)
    : hostname_(std::move(hostname)), max_bytes_(max_message_bytes) {}

std::string SmtpSession::greeting() const {
    return fmt::format("220 {} ESMTP Postfix (Debian/GNU)\r\n", hostname_);
}

void SmtpSession::add_auth(std::string_view argument) {
    if (current_.auth.size() >= kMaxAuthArguments) {
        ++current_.auth_dropped;
        return;
    }
    current_.auth.emplace_back(argument.substr(0, 512));
}

std::vector<SmtpMessage> SmtpSession::take_messages() {
    return std::exchange(done_, {});
}

std::string SmtpSession::on_line(std::string_view line) {
    switch (state_) {
        case State::data: {
            if (line == ".") {
                state_ = State::command;
                current_.helo = helo_;
                done_.push_back(std::move(current_));
                current_ = {};
                if (++queued_ >= kMaxMessages) {
                    finished_ = true;
                    return fmt::format(
                        "250 2.0.0 Ok: queued as {:010X}\r\n421 4.7.0 {} Error: too many messages, "
                        "closing connection\r\n",
                        0x3A5F00U + queued_, hostname_);
                }
                return fmt::format("250 2.0.0 Ok: queued as {:010X}\r\n", 0x3A5F00U + queued_);
            }
            if (line.starts_with('.')) line.remove_prefix(1);
            if (current_.data.size() + line.size() + 2 > max_bytes_) {
                current_.truncated = true;
            } else {
                current_.data.append(line);
                current_.data.append("\r\n");
            }
            return {};
        }
        case State::auth_login_user:
            add_auth(line);
            state_ = State::auth_login_password;
            return "334 UGFzc3dvcmQ6\r\n";
        case State::auth_login_password:
            add_auth(line);
            state_ = State::command;
            return "235 2.7.0 Authentication successful\r\n";
        case State::command:
            break;
    }
    std::string verb = upper_verb(line);
    std::string_view arg = line.size() > verb.size() ? line.substr(verb.size()) : std::string_view{};
    while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
    if (verb == "HELO") {
        helo_ = std::string(arg.substr(0, 255));
        return fmt::format("250 {}\r\n", hostname_);
    }
    if (verb == "EHLO") {
        helo_ = std::string(arg.substr(0, 255));
        return fmt::format(
            "250-{}\r\n250-PIPELINING\r\n250-SIZE {}\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            hostname_, max_bytes_);
    }
    if (verb == "MAIL") {
        current_.mail_from = path_argument(line);
        current_.rcpt_to.clear();
        current_.data.clear();
        current_.truncated = false;
        return "250 2.1.0 Ok\r\n";
    }
    if (verb == "RCPT") {
        if (current_.rcpt_to.size() >= kMaxRecipients) return "452 4.5.3 Error: too many recipients\r\n";
        current_.rcpt_to.push_back(path_argument(line));
        return "250 2.1.5 Ok\r\n";
    }
    if (verb == "DATA") {
        if (current_.rcpt_to.empty()) return "554 5.5.1 Error: no valid recipients\r\n";
        state_ = State::data;
        return "354 End data with <CR><LF>.<CR><LF>\r\n";
    }
    if (verb == "AUTH") {
        std::string mech = upper_verb(arg);
        std::string_view rest = arg.size() > mech.size() ? arg.substr(mech.size() + 1) : std::string_view{};
        if (mech == "LOGIN") {
            if (rest.empty()) {
                state_ = State::auth_login_user;
                return "334 VXNlcm5hbWU6\r\n";
            }
            add_auth(rest);
            state_ = State::auth_login_password;
            return "334 UGFzc3dvcmQ6\r\n";
        }
        if (mech == "PLAIN" && !rest.empty()) {
            add_auth(rest);
            return "235 2.7.0 Authentication successful\r\n";
        }
        return "535 5.7.8 Error: authentication failed\r\n";
    }
    if (verb == "RSET") {
        current_ = {};
        return "250 2.0.0 Ok\r\n";
    }
    if (verb == "NOOP") return "250 2.0.0 Ok\r\n";
    if (verb == "VRFY") return "252 2.0.0 Send some mail, I'll try my best\r\n";
    if (verb == "STARTTLS") return "454 4.7.0 TLS not available due to local problem\r\n";
    if (verb == "QUIT") {
        finished_ = true;
        return "221 2.0.0 Bye\r\n";
    }
    return "502 5.5.2 Error: command not recognized\r\n";
}

}  // namespace oyster
