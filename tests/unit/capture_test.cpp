#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture_stream_builder.h"
#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_records.h"
#include "oyster/capture/socket_address.h"
#include "oyster/capture/tty_replay.h"
#include "temp_dir.h"

namespace oyster::capture {
namespace {

using testing::StreamBuilder;

std::vector<Record> parse_all(const std::vector<std::uint8_t>& bytes, std::string* error = nullptr,
                              std::size_t step = 0) {
    CaptureParser p;
    if (step == 0) {
        p.feed(bytes);
    } else {
        for (std::size_t i = 0; i < bytes.size(); i += step)
            p.feed(std::span(bytes.data() + i, std::min(step, bytes.size() - i)));
    }
    if (error != nullptr) *error = p.error();
    return p.take();
}

StreamBuilder session_stream() {
    StreamBuilder s;
    auto seq = s.exec("/tmp/x", {"/tmp/x", "-v"}, 11, OYSTER_CAP_EXEC_CONTENT_FOLLOWS);
    s.content(seq, 0, 11, "hello ", false);
    s.content(seq, 6, 11, "world", true);
    oyster_cap_fork f{};
    f.child_pid = f.child_tgid = 101;
    s.record(OYSTER_CAP_FORK, 0, StreamBuilder::pod(f));
    oyster_cap_exit x{};
    x.code = 3 << 8;
    x.thread_group_dead = 1;
    s.record(OYSTER_CAP_EXIT, 0, StreamBuilder::pod(x), 101);
    s.tty(OYSTER_CAP_TTY_OPEN, "");
    s.tty(OYSTER_CAP_TTY_IN, "ls\r");
    s.tty(OYSTER_CAP_TTY_OUT, "ls\r\nfile\r\n");
    s.tty(OYSTER_CAP_TTY_CLOSE, "");
    oyster_cap_honeylog h{};
    h.len = 5;
    s.record(OYSTER_CAP_HONEYLOG, 0, StreamBuilder::pod(h) + "login");
    return s;
}

TEST(CaptureParser, ParsesEveryRecordType) {
    std::string error;
    auto records = parse_all(session_stream().bytes, &error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(records.size(), 10u);
    const auto& exec = std::get<ExecRecord>(records[0].body);
    EXPECT_EQ(exec.filename, "/tmp/x");
    EXPECT_EQ(exec.cwd, "/root");
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"/tmp/x", "-v"}));
    EXPECT_TRUE(exec.content_follows);
    EXPECT_EQ(records[0].actor.comm, "bash");
    EXPECT_EQ(tty_name(records[0].actor.tty), "pts/0");
    EXPECT_EQ(std::get<ExecContentRecord>(records[2].body).data.size(), 5u);
    EXPECT_EQ(std::get<ForkRecord>(records[3].body).child_pid, 101u);
    EXPECT_EQ(std::get<ExitRecord>(records[4].body).code, 3 << 8);
    EXPECT_EQ(std::get<TtyRecord>(records[6].body).kind, TtyKind::input);
    EXPECT_EQ(std::get<HoneylogRecord>(records[9].body).data.size(), 5u);
}

TEST(CaptureParser, ByteByByteGivesTheSameRecords) {
    auto bytes = session_stream().bytes;
    std::string error;
    auto records = parse_all(bytes, &error, 1);
    EXPECT_EQ(error, "");
    EXPECT_EQ(records.size(), 10u);
}

