#include <gtest/gtest.h>

#include "control/controld/config.h"

namespace spamwall::controld {
namespace {

TEST(ConfigTest, DefaultsAndEveryKey) {
  Config c;
  std::string e;
  ASSERT_TRUE(ParseConfigText("", "c.yaml", &c, &e)) << e;
  ASSERT_TRUE(ValidateConfig(&c, &e)) << e;
  EXPECT_EQ(c.socket, "/run/spamwall/ctl.sock");
  EXPECT_EQ(c.mode, 0660u);
  EXPECT_EQ(c.prometheus_host, "127.0.0.1");
  EXPECT_EQ(c.prometheus_port, 9632);

  ASSERT_TRUE(ParseConfigText("policy: /etc/spamwall/policy.yaml\nsocket: /tmp/a.sock\n"
                              "socket_group: ''\nsocket_mode: '0600'\ndataplane_socket: /tmp/dp.sock\n"
                              "state_dir: /tmp/st\naudit_log: /tmp/audit.log\nprometheus: ''\n",
                              "c.yaml", &c, &e)) << e;
  ASSERT_TRUE(ValidateConfig(&c, &e)) << e;
  EXPECT_EQ(c.policy, "/etc/spamwall/policy.yaml");
  EXPECT_EQ(c.socket_group, "");
  EXPECT_EQ(c.mode, 0600u);
  EXPECT_EQ(c.prometheus_port, 0);
}

TEST(ConfigTest, UnknownKeyNamesFileLineAndKnownKeys) {
  Config c;
  std::string e;
  EXPECT_FALSE(ParseConfigText("socket: /tmp/a\nsokcet_mode: '0660'\n", "/etc/c.yaml", &c, &e));
  EXPECT_NE(e.find("/etc/c.yaml:2:1: unknown key 'sokcet_mode'"), std::string::npos) << e;
  EXPECT_NE(e.find("socket_mode"), std::string::npos) << e;
}

TEST(ConfigTest, BadValuesNameTheirLine) {
  Config c;
  std::string e;
  EXPECT_FALSE(ParseConfigText("\nsocket_mode: '0999'\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:2:14: socket_mode must be an octal"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("prometheus: localhost\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:1:13: prometheus must be host:port"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("state_dir: var/lib\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("state_dir must be an absolute path"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("socket: [a, b]\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:1:9: 'socket' must be a single value"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("socket: /a\nsocket: /b\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:2:1: duplicate key 'socket'"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("socket: [\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:"), std::string::npos) << e;
  EXPECT_FALSE(ParseConfigText("- a\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("must be a mapping"), std::string::npos) << e;
}

TEST(ConfigTest, EventStoreAndRetention) {
  Config c;
  std::string e;
  ASSERT_TRUE(ValidateConfig(&c, &e)) << e;
  EXPECT_EQ(c.events, "");
  EXPECT_EQ(c.retention_days, 30);
  for (const char* ok : {"sqlite", "sqlite:/var/lib/x.db", "postgresql://u@db/spamwall", "postgres://db/s", "off"}) {
    Config d;
    ASSERT_TRUE(ParseConfigText(std::string("events: '") + ok + "'\nevent_retention_days: 7\n", "c.yaml", &d, &e))
        << ok << ": " << e;
    ASSERT_TRUE(ValidateConfig(&d, &e)) << e;
    EXPECT_EQ(d.retention_days, 7);
  }
  EXPECT_FALSE(ParseConfigText("events: mysql://root:hunter2@db/x\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("c.yaml:1:9: events must be"), std::string::npos) << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;  // a password is never echoed
  EXPECT_FALSE(ParseConfigText("events: 'sqlite:relative.db'\n", "c.yaml", &c, &e));
  EXPECT_FALSE(ParseConfigText("event_retention_days: 0\n", "c.yaml", &c, &e));
  EXPECT_NE(e.find("event_retention_days must be an integer 1..3650"), std::string::npos) << e;
}

TEST(ConfigTest, PrometheusIpv6) {
  Config c;
  c.prometheus = "[::1]:9100";
  std::string e;
  ASSERT_TRUE(ValidateConfig(&c, &e)) << e;
  EXPECT_EQ(c.prometheus_host, "::1");
  EXPECT_EQ(c.prometheus_port, 9100);
}

}  // namespace
}  // namespace spamwall::controld
