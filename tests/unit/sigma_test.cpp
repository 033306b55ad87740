// The Sigma engine, one construct at a time, each against a rule written
// for it; then the capture mapping and the live detector over records.
#include <gtest/gtest.h>

#include <fstream>

#include <set>
#include "oyster/common/paths.h"

#include "oyster/detection/capture_mapping.h"
#include "oyster/detection/literal_scanner.h"
#include "oyster/detection/live_detector.h"
#include "oyster/detection/sigma_ruleset.h"
#include "temp_dir.h"

namespace oyster::detection {
namespace {

// A process_creation rule with `detection` as its detection block.
std::string rule(const std::string& detection, const std::string& category = "process_creation") {
    return "title: test rule\nid: 0f6f4a5e-0000-4000-8000-000000000001\nlevel: high\n"
           "tags: [attack.persistence, attack.t1053.003]\n"
           "logsource:\n  product: linux\n  category: " +
           category + "\ndetection:\n" + detection;
}

SigmaEvent exec_event(const std::string& image, const std::string& command_line,
                      const std::string& parent_image = "/bin/bash") {
    SigmaEvent e("process_creation");
    e.set("Image", image);
    e.set("CommandLine", command_line);
    e.set("ParentImage", parent_image);
    e.set("User", "root");
    return e;
}

bool matches(const std::string& detection, const SigmaEvent& e) {
    return parse_sigma_rule(rule(detection), "test.yml").matches(e);
}

TEST(SigmaTest, PlainValueIsWholeFieldCaseInsensitive) {
    std::string d = "  sel:\n    Image: /usr/bin/Crontab\n  condition: sel\n";
    EXPECT_TRUE(matches(d, exec_event("/usr/bin/crontab", "crontab -e")));
    EXPECT_FALSE(matches(d, exec_event("/usr/bin/crontab2", "crontab -e")));
}

TEST(SigmaTest, WildcardsAndEscapes) {
    EXPECT_TRUE(matches("  sel:\n    Image: '/usr/*/cron?ab'\n  condition: sel\n", exec_event("/usr/bin/crontab", "")));
    EXPECT_FALSE(matches("  sel:\n    Image: '/usr/*/cron?ab'\n  condition: sel\n", exec_event("/usr/bin/cronab", "")));
    // An escaped star is a star.
    std::string d = "  sel:\n    CommandLine|contains: 'a\\*b'\n  condition: sel\n";
    EXPECT_TRUE(matches(d, exec_event("/bin/x", "x a*b")));
    EXPECT_FALSE(matches(d, exec_event("/bin/x", "x axxb")));
}

TEST(SigmaTest, ContainsStartsWithEndsWith) {
    EXPECT_TRUE(matches("  s:\n    CommandLine|contains: 'HISTORY -c'\n  condition: s\n",
                        exec_event("/bin/bash", "bash -c history -c")));
    EXPECT_TRUE(matches("  s:\n    Image|startswith: /tmp/\n  condition: s\n", exec_event("/tmp/x", "")));
    EXPECT_FALSE(matches("  s:\n    Image|startswith: /tmp/\n  condition: s\n", exec_event("/var/tmp/x", "")));
    EXPECT_TRUE(matches("  s:\n    Image|endswith: /xmrig\n  condition: s\n", exec_event("/dev/shm/xmrig", "")));
    EXPECT_THROW(parse_sigma_rule(rule("  s:\n    Image|contains|endswith: x\n  condition: s\n"), "t"), SigmaRuleError);
}

TEST(SigmaTest, ListsAreAnyUnlessAll) {
    std::string any = "  s:\n    CommandLine|contains:\n      - curl\n      - wget\n  condition: s\n";
    EXPECT_TRUE(matches(any, exec_event("/bin/sh", "sh -c 'wget x'")));
    std::string all = "  s:\n    CommandLine|contains|all:\n      - curl\n      - '| sh'\n  condition: s\n";
    EXPECT_FALSE(matches(all, exec_event("/bin/sh", "sh -c 'curl x'")));
    EXPECT_TRUE(matches(all, exec_event("/bin/sh", "sh -c 'curl x | sh'")));
}

TEST(SigmaTest, MapIsAllFieldsListOfMapsIsAny) {
    std::string map = "  s:\n    Image|endswith: /chattr\n    CommandLine|contains: ' +i'\n  condition: s\n";
    EXPECT_TRUE(matches(map, exec_event("/usr/bin/chattr", "chattr +i /etc/passwd")));
    EXPECT_FALSE(matches(map, exec_event("/usr/bin/chattr", "chattr -i /etc/passwd")));
    std::string maps = "  s:\n    - Image: /bin/a\n    - Image: /bin/b\n  condition: s\n";
    EXPECT_TRUE(matches(maps, exec_event("/bin/b", "")));
    EXPECT_FALSE(matches(maps, exec_event("/bin/c", "")));
}

TEST(SigmaTest, RegexIsRe2AndCaseSensitiveUnlessI) {
    std::string d = "  s:\n    CommandLine|re: '\\|\\s*(ba)?sh\\b'\n  condition: s\n";
    EXPECT_TRUE(matches(d, exec_event("/bin/sh", "curl x |  bash")));
    EXPECT_FALSE(matches(d, exec_event("/bin/sh", "curl x | bashful")));
    EXPECT_FALSE(matches("  s:\n    CommandLine|re: 'XMRIG'\n  condition: s\n", exec_event("/x", "xmrig")));
    EXPECT_TRUE(matches("  s:\n    CommandLine|re|i: 'XMRIG'\n  condition: s\n", exec_event("/x", "xmrig")));
    // RE2 has no back-references: a load error, not a rule that never matches.
    try {
        parse_sigma_rule(rule("  s:\n    CommandLine|re: '(a)\\1'\n  condition: s\n"), "t");
        FAIL();
    } catch (const SigmaRuleError& e) {
        EXPECT_NE(std::string(e.what()).find("RE2"), std::string::npos) << e.what();
    }
}

TEST(SigmaTest, Cidr) {
    auto r = parse_sigma_rule(rule("  s:\n    DestinationIp|cidr:\n      - 192.0.2.0/24\n      - '2001:db8::/32'\n"
                                   "  condition: s\n",
                                   "network_connection"),
                              "t");
    auto conn = [](const std::string& ip) {
        SigmaEvent e("network_connection");
        e.set("DestinationIp", ip);
        return e;
    };
    EXPECT_TRUE(r.matches(conn("192.0.2.77")));
    EXPECT_FALSE(r.matches(conn("192.0.3.1")));
    EXPECT_TRUE(r.matches(conn("2001:db8:1::5")));
    EXPECT_FALSE(r.matches(conn("not an address")));
    EXPECT_THROW(parse_sigma_rule(rule("  s:\n    DestinationIp|cidr: 10.0.0.0/33\n  condition: s\n"), "t"),
                 SigmaRuleError);
}

TEST(SigmaTest, Base64AndBase64Offset) {
    // "curl" in base64 at each of its three offsets inside a longer text.
    std::string d = "  s:\n    CommandLine|base64offset|contains: 'curl '\n  condition: s\n";
    EXPECT_TRUE(matches(d, exec_event("/bin/sh", "echo Y3VybCBodHRw | base64 -d")));      // "curl http"
    EXPECT_TRUE(matches(d, exec_event("/bin/sh", "echo eCBjdXJsIGh0dHA= | base64 -d")));  // "x curl http"
    EXPECT_TRUE(matches(d, exec_event("/bin/sh", "echo eHggY3VybCBodHRw | base64 -d")));  // "xx curl http"
    EXPECT_FALSE(matches(d, exec_event("/bin/sh", "echo d2dldCBodHRw | base64 -d")));     // "wget http"
    EXPECT_TRUE(matches("  s:\n    CommandLine|base64|contains: 'curl'\n  condition: s\n",
                        exec_event("/bin/sh", "x Y3VybA== y")));
}

TEST(SigmaTest, NumbersExistsAndNull) {
    auto port = [](const std::string& p) {
        SigmaEvent e("network_connection");
        e.set("DestinationPort", p);
        return e;
    };
    auto r = parse_sigma_rule(
        rule("  s:\n    DestinationPort:\n      - 3333\n      - 6667\n  condition: s\n", "network_connection"), "t");
    EXPECT_TRUE(r.matches(port("6667")));
    EXPECT_FALSE(r.matches(port("66670")));
    auto high =
        parse_sigma_rule(rule("  s:\n    DestinationPort|gte: 1024\n  condition: s\n", "network_connection"), "t");
    EXPECT_TRUE(high.matches(port("1024")));
    EXPECT_FALSE(high.matches(port("80")));
    EXPECT_TRUE(matches("  s:\n    ParentImage|exists: true\n  condition: s\n", exec_event("/x", "")));
    EXPECT_FALSE(matches("  s:\n    CurrentDirectory|exists: true\n  condition: s\n", exec_event("/x", "")));
    EXPECT_TRUE(matches("  s:\n    CurrentDirectory: null\n  condition: s\n", exec_event("/x", "")));
    EXPECT_TRUE(matches("  s:\n    ParentImage: null\n  condition: s\n", exec_event("/x", "", "")));
}

TEST(SigmaTest, Keywords) {
    std::string d = "  keywords:\n    - 'stratum+tcp'\n    - 'nicehash'\n  condition: keywords\n";
    EXPECT_TRUE(matches(d, exec_event("/x", "./x -o stratum+tcp://pool:3333")));
    EXPECT_FALSE(matches(d, exec_event("/x", "./x")));
}

TEST(SigmaTest, ConditionsAndOrNotParenthesesOf) {
    std::string sel =
        "  sel_a:\n    Image|endswith: /a\n  sel_b:\n    CommandLine|contains: bee\n"
        "  filter:\n    User: nobody\n";
    auto m = [&](const std::string& condition, const SigmaEvent& e) {
        return matches(sel + "  condition: " + condition + "\n", e);
    };
    auto a_bee = exec_event("/bin/a", "a bee");
    auto a_only = exec_event("/bin/a", "a");
    EXPECT_TRUE(m("sel_a and sel_b", a_bee));
    EXPECT_FALSE(m("sel_a and sel_b", a_only));
    EXPECT_TRUE(m("sel_a or sel_b", a_only));
    EXPECT_TRUE(m("sel_a and not filter", a_only));
    EXPECT_FALSE(m("not (sel_a or sel_b)", a_only));
    EXPECT_TRUE(m("1 of sel_*", a_only));
    EXPECT_FALSE(m("all of sel_*", a_only));
    EXPECT_TRUE(m("all of sel_* and not filter", a_bee));
    EXPECT_FALSE(m("all of them", a_bee));  // filter does not hold
    EXPECT_TRUE(m("1 of them", a_only));
    EXPECT_TRUE(m("(sel_a and (sel_b or filter)) or filter", a_bee));
}

TEST(SigmaTest, ConditionErrorsNameTheProblem) {
    std::string sel = "  sel:\n    Image: /a\n";
    auto error = [&](const std::string& condition) {
        try {
            parse_sigma_rule(rule(sel + "  condition: '" + condition + "'\n"), "t");
        } catch (const SigmaRuleError& e) {
            return std::string(e.what());
        }
        return std::string("loaded");
    };
    EXPECT_NE(error("sel | count() > 5").find("aggregations"), std::string::npos);
    EXPECT_NE(error("other").find("no selection is named 'other'"), std::string::npos);
    EXPECT_NE(error("1 of x_*").find("no selection fits"), std::string::npos);
    EXPECT_NE(error("(sel").find("not closed"), std::string::npos);
    EXPECT_NE(error("sel and").find("ends too early"), std::string::npos);
    EXPECT_NE(error(std::string(200, '(') + "sel" + std::string(200, ')')).find("too deep"), std::string::npos);
}

TEST(SigmaTest, UnsupportedConstructsAreLoadErrors) {
    auto error = [](const std::string& text) {
        try {
            parse_sigma_rule(text, "t");
        } catch (const SigmaRuleError& e) {
            return std::string(e.what());
        }
        return std::string("loaded");
    };
    EXPECT_NE(error(rule("  s:\n    CommandLine|windash|contains: -x\n  condition: s\n")).find("'windash'"),
              std::string::npos);
    EXPECT_NE(error(rule("  s:\n    Image: /a\n  timeframe: 5m\n  condition: s\n")).find("timeframe"),
              std::string::npos);
    EXPECT_NE(error(rule("  s:\n    Image: /a\n  condition: s\n") + "---\naction: repeat\n").find("multi-document"),
              std::string::npos);
    EXPECT_NE(error("title: [unclosed").find("not YAML"), std::string::npos);
    // Bounds: a rule set from the internet must not take the sensor's memory.
    std::string globs = "  s:\n    Image:\n";
    for (int i = 0; i < 65; ++i) globs += "      - '/a*b" + std::to_string(i) + "*c'\n";
    EXPECT_NE(error(rule(globs + "  condition: s\n")).find("at most 64"), std::string::npos);
    std::string many = "  s:\n    Image|contains:\n";
    for (int i = 0; i < 4097; ++i) many += "      - v" + std::to_string(i) + "\n";
    EXPECT_NE(error(rule(many + "  condition: s\n")).find("more than 4096 values"), std::string::npos);
    EXPECT_NE(error("logsource: {product: linux}\n").find("title"), std::string::npos);
}

class SigmaRuleSetTest : public oyster::testing::TempDirTest {};

TEST_F(SigmaRuleSetTest, ReportsEveryFileItDoesNotLoad) {
    auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
    write("good.yml", rule("  s:\n    Image|endswith: /crontab\n  condition: s\n"));
    write("windows.yml",
          "title: w\nlogsource:\n  product: windows\n  category: process_creation\n"
          "detection:\n  s:\n    Image: x\n  condition: s\n");
    write("auditd.yaml",
          "title: a\nlogsource:\n  product: linux\n  service: auditd\n"
          "detection:\n  s:\n    type: EXECVE\n  condition: s\n");
    write("unknown_field.yml", rule("  s:\n    LogonId: 5\n  condition: s\n"));
    write("broken.yml", "title: [");
    write("notes.txt", "not a rule");
    auto set = SigmaRuleSet::load({dir, dir / "missing"});
    ASSERT_EQ(set.rules().size(), 1u);
    EXPECT_EQ(set.rules()[0].techniques(), std::vector<std::string>{"T1053.003"});
    ASSERT_EQ(set.problems().size(), 5u);
    EXPECT_EQ(set.errors(), 3u);  // broken, unknown_field, missing directory
    for (const auto& p : set.problems()) {
        if (p.file.ends_with("unknown_field.yml")) {
            EXPECT_NE(p.reason.find("'LogonId' is not in the process_creation mapping"), std::string::npos);
        }
        if (p.file.ends_with("windows.yml") || p.file.ends_with("auditd.yaml")) {
            EXPECT_TRUE(p.skipped) << p.file;
        }
    }
    std::vector<const SigmaRule*> hits;
    set.match(exec_event("/usr/bin/crontab", "crontab /tmp/c"), hits);
    EXPECT_EQ(hits.size(), 1u);
    hits.clear();
    SigmaEvent other("file_event");
    other.set("Image", "/usr/bin/crontab");
    set.match(other, hits);
    EXPECT_TRUE(hits.empty());  // a rule reads its own category only
}

TEST(SigmaTest, ShippedRulesAllLoad) {
    auto set = SigmaRuleSet::load({std::filesystem::path(OYSTER_SOURCE_DIR) / "rules" / "sigma"});
    for (const auto& p : set.problems()) ADD_FAILURE() << p.file << ": " << p.reason;
    EXPECT_GE(set.rules().size(), 25u);
    for (const auto& r : set.rules()) {
        EXPECT_FALSE(r.techniques().empty()) << r.file << " has no ATT&CK technique";
        EXPECT_FALSE(r.id.empty()) << r.file;
    }
}

capture::Record record(std::uint32_t tgid, std::uint32_t ppid, capture::RecordBody body, std::uint64_t seq = 1) {
    capture::Record r;
    r.actor.seq = seq;
    r.actor.time_ns = 1796630400ULL * 1000000000ULL;
    r.actor.pid = r.actor.tgid = tgid;
    r.actor.ppid = ppid;
    r.body = std::move(body);
    return r;
}

capture::Record exec(std::uint32_t tgid, std::uint32_t ppid, const std::string& path, std::vector<std::string> argv,
                     std::uint64_t seq = 1) {
    capture::ExecRecord e;
    e.filename = e.path = path;
    e.cwd = "/root";
    e.argv = std::move(argv);
    e.argc = static_cast<std::uint32_t>(e.argv.size());
    return record(tgid, ppid, e, seq);
}

TEST(SigmaTest, MappingKnowsParentsFromForksAndExecs) {
    ProcessTable table;
    table.observe(exec(100, 1, "/usr/sbin/sshd", {"sshd: root@pts/0"}));
    capture::ForkRecord fork;
    fork.child_pid = fork.child_tgid = 200;
    table.observe(record(100, 1, fork));
    auto bash = exec(200, 100, "/usr/bin/bash", {"-bash"});
    auto ev = sigma_event_for(bash, table);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->category(), "process_creation");
    EXPECT_EQ(ev->get("Image")->text, "/usr/bin/bash");
    EXPECT_EQ(ev->get("ParentImage")->text, "/usr/sbin/sshd");
    EXPECT_EQ(ev->get("ParentCommandLine")->text, "sshd: root@pts/0");
    EXPECT_EQ(ev->get("CurrentDirectory")->text, "/root");
    EXPECT_EQ(ev->get("User")->text, "root");
    table.observe(bash);
    // A thread is not a process; an exit of the whole group removes it.
    capture::ForkRecord thread;
    thread.clone_flags = capture::kCloneThread;
    thread.child_pid = 201;
    thread.child_tgid = 200;
    table.observe(record(200, 100, thread));
    EXPECT_EQ(table.size(), 2u);
    capture::ExitRecord exit;
    exit.thread_group_dead = true;
    table.observe(record(200, 100, exit));
    EXPECT_EQ(table.find(200), nullptr);
}

TEST(SigmaTest, MappingOfFilesConnectsAndLogins) {
    ProcessTable table;
    table.observe(exec(300, 1, "/tmp/.x/dropper", {"./dropper"}));
    capture::FileRecord rm;
    rm.op = capture::FileOp::unlink;
    rm.path = "/tmp/.x/dropper";
    auto del = sigma_event_for(record(301, 1, rm), table);
    ASSERT_TRUE(del);
    EXPECT_EQ(del->category(), "file_delete");
    EXPECT_EQ(del->get("TargetImageRunning")->text, "true");
    capture::FileRecord failed = rm;
    failed.result = -2;
    EXPECT_FALSE(sigma_event_for(record(301, 1, failed), table));
    capture::FileRecord mv;
    mv.op = capture::FileOp::rename;
    mv.path = "/tmp/k";
    mv.path2 = "/root/.ssh/authorized_keys";
    auto ren = sigma_event_for(record(300, 1, mv), table);
    ASSERT_TRUE(ren);
    EXPECT_EQ(ren->get("TargetFilename")->text, "/root/.ssh/authorized_keys");
    EXPECT_EQ(ren->get("SourceFilename")->text, "/tmp/k");
    EXPECT_EQ(ren->get("Image")->text, "/tmp/.x/dropper");

    capture::SocketRecord c;
    c.syscall = 42;   // connect
    c.result = -115;  // EINPROGRESS: begun
    c.family = 2;
    c.sock_type = 1;
    c.protocol = 6;
    c.remote = {2, 0, 0x0d, 0x05, 198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 0, 0};  // 198.51.100.7:3333
    auto conn = sigma_event_for(record(300, 1, c), table);
    ASSERT_TRUE(conn);
    EXPECT_EQ(conn->get("DestinationIp")->text, "198.51.100.7");
    EXPECT_EQ(conn->get("DestinationPort")->text, "3333");
    EXPECT_EQ(conn->get("Protocol")->text, "tcp");
    c.remote.resize(5);  // too short for its family: no event, no overread
    EXPECT_FALSE(sigma_event_for(record(300, 1, c), table));
}

TEST(SigmaTest, LiveDetectorRaisesEachRuleOncePerGuest) {
    auto set = std::make_shared<SigmaRuleSet>(
        SigmaRuleSet::load({std::filesystem::path(OYSTER_SOURCE_DIR) / "rules" / "sigma"}));
    LiveDetector d(set);
    std::vector<events::Alert> alerts;
    // The boot's records teach the table but raise nothing.
    d.observe(exec(50, 1, "/usr/sbin/cron", {"/usr/sbin/cron", "-f"}), false, alerts);
    d.observe(exec(60, 1, "/usr/bin/crontab", {"crontab", "/tmp/c"}), false, alerts);
    EXPECT_TRUE(alerts.empty());
    d.observe(exec(70, 1, "/usr/bin/crontab", {"crontab", "/tmp/c"}, 77), true, alerts);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].rule, "Crontab installed or edited");
    EXPECT_EQ(alerts[0].engine, "sigma");
    EXPECT_EQ(alerts[0].seq, 77u);
    EXPECT_EQ(alerts[0].detail, "crontab /tmp/c");
    EXPECT_EQ(alerts[0].category, "process_creation");
    EXPECT_NE(std::find(alerts[0].tags.begin(), alerts[0].tags.end(), "attack.t1053.003"), alerts[0].tags.end());
    for (int i = 0; i < 40; ++i) d.observe(exec(71, 1, "/usr/bin/crontab", {"crontab", "/tmp/c"}), true, alerts);
    EXPECT_EQ(alerts.size(), 1u);
    d.observe(exec(72, 1, "/usr/bin/crontab", {"crontab", "-l"}), true, alerts);
    d.observe(exec(73, 1, "/dev/shm/xmrig", {"./xmrig", "-o", "stratum+tcp://pool.example:3333"}), true, alerts);
    ASSERT_EQ(alerts.size(), 3u);  // the miner and running from /dev/shm
    EXPECT_EQ(d.raised(), 3u);
}

