#include "control/policy/policy_loader.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace spamwall {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* d = std::getenv("SPAMWALL_SOURCE_DIR");
  return d ? d : ".";
}

// Loads text as a policy and returns every diagnostic as one string.
std::string Refusal(const std::string& text) {
  Diagnostics diag;
  auto p = LoadPolicyText(text, "p.yaml", "", &diag);
  EXPECT_FALSE(p.has_value()) << text;
  return diag.ToString();
}

TEST(PolicyLoaderTest, ExamplePolicyLoads) {
  Diagnostics diag;
  auto p = LoadPolicyFile(SourceDir() + "/examples/policy.yaml", &diag);
  ASSERT_TRUE(p.has_value()) << diag.ToString();
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->consumer.size(), 2u);
  EXPECT_EQ(p->business.size(), 2u);  // from pools/business.txt
  EXPECT_EQ(p->mx_servers.size(), 2u);
  ASSERT_EQ(p->exemptions.size(), 1u);
  EXPECT_EQ(p->exemptions[0].owner, "ticket-4411");
  EXPECT_EQ(p->smtp_flow_rate, 64u);
}

TEST(PolicyLoaderTest, MinimalPolicyGetsSafeDefaults) {
  Diagnostics diag;
  auto p = LoadPolicyText("version: 1\n", "p.yaml", "", &diag);
  ASSERT_TRUE(p.has_value()) << diag.ToString();
  ASSERT_EQ(p->smtp_ports.size(), 1u);
  EXPECT_EQ(p->smtp_ports[0].port, 25);
  EXPECT_EQ(p->submission_ports.size(), 2u);
}

TEST(PolicyLoaderTest, YamlSyntaxError) {
  std::string r = Refusal("version: 1\nsubscribers:\n  consumer: [10.0.0.0/8\n");
  EXPECT_NE(r.find("p.yaml:"), std::string::npos) << r;
  EXPECT_NE(r.find("YAML syntax error"), std::string::npos) << r;
}

TEST(PolicyLoaderTest, UnknownKeysAtEveryLevel) {
  EXPECT_NE(Refusal("version: 1\nmodee: enforce\n").find("p.yaml:2:1: unknown key 'modee'"),
            std::string::npos);
  EXPECT_NE(Refusal("version: 1\nmail:\n  smtp_port: [25]\n").find("p.yaml:3:3: unknown key 'smtp_port' in mail"),
            std::string::npos);
  EXPECT_NE(Refusal("version: 1\nexemptions:\n  - {prefix: 100.64.0.1, owner: a, reason: b, expires: 2099-01-01, ticket: 1}\n")
                .find("unknown key 'ticket' in exemption"),
            std::string::npos);
}

TEST(PolicyLoaderTest, DuplicateKeys) {
  EXPECT_NE(Refusal("version: 1\nmode: enforce\nmode: monitor\n").find("p.yaml:3:1: duplicate key 'mode'"),
            std::string::npos);
}

TEST(PolicyLoaderTest, MissingOrOtherVersion) {
  EXPECT_NE(Refusal("mode: enforce\n").find("missing required key 'version'"), std::string::npos);
  EXPECT_NE(Refusal("version: 2\n").find("p.yaml:1:10: unsupported policy version 2"), std::string::npos);
  EXPECT_NE(Refusal("version: one\n").find("version must be an integer"), std::string::npos);
  EXPECT_NE(Refusal("- 1\n- 2\n").find("must be a YAML mapping"), std::string::npos);
  EXPECT_NE(Refusal("").find("must be a YAML mapping"), std::string::npos);
}

TEST(PolicyLoaderTest, MalformedPrefixesAndPorts) {
  std::string r = Refusal("version: 1\ninternal:\n  - 10.0.0.0/8\n  - 10.0.0.300/32\n");
  EXPECT_NE(r.find("p.yaml:4:5: malformed prefix in internal: '10.0.0.300/32'"), std::string::npos) << r;
  r = Refusal("version: 1\nquarantine: [100.64.1.1/8]\n");
  EXPECT_NE(r.find("host bits set"), std::string::npos) << r;
  r = Refusal("version: 1\nmail: {smtp_ports: [25, 70000]}\n");
  EXPECT_NE(r.find("p.yaml:2:25: port in mail.smtp_ports must be an integer 1..65535, not '70000'"),
            std::string::npos) << r;
  r = Refusal("version: 1\nmail: {smtp_ports: 25}\n");
  EXPECT_NE(r.find("must be a list of ports"), std::string::npos) << r;
}