TEST(CaptureParser, RejectsHostileFraming) {
    auto expect_error = [](const std::vector<std::uint8_t>& bytes, const std::string& needle) {
        std::string error;
        parse_all(bytes, &error);
        EXPECT_NE(error.find(needle), std::string::npos) << "error was: " << error;
    };
    {
        StreamBuilder s;
        s.bytes[0] = 'X';
        expect_error(s.bytes, "bad magic");
    }
    {
        StreamBuilder s;
        s.record(OYSTER_CAP_FORK, 0, std::string(16, '\0'), 1, 40);
        expect_error(s.bytes, "record size 40 is invalid");
    }
    {
        StreamBuilder s;
        s.record(OYSTER_CAP_FORK, 0, std::string(16, '\0'), 1, 90);
        expect_error(s.bytes, "record size 90 is invalid");
    }
    {
        StreamBuilder s;
        s.record(OYSTER_CAP_FORK, 0, std::string(16, '\0'), 1, 1 << 20);
        expect_error(s.bytes, "record size 1048576 is invalid");
    }
    {
        StreamBuilder s;
        oyster_cap_exec e{};
        e.argv_len = 0xffffffff;
        s.record(OYSTER_CAP_EXEC, 0, StreamBuilder::pod(e));
        expect_error(s.bytes, "exec strings overrun");
    }
    {
        StreamBuilder s;
        oyster_cap_tty t{};
        t.len = 1000;
        s.record(OYSTER_CAP_TTY_IN, 0, StreamBuilder::pod(t) + "short");
        expect_error(s.bytes, "tty data overruns");
    }
    {
        StreamBuilder s;
        s.content(0, 10, 5, "", true);
        expect_error(s.bytes, "past its total");
    }
    {
        StreamBuilder s;
        oyster_cap_honeylog h{};
        h.len = OYSTER_HONEYLOG_MAX + 1;
        s.record(OYSTER_CAP_HONEYLOG, 0, StreamBuilder::pod(h));
        expect_error(s.bytes, "over the limit");
    }
    {
        StreamBuilder s;
        oyster_cap_fork f{};
        s.record(OYSTER_CAP_FORK, 0, StreamBuilder::pod(f) + std::string(8, 'x'));
        expect_error(s.bytes, "bad fork payload");
    }
}

TEST(CaptureParser, UnknownTypesPassThrough) {
    StreamBuilder s;
    s.record(999, 0, "12345678");
    auto records = parse_all(s.bytes);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(std::get<UnknownRecord>(records[0].body).type, 999);
}

class DecoderTest : public oyster::testing::TempDirTest {
protected:
    std::vector<nlohmann::json> decode(const std::vector<std::uint8_t>& bytes, std::string* error = nullptr) {
        auto file = dir / "capture.bin";
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        decode_capture_file(file, dir / "out", error);
        std::vector<nlohmann::json> events;
        std::ifstream in(dir / "out" / "events.jsonl");
        for (std::string line; std::getline(in, line);) events.push_back(nlohmann::json::parse(line));
        return events;
    }