TEST(SigmaTest, LiteralScannerFindsOverlappingLiterals) {
    LiteralScanner s;
    auto he = s.add("he"), she = s.add("she"), hers = s.add("hers"), his = s.add("his");
    EXPECT_EQ(s.add("she"), she);
    s.build();
    std::set<std::uint32_t> found;
    s.scan("ushers", [&](std::uint32_t id) { found.insert(id); });
    EXPECT_EQ(found, (std::set<std::uint32_t>{he, she, hers}));
    found.clear();
    s.scan("this", [&](std::uint32_t id) { found.insert(id); });
    EXPECT_EQ(found, (std::set<std::uint32_t>{his}));
}

TEST(SigmaTest, RequiredLiteralsFollowTheCondition) {
    auto lits = [](const std::string& detection) { return parse_sigma_rule(rule(detection), "t").required_literals(); };
    auto sel = lits("  s:\n    Image|endswith: [/a, /b]\n    CommandLine|contains: xyz\n  condition: s\n");
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, (std::vector<RequiredLiteral>{{"CommandLine", "xyz"}}));  // one text beats two
    // A negation alone, a regular expression, keywords: nothing to require.
    EXPECT_FALSE(lits("  f:\n    Image: /a\n  condition: not f\n"));
    EXPECT_FALSE(lits("  s:\n    CommandLine|re: '.ab'\n  condition: s\n"));
    EXPECT_FALSE(lits("  s:\n    CommandLine|re: 'curl|wget'\n  condition: s\n"));
    // A regular expression's plain start is required (less a quantified
    // last character).
    auto re = lits("  s:\n    CommandLine|re: '^Curl -s+'\n  condition: s\n");
    ASSERT_TRUE(re);
    EXPECT_EQ(re->front().text, "curl -s");  // `+`: at least once
    auto optional = lits("  s:\n    CommandLine|re: 'Curl -s?x'\n  condition: s\n");
    ASSERT_TRUE(optional);
    EXPECT_EQ(optional->front().text, "curl -");
    EXPECT_FALSE(lits("  k:\n    - word\n  condition: k\n"));
    // Or: both sides' texts; and with a negation: the positive side's.
    auto either = lits("  a:\n    Image|endswith: /a\n  b:\n    Image|endswith: /b\n  condition: a or b\n");
    ASSERT_TRUE(either);
    EXPECT_EQ(either->size(), 2u);
    auto filtered = lits("  a:\n    Image|endswith: /a\n  f:\n    User: root\n  condition: a and not f\n");
    ASSERT_TRUE(filtered);
    EXPECT_EQ(*filtered, (std::vector<RequiredLiteral>{{"Image", "/a"}}));
    // A wildcard value: its longest piece; `all`: the longest value.
    auto glob = lits("  s:\n    CommandLine: '*wget*HTTP://x*'\n  condition: s\n");
    ASSERT_TRUE(glob);
    EXPECT_EQ(glob->front().text, "http://x");
    auto all = lits("  s:\n    CommandLine|contains|all: [ab, abcd]\n  condition: s\n");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->front().text, "abcd");
}