TEST(PolicyLoaderTest, SmtpPortInNeverBlockIsRefused) {
  std::string r = Refusal("version: 1\nmail:\n  smtp_ports: [25, 587]\n  submission_ports: [465]\n");
  EXPECT_NE(r.find("p.yaml:3:20: smtp port 587 is in never_block.tcp (default)"), std::string::npos) << r;
  r = Refusal("version: 1\nmail:\n  smtp_ports: [2525]\n  submission_ports: [2525]\n");
  EXPECT_NE(r.find("both an smtp port and a submission port"), std::string::npos) << r;
}

TEST(PolicyLoaderTest, ExemptionsNeedEveryField) {
  std::string r = Refusal("version: 1\nexemptions:\n  - prefix: 100.64.0.1\n    owner: x\n");
  EXPECT_NE(r.find("p.yaml:3:5: exemption needs"), std::string::npos) << r;
  EXPECT_NE(r.find("reason expires"), std::string::npos) << r;
  r = Refusal("version: 1\nexemptions:\n  - {prefix: 100.64.0.1, owner: a, reason: b, expires: 2027-02-30}\n");
  EXPECT_NE(r.find("expires must be a date YYYY-MM-DD, not '2027-02-30'"), std::string::npos) << r;
}

TEST(PolicyLoaderTest, Thresholds) {
  Diagnostics diag;
  auto p = LoadPolicyText("version: 1\n"
                          "thresholds:\n"
                          "  - name: complaint-quarantine\n"
                          "    metric: complaints\n"
                          "    window: day\n"
                          "    limit: 1\n"
                          "    action: quarantine\n"
                          "  - {name: zombie_1.h, metric: distinct_destinations, window: hour, limit: 500, action: alert}\n",
                          "p.yaml", "", &diag);
  ASSERT_TRUE(p.has_value()) << diag.ToString();
  ASSERT_EQ(p->thresholds.size(), 2u);
  const Threshold& q = p->thresholds[0];
  EXPECT_EQ(q.name, "complaint-quarantine");
  EXPECT_EQ(q.metric, ThresholdMetric::kComplaints);
  EXPECT_EQ(q.window, ThresholdWindow::kDay);
  EXPECT_EQ(q.limit, 1u);
  EXPECT_EQ(q.action, ThresholdAction::kQuarantine);
  EXPECT_EQ(q.loc.line, 3u);
  EXPECT_EQ(q.loc.column, 5u);
  const Threshold& z = p->thresholds[1];
  EXPECT_EQ(z.name, "zombie_1.h");
  EXPECT_EQ(z.metric, ThresholdMetric::kDistinctDestinations);
  EXPECT_EQ(z.window, ThresholdWindow::kHour);
  EXPECT_EQ(z.limit, 500u);
  EXPECT_EQ(z.action, ThresholdAction::kAlert);
  EXPECT_EQ(NameOf(z.metric), "distinct_destinations");

  auto none = LoadPolicyText("version: 1\nthresholds: []\n", "p.yaml", "", &diag);
  ASSERT_TRUE(none.has_value()) << diag.ToString();
  EXPECT_TRUE(none->thresholds.empty());
}

