// Where an output delivers event lines: a JSON-lines file, or a syslog
// collector. deliver() returns only when the whole batch is handed over
// (written and synced; sent) and throws oyster::Error otherwise, naming
// the target; the caller then retries the same batch later.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/common/fd_guard.h"
#include "oyster/outputs/syslog_message.h"

namespace oyster::outputs {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void deliver(const std::vector<std::string>& lines) = 0;
    // Drops a connection or file the last failure may have broken.
    virtual void reset() {}
};

// Appends each line and a newline; fdatasync()s each batch.
class JsonlFileSink : public EventSink {
public:
    explicit JsonlFileSink(std::filesystem::path file);
    void deliver(const std::vector<std::string>& lines) override;
    void reset() override;

private:
    std::filesystem::path file_;
    FdGuard fd_;
};

// RFC 5424 messages: one UDP datagram each, or over TCP with octet
// counting (RFC 6587: "LENGTH SP MESSAGE"). Connects on first use and
// after a reset; a send that cannot proceed within `timeout` fails.
class SyslogSink : public EventSink {
public:
    SyslogSink(SyslogTarget target, SyslogFormat format, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void deliver(const std::vector<std::string>& lines) override;
    void reset() override;

private:
    void connect_socket();
    void send_all(const std::string& bytes);

    SyslogTarget target_;
    SyslogFormat format_;
    std::chrono::milliseconds timeout_;
    FdGuard fd_;
};

}  // namespace oyster::outputs