    std::string read(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

TEST_F(DecoderTest, WritesEventsReplaysAndContent) {
    std::string error;
    auto events = decode(session_stream().bytes, &error);
    EXPECT_EQ(error, "");
    ASSERT_GE(events.size(), 10u);
    EXPECT_EQ(events[0]["type"], "capture_start");
    EXPECT_EQ(events[1]["type"], "exec");
    EXPECT_EQ(events[1]["argv"], nlohmann::json::array({"/tmp/x", "-v"}));
    EXPECT_EQ(events[1]["tty"], "pts/0");
    EXPECT_EQ(events[2]["type"], "exec_content");
    // sha256("hello world")
    const std::string sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    EXPECT_EQ(events[2]["sha256"], sha);
    EXPECT_EQ(read(dir / "out" / "files" / sha), "hello world");
    EXPECT_EQ(events[3]["type"], "fork");
    EXPECT_EQ(events[4]["exit_status"], 3);
    EXPECT_EQ(events[6]["type"], "tty_in");
    EXPECT_EQ(events[6]["data"], "ls\r");
    EXPECT_EQ(events[9]["message"], "login");

    std::string cast = read(dir / "out" / "tty" / "pts-0-1.cast");
    auto first_nl = cast.find('\n');
    auto header = nlohmann::json::parse(cast.substr(0, first_nl));
    EXPECT_EQ(header["version"], 2);
    EXPECT_NE(cast.find(R"("i","ls\r"])"), std::string::npos) << cast;
    EXPECT_NE(cast.find(R"("o","ls\r\nfile\r\n"])"), std::string::npos) << cast;
    // The index names the replay by the record that opened the terminal,
    // the seq the live tty_open event carries.
    ASSERT_EQ(events[5]["type"], "tty_open");
    EXPECT_EQ(find_tty_recording(dir / "out", events[5]["seq"].get<std::uint64_t>()),
              dir / "out" / "tty" / "pts-0-1.cast");

    // Cowrie's playlog format: 24-byte "<iLiiLL" headers: open, in, out, close.
    std::string log = read(dir / "out" / "tty" / "pts-0-1.ttylog");
    ASSERT_EQ(log.size(), 4 * 24 + 3 + 10);
    std::uint32_t op = 0, len = 0, dir_ = 0;
    std::memcpy(&op, log.data() + 24, 4);
    std::memcpy(&len, log.data() + 24 + 8, 4);
    std::memcpy(&dir_, log.data() + 24 + 12, 4);
    EXPECT_EQ(op, 3u);
    EXPECT_EQ(len, 3u);
    EXPECT_EQ(dir_, 1u);
    EXPECT_EQ(log.substr(48, 3), "ls\r");
}

// A dormant guest woken from its disk appends a second stream to its
// capture file: a header, then records from seq 0 again.
TEST(CaptureParser, AWokenGuestsSecondStreamIsItsNextBoot) {
    auto first = session_stream();
    auto second = session_stream();
    auto bytes = first.bytes;
    bytes.insert(bytes.end(), second.bytes.begin(), second.bytes.end());
    std::string error;
    auto records = parse_all(bytes, &error, 7);
    EXPECT_EQ(error, "");
    ASSERT_EQ(records.size(), 20u);
    EXPECT_EQ(records[9].actor.boot, 0u);
    EXPECT_EQ(records[10].actor.boot, 1u);
    EXPECT_EQ(records[10].actor.seq, 0u);
}

TEST_F(DecoderTest, ASecondBootStartsAnewWithoutGaps) {
    auto first = session_stream();
    first.tty(OYSTER_CAP_TTY_OPEN, "");  // a session the stop left open
    first.tty(OYSTER_CAP_TTY_IN, "id\r");
    auto second = session_stream();
    auto bytes = first.bytes;
    bytes.insert(bytes.end(), second.bytes.begin(), second.bytes.end());
    std::string error;
    auto events = decode(bytes, &error);
    EXPECT_EQ(error, "");
    std::size_t boots = 0, gaps = 0, execs = 0;
    for (const auto& e : events) {
        boots += e["type"] == "guest_boot";
        gaps += e["type"] == "capture_gap";
        execs += e["type"] == "exec";
    }
    EXPECT_EQ(boots, 1u);
    EXPECT_EQ(gaps, 0u);
    EXPECT_EQ(execs, 2u);
    // Each boot's terminal session has a recording of its own.
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "tty" / "pts-0-1.cast"));
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "tty" / "pts-0-2.cast"));
}

TEST_F(DecoderTest, ReportsGapsAndTruncation) {
    StreamBuilder s;
    oyster_cap_fork f{};
    s.record(OYSTER_CAP_FORK, 0, StreamBuilder::pod(f));
    s.next_seq = 5;  // records 1..4 lost
    s.record(OYSTER_CAP_FORK, 0, StreamBuilder::pod(f));
    s.bytes.resize(s.bytes.size() - 3);  // and the stream ends mid-record
    std::string error;
    auto events = decode(s.bytes, &error);
    EXPECT_NE(error.find("ends inside a record"), std::string::npos);
    bool error_event = false;
    for (const auto& e : events) error_event = error_event || e["type"] == "capture_error";
    EXPECT_TRUE(error_event);

    s.bytes.resize(s.bytes.size() + 3);
    std::filesystem::remove_all(dir / "out");
    events = decode(s.bytes, &error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2]["type"], "capture_gap");
    EXPECT_EQ(events[2]["expected_seq"], 1);
    EXPECT_EQ(events[2]["seq"], 5);
}

