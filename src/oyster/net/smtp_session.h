// The SMTP dialogue of the mail sink, as a pure state machine over lines:
// it answers like a real MTA (so spam tools and bots go on to send), keeps
// every message it is given, and never relays anything. Lines come from a
// guest and may be anything; sizes are bounded (line length is the caller's,
// message size and recipients here).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace oyster {

struct SmtpMessage {
    std::string helo;
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::vector<std::string> auth;  // AUTH arguments as sent (base64)
    std::string data;               // dot-unstuffed, CRLF line ends
    bool truncated = false;         // data beyond the size limit was dropped
};

class SmtpSession {
public:
    static constexpr std::size_t kMaxRecipients = 100;

    SmtpSession(std::string hostname, std::size_t max_message_bytes);

    std::string greeting() const;
    // One line without its CRLF; returns the reply (empty while in DATA).
    std::string on_line(std::string_view line);
    bool finished() const { return finished_; }
    // Messages completed since the last call.
    std::vector<SmtpMessage> take_messages();

private:
    enum class State { command, data, auth_login_user, auth_login_password };
    std::string hostname_;
    std::size_t max_bytes_;
    State state_ = State::command;
    SmtpMessage current_;
    std::string helo_;
    std::vector<SmtpMessage> done_;
    bool finished_ = false;
    unsigned queued_ = 0;
};

}  // namespace oyster