// Every mistake of the list in one run, each where it was written.
TEST(PolicyLoaderTest, ThresholdErrors) {
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyText(
      "version: 1\n"
      "thresholds:\n"
      "  - {name: a, metric: complaints, window: day, limit: 1, action: alert, owner: x}\n"  // 3
      "  - {name: b, metric: complaints}\n"                                                  // 4
      "  - {name: c, metric: spam, window: week, limit: 1, action: block}\n"                 // 5
      "  - {name: d, metric: complaints, window: day, limit: 0, action: alert}\n"            // 6
      "  - {name: e, metric: complaints, window: day, limit: -3, action: alert}\n"           // 7
      "  - {name: f, metric: complaints, window: day, limit: 1.5, action: alert}\n"          // 8
      "  - {name: 'has space', metric: complaints, window: day, limit: 1, action: alert}\n"  // 9
      "  - {name: a, metric: signature_hits, window: hour, limit: 2, action: alert}\n"       // 10
      "  - just-a-name\n",                                                                   // 11
      "p.yaml", "", &diag));
  const std::string r = diag.ToString();
  for (const char* want : {
           "p.yaml:3:73: unknown key 'owner' in threshold (known: action, limit, metric, name, window)",
           "p.yaml:4:5: threshold 'b' needs name, metric, window, limit and action; missing: window limit action",
           "p.yaml:5:23: threshold metric must be one of blocked_attempts, distinct_destinations, complaints, "
           "signature_hits, not 'spam'",
           "p.yaml:5:37: threshold window must be one of hour, day, not 'week'",
           "p.yaml:5:61: threshold action must be one of alert, quarantine, not 'block'",
           "p.yaml:6:55: threshold limit must be an integer >= 1, not '0'",
           "p.yaml:7:55: threshold limit must be an integer >= 1, not '-3'",
           "p.yaml:8:55: threshold limit must be an integer >= 1, not '1.5'",
           "p.yaml:9:12: threshold name must be 1 to 64 characters of A-Z a-z 0-9 _ . -, not 'has space'",
           "p.yaml:10:12: duplicate threshold name 'a' (first at p.yaml:3)",
           "p.yaml:11:5: a threshold must be a mapping"})
    EXPECT_NE(r.find(want), std::string::npos) << want << "\n" << r;
  EXPECT_EQ(diag.errors.size(), 11u) << r;

  // A name is taken even by an entry refused for something else.
  const std::string taken = Refusal(
      "version: 1\nthresholds:\n  - {name: x, metric: complaints}\n"
      "  - {name: x, metric: complaints, window: day, limit: 1, action: alert}\n");
  EXPECT_NE(taken.find("p.yaml:4:12: duplicate threshold name 'x' (first at p.yaml:3)"), std::string::npos) << taken;
  EXPECT_NE(Refusal("version: 1\nthresholds: {name: a}\n").find("p.yaml:2:13: thresholds must be a list"),
            std::string::npos);
  EXPECT_NE(Refusal("version: 1\nthresholds:\n  - {name: '" + std::string(65, 'x') +
                    "', metric: complaints, window: day, limit: 1, action: alert}\n")
                .find("threshold name must be 1 to 64 characters"),
            std::string::npos);
  EXPECT_NE(Refusal("version: 1\nthresholds:\n  - {name: a, metric: complaints, metric: complaints, window: day, "
                    "limit: 1, action: alert}\n")
                .find("duplicate key 'metric' in threshold"),
            std::string::npos);
}

TEST(PolicyLoaderTest, PrefixFilesReportTheirOwnLines) {
  fs::path dir = fs::temp_directory_path() / ("spamwall-policy-test-" + std::to_string(getpid()));
  fs::create_directories(dir / "pools");
  std::ofstream(dir / "pools" / "c.txt") << "# pool\n100.64.0.0/10\n\n2001:db8:1000::/36  # v6\nnonsense\n";
  std::ofstream(dir / "p.yaml") << "version: 1\nsubscribers:\n  consumer: {file: pools/c.txt}\n";
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyFile((dir / "p.yaml").string(), &diag).has_value());
  std::string r = diag.ToString();
  EXPECT_NE(r.find("pools/c.txt:5:1: malformed prefix in subscribers.consumer: 'nonsense'"),
            std::string::npos) << r;

  std::ofstream(dir / "pools" / "c.txt") << "100.64.0.0/10\n2001:db8:1000::/36\n";
  Diagnostics ok;
  auto p = LoadPolicyFile((dir / "p.yaml").string(), &ok);
  ASSERT_TRUE(p.has_value()) << ok.ToString();
  EXPECT_EQ(p->consumer.size(), 2u);

  std::ofstream(dir / "q.yaml") << "version: 1\ninternal: {file: pools/missing.txt}\n";
  Diagnostics missing;
  EXPECT_FALSE(LoadPolicyFile((dir / "q.yaml").string(), &missing).has_value());
  EXPECT_NE(missing.ToString().find("q.yaml:2:18: internal: cannot read prefix file"), std::string::npos)
      << missing.ToString();
  fs::remove_all(dir);
}