TEST_F(DecoderTest, LaterExecOfTheSameFileCarriesItsHash) {
    StreamBuilder s;
    auto seq = s.exec("/bin/x", {"x"}, 3, OYSTER_CAP_EXEC_CONTENT_FOLLOWS);
    s.content(seq, 0, 3, "abc", true);
    s.exec("/bin/x", {"x"}, 3, OYSTER_CAP_EXEC_CONTENT_SENT);
    auto events = decode(s.bytes);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[3]["content"], "sent_before");
    EXPECT_EQ(events[3]["sha256"], events[2]["sha256"]);
}

// A script run with sh and deleted: the guest kernel kept its content as
// the unlink came, and the decoder stores it beside executed files.
TEST_F(DecoderTest, KeptFilesAreStoredAndNamedAsKept) {
    StreamBuilder s;
    auto seq = s.kept("/tmp/x.sh", 8, OYSTER_CAP_EXEC_CONTENT_FOLLOWS);
    s.content(seq, 0, 8, "echo hi\n", true);
    s.kept("/tmp/big", 1 << 30, OYSTER_CAP_KEPT_OVER_BUDGET, 76, 44);  // truncate
    auto events = decode(s.bytes);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[1]["type"], "kept");
    EXPECT_EQ(events[1]["path"], "/tmp/x.sh");
    EXPECT_EQ(events[1]["syscall"], "unlink");
    EXPECT_EQ(events[1]["content"], "follows");
    EXPECT_EQ(events[1]["file"]["size"], 8);
    EXPECT_EQ(events[2]["type"], "kept_content");
    EXPECT_EQ(events[2]["exec_seq"], seq);
    EXPECT_EQ(events[2]["complete"], true);
    auto sha = events[2]["sha256"].get<std::string>();
    EXPECT_EQ(read(dir / "out" / "files" / sha), "echo hi\n");
    EXPECT_EQ(events[3]["syscall"], "truncate");
    EXPECT_EQ(events[3]["content"], "over_budget");
    EXPECT_FALSE(events[3].contains("sha256"));
}

// An executed file deleted afterwards is not sent again: the kept record
// names the hash the exec's content had.
TEST_F(DecoderTest, AKeptFileSentBeforeCarriesItsHash) {
    StreamBuilder s;
    auto seq = s.exec("/tmp/x", {"x"}, 3, OYSTER_CAP_EXEC_CONTENT_FOLLOWS);
    s.content(seq, 0, 3, "abc", true);
    s.kept("/tmp/x", 3, OYSTER_CAP_EXEC_CONTENT_SENT, 87, 42);
    auto events = decode(s.bytes);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2]["type"], "exec_content");
    EXPECT_EQ(events[3]["type"], "kept");
    EXPECT_EQ(events[3]["content"], "sent_before");
    EXPECT_EQ(events[3]["sha256"], events[2]["sha256"]);
}

TEST(CaptureParser, RejectsAKeptPathPastItsRecord) {
    StreamBuilder s;
    oyster_cap_kept k{};
    k.file_size = 1;
    k.path_len = 4096;
    s.record(OYSTER_CAP_KEPT, 0, StreamBuilder::pod(k) + "/tmp/x");
    std::string error;
    parse_all(s.bytes, &error);
    EXPECT_NE(error.find("kept path overruns the record"), std::string::npos) << error;
}

