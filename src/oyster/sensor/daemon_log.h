// The daemon's human-readable log: every line goes to stderr and to a log
// file, with a timestamp, whole lines only even when threads log at once.
#pragma once

#include <filesystem>
#include <mutex>
#include <ostream>
#include <string>

namespace oyster::sensor {

class DaemonLog {
public:
    // Appends to `file` (created with its directory if missing).
    explicit DaemonLog(const std::filesystem::path& file);
    ~DaemonLog();
    DaemonLog(const DaemonLog&) = delete;
    DaemonLog& operator=(const DaemonLog&) = delete;

    void line(const std::string& text);

private:
    std::mutex mu_;
    int fd_ = -1;
};

// An std::ostream that hands each completed line to a DaemonLog, for code
// that reports progress to an std::ostream (start_guest, stop_guest). One per
// thread.
class LogStream : public std::ostream {
public:
    LogStream(DaemonLog& log, std::string prefix);
    ~LogStream() override;

private:
    // Hands over each line as soon as its newline is written.
    class Buf : public std::streambuf {
    public:
        Buf(DaemonLog& log, std::string prefix) : log_(log), prefix_(std::move(prefix)) {}
        int overflow(int c) override;
        int sync() override;

    private:
        DaemonLog& log_;
        std::string prefix_;
        std::string pending_;
    };
    Buf buf_;
};

}  // namespace oyster::sensor