// CRLF endings, tabs, comments, no final newline, a rarer address form
// (IPv4 tail) and errors: lines and messages as ParsePrefix gives them.
TEST(PolicyLoaderTest, PrefixFileLineForms) {
  fs::path dir = fs::temp_directory_path() / ("spamwall-policy-forms-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "c.txt", std::ios::binary)
      << "10.0.0.0/8\r\n\t192.0.2.0/24\t# tab\r\n\r\n::ffff:192.0.2.1/128\n10.0.0.1/8\n"
         "2001:db8::/129\n#only a comment\n  198.51.100.7";
  std::ofstream(dir / "p.yaml") << "version: 1\ninternal: {file: c.txt}\n";
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyFile((dir / "p.yaml").string(), &diag).has_value());
  std::string r = diag.ToString();
  EXPECT_EQ(diag.errors.size(), 3u) << r;
  EXPECT_NE(r.find("c.txt:4:1: internal: ::ffff:192.0.2.1/128 is an IPv4-mapped IPv6 address, which IPv4 "
                   "packets never match: use its IPv4 form 192.0.2.1/32"), std::string::npos) << r;
  EXPECT_NE(r.find("c.txt:5:1: malformed prefix in internal: '10.0.0.1/8': host bits set (did you mean "
                   "10.0.0.0/8?)"), std::string::npos) << r;
  EXPECT_NE(r.find("c.txt:6:1: malformed prefix in internal: '2001:db8::/129': prefix length must be 0..128"),
            std::string::npos) << r;

  std::ofstream(dir / "c.txt", std::ios::binary)
      << "10.0.0.0/8\r\n\t192.0.2.0/24\t# tab\r\n\r\n2001:db8::192.0.2.1/128\n#x\n  198.51.100.7";
  Diagnostics ok;
  auto p = LoadPolicyFile((dir / "p.yaml").string(), &ok);
  ASSERT_TRUE(p.has_value()) << ok.ToString();
  ASSERT_EQ(p->internal.size(), 4u);
  EXPECT_EQ(FormatPrefix(p->internal[1].prefix), "192.0.2.0/24");
  EXPECT_EQ(p->internal[1].loc.line, 2u);
  EXPECT_EQ(FormatPrefix(p->internal[2].prefix), "2001:db8::c000:201/128");
  EXPECT_EQ(p->internal[2].loc.line, 4u);
  EXPECT_EQ(FormatPrefix(p->internal[3].prefix), "198.51.100.7/32");
  EXPECT_EQ(p->internal[3].loc.line, 6u);
  fs::remove_all(dir);
}

TEST(PolicyLoaderTest, MissingPolicyFile) {
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyFile("/nonexistent/policy.yaml", &diag).has_value());
  EXPECT_NE(diag.ToString().find("/nonexistent/policy.yaml: cannot read policy file"), std::string::npos);
}

TEST(PolicyLoaderTest, ParseDay) {
  Day d;
  ASSERT_TRUE(ParseDay("1970-01-02", &d));
  EXPECT_EQ(d, 1);
  EXPECT_FALSE(ParseDay("2027-13-01", &d));
  EXPECT_FALSE(ParseDay("2027-1-1", &d));
}

// A policy sent as bytes (controld never opens a path a client names): its
// pools and signatures come from the sources by their resolved path, a
// missing one is an error naming it, and every path it names is reported
// (what spamwallctl then reads and sends).
TEST(PolicyLoaderTest, SourcesInMemory) {
  const std::string text =
      "version: 1\nsubscribers: {consumer: {file: pools/../pools/c.txt}}\ninternal: {file: /etc/shadow}\n"
      "signatures: [sig/a.sig]\n";
  PolicySources sources = {{"/cfg/p.yaml", text}};
  Diagnostics first;
  std::vector<std::string> referenced;
  EXPECT_FALSE(LoadPolicySources("/cfg/p.yaml", sources, &first, &referenced).has_value());
  EXPECT_EQ(referenced, (std::vector<std::string>{"/cfg/pools/c.txt", "/etc/shadow", "/cfg/sig/a.sig"}));
  EXPECT_NE(first.ToString().find("prefix file '/etc/shadow' was not sent with the policy"), std::string::npos)
      << first.ToString();

  sources["/cfg/pools/c.txt"] = "100.64.0.0/10\n";
  sources["/etc/shadow"] = "198.51.100.0/24\n";  // whatever the client sent under that name
  sources["/cfg/sig/a.sig"] = "";
  Diagnostics diag;
  auto p = LoadPolicySources("/cfg/p.yaml", sources, &diag);
  ASSERT_TRUE(p.has_value()) << diag.ToString();
  EXPECT_EQ(p->consumer.size(), 1u);
  EXPECT_EQ(p->internal.size(), 1u);
}