TEST_F(DecoderTest, SystemCallRecordsBecomeEvents) {
    StreamBuilder s;
    const std::uint8_t web[4] = {198, 51, 100, 80};
    s.connect4(-115, web, 80);  // EINPROGRESS
    s.file(OYSTER_CAP_FILE_RENAME, 316, 0, "/etc/nshadow", "/etc/shadow");
    s.file(OYSTER_CAP_FILE_UNLINK, 263, -2, "/tmp/gone");
    oyster_cap_cred c{};
    c.syscall = 105;
    c.args[0] = 1000;
    c.before.uid = c.before.euid = 0;
    c.after.uid = c.after.euid = 1000;
    s.record(OYSTER_CAP_CRED, 0, StreamBuilder::pod(c));
    oyster_cap_syscall m{};
    m.result = -1;  // EPERM
    m.syscall = 165;
    m.kind = OYSTER_CAP_SYSCALL_MOUNT;
    const std::string strings = std::string("/dev/sdb1\0/mnt\0ext4\0", 20);
    m.strings_len = static_cast<std::uint32_t>(strings.size());
    s.record(OYSTER_CAP_SYSCALL, 0, StreamBuilder::pod(m) + strings);

    std::string error;
    auto events = decode(s.bytes, &error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[1]["type"], "connect");
    EXPECT_EQ(events[1]["error"], "EINPROGRESS");
    EXPECT_EQ(events[1]["remote"], (nlohmann::json{{"family", "inet"}, {"address", "198.51.100.80"}, {"port", 80}}));
    EXPECT_EQ(events[1]["protocol"], "tcp");
    EXPECT_EQ(events[2]["op"], "rename");
    EXPECT_EQ(events[2]["syscall"], "renameat2");
    EXPECT_EQ(events[2]["new_path"], "/etc/shadow");
    EXPECT_EQ(events[3]["ok"], false);
    EXPECT_EQ(events[3]["error"], "ENOENT");
    EXPECT_EQ(events[4]["type"], "cred");
    EXPECT_EQ(events[4]["after"]["euid"], 1000);
    EXPECT_EQ(events[4]["changed"], true);
    EXPECT_EQ(events[5]["type"], "mount");
    EXPECT_EQ(events[5]["strings"], nlohmann::json::array({"/dev/sdb1", "/mnt", "ext4"}));
    EXPECT_EQ(events[5]["error"], "EPERM");
}

TEST_F(DecoderTest, LogDatagramsBecomeGuestLogEvents) {
    StreamBuilder s;
    auto log = [&](std::uint32_t socket, std::uint16_t flags, const std::string& datagram) {
        oyster_cap_log l{};
        l.socket = socket;
        l.len = static_cast<std::uint32_t>(datagram.size());
        s.record(OYSTER_CAP_LOG, flags, StreamBuilder::pod(l) + datagram);
    };
    log(OYSTER_CAP_LOG_SYSLOG, 0, "<86>Dec  5 07:00:01 sshd[812]: Accepted password for root from 203.0.113.10");
    log(OYSTER_CAP_LOG_JOURNAL, OYSTER_CAP_LOG_TRUNCATED,
        "MESSAGE=Started cron.service\nPRIORITY=6\nSYSLOG_IDENTIFIER=systemd\n");
    log(OYSTER_CAP_LOG_SYSLOG, 0, "<105>ntpd: clock stepped");  // facility 13: no name
    std::string error;
    auto events = decode(s.bytes, &error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[1]["type"], "guest_log");
    EXPECT_EQ(events[1]["socket"], "syslog");
    EXPECT_EQ(events[1]["ident"], "sshd");
    EXPECT_EQ(events[1]["claimed_pid"], 812);
    EXPECT_EQ(events[1]["facility"], "authpriv");
    EXPECT_EQ(events[1]["severity"], "info");
    EXPECT_EQ(events[1]["message"], "Accepted password for root from 203.0.113.10");
    EXPECT_EQ(events[1]["comm"], "bash");  // who really sent it: the record's header
    EXPECT_FALSE(events[1].contains("truncated"));
    EXPECT_EQ(events[2]["socket"], "journal");
    EXPECT_EQ(events[2]["ident"], "systemd");
    EXPECT_EQ(events[2]["message"], "Started cron.service");
    EXPECT_EQ(events[2]["truncated"], true);
    EXPECT_EQ(events[3]["facility"], "13");
    EXPECT_EQ(events[3]["severity"], "alert");
}

