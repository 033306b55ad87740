// The SMTP dialogue of the mail sink, as a pure state machine over lines:
// it answers like a real MTA (so spam tools and bots go on to send), keeps
// every message it is given, and never relays anything. Lines come from a
// guest and may be anything; sizes are bounded (line length and bytes per
// session are the caller's; message size, recipients, AUTH arguments and
// messages per session here).
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
    std::vector<std::string> auth;  // AUTH arguments as sent (base64), the first kMaxAuthArguments
    std::size_t auth_dropped = 0;   // AUTH arguments beyond those
    std::string data;               // dot-unstuffed, CRLF line ends
    bool truncated = false;         // data beyond the size limit was dropped
};

class SmtpSession {
public:
    static constexpr std::size_t kMaxRecipients = 100;
    // A guest brute-forcing AUTH sends millions of lines: the first ones are
    // kept (each cut to 512 bytes), the rest counted.
    static constexpr std::size_t kMaxAuthArguments = 64;
    // More messages in one session end it (421): each is evidence on disk.
    static constexpr unsigned kMaxMessages = 100;

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
    void add_auth(std::string_view argument);

    State state_ = State::command;
    SmtpMessage current_;
    std::string helo_;
    std::vector<SmtpMessage> done_;
    bool finished_ = false;
    unsigned queued_ = 0;
};

}  // namespace oyster