// A million bad lines make one short refusal: the first 100 and a count.
TEST(PolicyLoaderTest, ErrorsAreCapped) {
  std::string pool;
  for (int i = 0; i < 100000; i++) pool += "garbage" + std::to_string(i) + "\n";
  PolicySources sources = {{"/p.yaml", "version: 1\ninternal: {file: pool.txt}\n"}, {"/pool.txt", pool}};
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicySources("/p.yaml", sources, &diag).has_value());
  ASSERT_EQ(diag.errors.size(), 101u);
  EXPECT_EQ(diag.errors.back().message, "and 99900 more errors");
}

// A FIFO or a device named as a pool or as the policy is refused at once,
// never waited on or read without end.
TEST(PolicyLoaderTest, OnlyRegularFilesAreRead) {
  fs::path dir = fs::temp_directory_path() / ("spamwall-fifo-" + std::to_string(getpid()));
  fs::create_directories(dir);
  ASSERT_EQ(mkfifo((dir / "fifo").c_str(), 0600), 0);
  std::ofstream(dir / "p.yaml") << "version: 1\ninternal: {file: fifo}\nquarantine: {file: /dev/zero}\n";
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyFile((dir / "p.yaml").string(), &diag).has_value());
  EXPECT_EQ(diag.errors.size(), 2u) << diag.ToString();
  Diagnostics fifo;
  EXPECT_FALSE(LoadPolicyFile((dir / "fifo").string(), &fifo).has_value());
  fs::remove_all(dir);
}

// An IPv4 address written as IPv6 matches no packet: refused in every list,
// inline, in a pool file and in an exemption, with the IPv4 form.
TEST(PolicyLoaderTest, Ipv4InIpv6Refused) {
  fs::path dir = fs::temp_directory_path() / ("spamwall-policy-mapped-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "c.txt") << "100.64.0.0/10\n::ffff:6440:0/106\n";
  std::ofstream(dir / "p.yaml") << "version: 1\n"
                                   "subscribers: {consumer: {file: c.txt}}\n"
                                   "quarantine: ['::ffff:100.64.99.7', '::100.64.99.8', '::1', 2001:db8::7]\n"
                                   "exemptions:\n"
                                   "  - {prefix: '::ffff:100.64.5.0/120', owner: o, reason: r, expires: 2099-01-01}\n";
  Diagnostics diag;
  EXPECT_FALSE(LoadPolicyFile((dir / "p.yaml").string(), &diag).has_value());
  const std::string r = diag.ToString();
  EXPECT_EQ(diag.errors.size(), 5u) << r;  // the exemption is also named as incomplete
  for (const char* want : {"c.txt:2:1: subscribers.consumer: ::ffff:100.64.0.0/106 is an IPv4-mapped IPv6 address",
                           "use its IPv4 form 100.64.0.0/10",
                           "quarantine: ::ffff:100.64.99.7/128 is an IPv4-mapped IPv6 address, which IPv4 "
                           "packets never match: use its IPv4 form 100.64.99.7/32",
                           "quarantine: ::100.64.99.8/128 is an IPv4-compatible IPv6 address",
                           "exemption: ::ffff:100.64.5.0/120 is an IPv4-mapped IPv6 address",
                           "use its IPv4 form 100.64.5.0/24"})
    EXPECT_NE(r.find(want), std::string::npos) << want << "\n" << r;
  EXPECT_EQ(r.find("::1/128"), std::string::npos) << "loopback is not an IPv4 address\n" << r;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace spamwall