TEST(CaptureParser, RejectsHostileLogRecords) {
    auto error_of = [](std::uint32_t socket, std::uint32_t len, const std::string& data) {
        StreamBuilder s;
        oyster_cap_log l{};
        l.socket = socket;
        l.len = len;
        s.record(OYSTER_CAP_LOG, 0, StreamBuilder::pod(l) + data);
        std::string error;
        parse_all(s.bytes, &error);
        return error;
    };
    EXPECT_NE(error_of(3, 2, "hi").find("names no log socket"), std::string::npos);
    EXPECT_NE(error_of(OYSTER_CAP_LOG_SYSLOG, OYSTER_CAP_LOG_MAX + 1, "x").find("over the limit"), std::string::npos);
    EXPECT_NE(error_of(OYSTER_CAP_LOG_SYSLOG, 100, "short").find("overruns"), std::string::npos);
    EXPECT_EQ(error_of(OYSTER_CAP_LOG_SYSLOG, 5, "short"), "");
}

TEST_F(DecoderTest, SocketEventTypeIsNotTheGuestsToChoose) {
    StreamBuilder s;
    oyster_cap_socket so{};
    so.syscall = 59;  // execve: a forged number must not make an "execve" event
    s.record(OYSTER_CAP_SOCKET, 0, StreamBuilder::pod(so));
    auto events = decode(s.bytes);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1]["type"], "socket");
    EXPECT_EQ(events[1]["syscall"], "59");
}

TEST(CaptureParser, RejectsHostileSystemCallRecords) {
    auto expect_error = [](StreamBuilder& s, const char* what) {
        std::string error;
        parse_all(s.bytes, &error);
        EXPECT_NE(error.find(what), std::string::npos) << error;
    };
    {
        StreamBuilder s;
        oyster_cap_socket so{};
        so.local_len = 129;  // longer than any sockaddr
        s.record(OYSTER_CAP_SOCKET, 0, StreamBuilder::pod(so) + std::string(129, 'a'));
        expect_error(s, "longer than a sockaddr_storage");
    }
    {
        StreamBuilder s;
        oyster_cap_file f{};
        f.op = 1;
        f.path_len = 0xffffffffU;  // past the record
        s.record(OYSTER_CAP_FILE, 0, StreamBuilder::pod(f) + "abc");
        expect_error(s, "overrun");
    }
    {
        StreamBuilder s;
        oyster_cap_file f{};
        f.op = 99;
        s.record(OYSTER_CAP_FILE, 0, StreamBuilder::pod(f));
        expect_error(s, "file op 99 unknown");
    }
    {
        StreamBuilder s;
        oyster_cap_syscall m{};
        m.kind = 0;
        s.record(OYSTER_CAP_SYSCALL, 0, StreamBuilder::pod(m));
        expect_error(s, "syscall kind 0 unknown");
    }
}

TEST(SocketAddress, RendersOnlyTheBytesGiven) {
    EXPECT_TRUE(socket_address_json({}).is_null());
    const std::uint8_t short_inet[] = {2, 0, 0, 80};  // no room for the address
    EXPECT_EQ(socket_address_json(short_inet)["hex"], "0050");
    const std::uint8_t unix_unterminated[] = {1, 0, '/', 'd', 'e', 'v'};
    EXPECT_EQ(socket_address_json(unix_unterminated)["path"], "/dev");
    const std::uint8_t abstract[] = {1, 0, 0, 'x'};
    EXPECT_EQ(socket_address_json(abstract)["path"], "@x");
    std::uint8_t in6[28] = {10, 0, 0, 22};
    in6[8 + 15] = 1;
    EXPECT_EQ(socket_address_json(in6)["address"], "::1");
    EXPECT_EQ(socket_address_json(in6)["port"], 22);
}