// The prefilter never hides a match: over the shipped rules and the
// generated shapes, every event gets exactly the rules that match it one
// by one.
TEST(SigmaTest, PrefilterMatchesWhatEveryRuleMatches) {
    auto set = SigmaRuleSet::load({std::filesystem::path(OYSTER_SOURCE_DIR) / "rules" / "sigma"});
    set.add(rule("  s:\n    CommandLine|re: 'x[0-9]+ --[a-z]+'\n  condition: s\n"), "re.yml");
    set.add(rule("  s:\n    CommandLine: '*wget*http*x5*'\n  f:\n    User: nobody\n  condition: s and not f\n"),
            "glob.yml");
    const std::vector<std::string> words = {"/usr/bin/crontab",
                                            "-l",
                                            "/tmp/x",
                                            "xmrig",
                                            "stratum+tcp://p:3333",
                                            "history -c",
                                            "/dev/tcp/1.2.3.4/6667",
                                            "wget http://x5",
                                            "| sh",
                                            "curl",
                                            "chattr",
                                            "+i",
                                            "/etc/shadow",
                                            "x12 --ab",
                                            "/usr/sbin/useradd",
                                            "sudo"};
    std::uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
    std::size_t matched = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string image = words[next() % words.size()], cli;
        for (int w = 0; w < 4; ++w) cli += words[next() % words.size()] + (next() % 2 ? " " : "");
        auto e = exec_event(image, next() % 3 == 0 ? ascii_lower(cli) : cli);
        std::vector<const SigmaRule*> fast;
        set.match(e, fast);
        std::vector<const SigmaRule*> slow;
        for (const auto& r : set.rules()) {
            if (r.logsource.category == "process_creation" && r.matches(e)) slow.push_back(&r);
        }
        ASSERT_EQ(fast, slow) << image << " | " << cli;
        matched += slow.size();
    }
    EXPECT_GT(matched, 100u);  // the events did hit rules
    EXPECT_LT(set.unfiltered("process_creation"), 3u);
}

}  // namespace
}  // namespace oyster::detection