// A guest's root can forge records for any number of terminals and of
// executed files arriving at once; the decoder runs in the sensor.
TEST_F(DecoderTest, ManyTerminalsKeepFewFilesOpenAndRecordEverything) {
    StreamBuilder s;
    constexpr unsigned kTerminals = 100;
    auto on = [&](unsigned tty, std::uint16_t type, const std::string& data) {
        oyster_cap_tty t{};
        t.tty = (136U << 8) | tty;
        t.len = static_cast<std::uint32_t>(data.size());
        s.record(type, 0, StreamBuilder::pod(t) + data);
    };
    for (unsigned tty = 0; tty < kTerminals; ++tty) on(tty, OYSTER_CAP_TTY_OPEN, "");
    for (int round = 0; round < 3; ++round) {
        for (unsigned tty = 0; tty < kTerminals; ++tty)
            on(tty, OYSTER_CAP_TTY_OUT, fmt::format("t{}-r{}\r\n", tty, round));
    }
    for (unsigned tty = 0; tty < kTerminals; ++tty) on(tty, OYSTER_CAP_TTY_CLOSE, "");
    CaptureParser parser;
    parser.feed(s.bytes);
    CaptureDecoder decoder(dir / "out");
    decoder.on_header(*parser.header());
    std::size_t most_open = 0;
    for (const auto& r : parser.take()) {
        decoder.on_record(r);
        most_open = std::max(most_open, decoder.tty_files_open());
    }
    decoder.finish();
    EXPECT_LE(most_open, CaptureDecoder::kMaxOpenTtyFiles);
    EXPECT_EQ(decoder.stats().tty_sessions, kTerminals);
    auto recordings = list_tty_recordings(dir / "out");
    ASSERT_EQ(recordings.size(), kTerminals);
    for (const auto& rec : recordings) {
        std::string cast = read(rec.cast);
        // Every session's three lines, in order, after its header: parked
        // and reopened files append, never truncate.
        auto first = cast.find("-r0"), second = cast.find("-r1"), third = cast.find("-r2");
        EXPECT_NE(first, std::string::npos) << rec.name;
        EXPECT_LT(first, second) << rec.name;
        EXPECT_LT(second, third) << rec.name;
        EXPECT_NE(cast.substr(0, cast.find('\n')).find("\"version\":2"), std::string::npos) << rec.name;
        EXPECT_LT(cast.find('\n'), first) << rec.name << ": the header is first";
    }
}

TEST_F(DecoderTest, TooManyFilesArrivingAtOnceAreRefusedNotHeld) {
    StreamBuilder s;
    std::vector<std::uint64_t> execs;
    for (int i = 0; i < 20; ++i) {
        execs.push_back(s.exec(fmt::format("/tmp/x{}", i), {"x"}, 8, OYSTER_CAP_EXEC_CONTENT_FOLLOWS));
        s.content(execs.back(), 0, 8, fmt::format("part{:02}", i).substr(0, 4), false);
    }
    for (int i = 0; i < 20; ++i) s.content(execs[static_cast<std::size_t>(i)], 4, 8, fmt::format("{:04}", i), true);
    CaptureParser parser;
    parser.feed(s.bytes);
    CaptureDecoder decoder(dir / "out");
    decoder.on_header(*parser.header());
    std::size_t most = 0;
    for (const auto& r : parser.take()) {
        decoder.on_record(r);
        most = std::max(most, decoder.contents_pending());
    }
    decoder.finish();
    EXPECT_EQ(most, CaptureDecoder::kMaxPendingContents);
    EXPECT_EQ(decoder.stats().files_stored, CaptureDecoder::kMaxPendingContents);
    std::ifstream in(dir / "out" / "events.jsonl");
    unsigned refused = 0, kept = 0;
    for (std::string line; std::getline(in, line);) {
        auto e = nlohmann::json::parse(line);
        if (e["type"] != "exec_content") continue;
        if (e.value("complete", false)) ++kept;
        if (e.contains("error") && e["error"].get<std::string>().find("at once") != std::string::npos) ++refused;
    }
    EXPECT_EQ(kept, CaptureDecoder::kMaxPendingContents);
    EXPECT_EQ(refused, 20 - CaptureDecoder::kMaxPendingContents);
}

}  // namespace
}  // namespace oyster::capture
