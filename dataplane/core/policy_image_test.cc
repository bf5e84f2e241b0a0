#include "dataplane/core/policy_image.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <vector>

#include "dataplane/core/table_test_util.h"

namespace spamwall {
namespace {

using testing_util::Build;
using testing_util::Entry;
using testing_util::P;

std::unique_ptr<CompiledPolicy> MakePolicy() {
  auto t4 = std::make_unique<Ipv4Table>(1 << 14);
  auto t6 = std::make_unique<Ipv6Table>(1 << 14);
  std::vector<Entry> v4 = {{P("10.0.0.0/8"), SW_CLASS_CONSUMER},
                           {P("10.1.0.0/16"), SW_CLASS_BUSINESS},
                           {P("10.1.2.0/24"), SW_CLASS_CONSUMER},
                           {P("10.1.2.77/32"), SW_CLASS_QUARANTINE},
                           {P("192.0.2.25/32"), SW_CLASS_MX}};
  std::vector<Entry> v6 = {{P("2001:db8::/32"), SW_CLASS_CONSUMER},
                           {P("2001:db8:1::/48"), SW_CLASS_BUSINESS},
                           {P("2001:db8:1:2::25/128"), SW_CLASS_MX}};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; i++) {  // enough to need the leaf array and full last-byte nodes
    Prefix p = P("10.0.0.0/8");
    p.addr[1] = static_cast<uint8_t>(rng() % 4), p.addr[2] = static_cast<uint8_t>(rng());
    p.addr[3] = static_cast<uint8_t>(rng());
    p.length = 32;
    v4.push_back({p, static_cast<uint8_t>(1u << (rng() % 7))});
    Prefix q = P("2001:db8::/32");
    q.addr[4] = static_cast<uint8_t>(rng() % 4);
    q.addr[15] = static_cast<uint8_t>(rng());
    q.length = 128;
    v6.push_back({q, static_cast<uint8_t>(1u << (rng() % 7))});
  }
  Build(t4.get(), &v4);
  Build(t6.get(), &v6);
  auto c = std::make_unique<CompiledPolicy>(*t4, *t6);
  c->mode = PolicyMode::kMonitor;
  c->smtp_flow_rate = 100;
  c->smtp_ports.Add(25);
  c->submission_ports.Add(587);
  c->source = "/etc/spamwall/policy.yaml";
  c->summary.consumer = 3;
  c->summary.quarantine = 1;
  return c;
}

std::vector<uint8_t> ImageOf(const CompiledPolicy& c) {
  std::vector<uint8_t> image(PolicyImageSize(c) + 64);
  // Offsets are 64-byte aligned relative to the image start; keep it aligned.
  size_t skew = (64 - reinterpret_cast<uintptr_t>(image.data()) % 64) % 64;
  image.erase(image.begin(), image.begin() + static_cast<long>(skew));
  image.resize(PolicyImageSize(c));
  WritePolicyImage(c, image.data(), image.size());
  return image;
}

void ExpectSameAnswers(const CompiledPolicy& a, const CompiledPolicy& b) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; i++) {
    uint8_t addr[16];
    for (auto& x : addr) x = static_cast<uint8_t>(rng());
    if (i % 2) addr[0] = 10, addr[1] = static_cast<uint8_t>(i % 4);
    if (i % 4 == 1) addr[0] = 0x20, addr[1] = 0x01, addr[2] = 0x0d, addr[3] = 0xb8;
    ASSERT_EQ(a.v4.Lookup(addr), b.v4.Lookup(addr)) << i;
    ASSERT_EQ(a.v6.Lookup(addr), b.v6.Lookup(addr)) << i;
  }
  for (uint32_t p = 0; p < 65536; p++) ASSERT_EQ(a.PortFlags(p), b.PortFlags(p)) << p;
}

TEST(PolicyImageTest, RoundTripAnswersEveryLookupTheSame) {
  auto c = MakePolicy();
  std::vector<uint8_t> image = ImageOf(*c);
  std::string error;
  auto back = LoadPolicyImage(image.data(), image.size(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->mode, PolicyMode::kMonitor);
  EXPECT_EQ(back->smtp_flow_rate, 100u);
  EXPECT_EQ(back->source, "/etc/spamwall/policy.yaml");
  EXPECT_EQ(back->summary.consumer, 3u);
  EXPECT_EQ(back->summary.quarantine, 1u);
  ExpectSameAnswers(*c, *back);
}

TEST(PolicyImageTest, SealedMemfdRoundTripAndUnsealedRefused) {
  auto c = MakePolicy();
  std::string error;
  int fd = CreatePolicyImageFd(*c, &error);
  ASSERT_GE(fd, 0) << error;
  EXPECT_EQ(write(fd, "x", 1), -1) << "a sealed image must not be writable";
  auto back = LoadPolicyImageFd(fd, &error);
  ASSERT_TRUE(back) << error;
  ExpectSameAnswers(*c, *back);
  close(fd);

  int loose = memfd_create("loose", MFD_CLOEXEC);
  std::vector<uint8_t> image = ImageOf(*c);
  ASSERT_EQ(write(loose, image.data(), image.size()), static_cast<ssize_t>(image.size()));
  EXPECT_FALSE(LoadPolicyImageFd(loose, &error));
  EXPECT_NE(error.find("not a sealed memfd"), std::string::npos) << error;
  close(loose);
}

TEST(PolicyImageTest, BrokenImagesAreRefusedWithTheReason) {
  auto c = MakePolicy();
  const std::vector<uint8_t> good = ImageOf(*c);
  std::string error;
  auto refused = [&](std::vector<uint8_t> img, size_t size) {
    return LoadPolicyImage(img.data(), size, &error) == nullptr;
  };
  EXPECT_TRUE(refused(good, 100));
  EXPECT_NE(error.find("shorter than its header"), std::string::npos) << error;
  EXPECT_TRUE(refused(good, good.size() - 64));
  EXPECT_NE(error.find("header says"), std::string::npos) << error;
  std::vector<uint8_t> img = good;
  img[0] = 'X';
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
  img = good;
  img[8] = 9;  // format
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_NE(error.find("format 9"), std::string::npos) << error;
}

// Corrupt the tables anywhere: the load either refuses, or every lookup it
// then answers stays inside the tables (ASan would catch a stray read).
TEST(PolicyImageTest, CorruptTablesNeverLeadOutOfBounds) {
  auto c = MakePolicy();
  const std::vector<uint8_t> good = ImageOf(*c);
  std::mt19937_64 rng(3);
  int refused = 0, loaded = 0;
  for (int round = 0; round < 300; round++) {
    std::vector<uint8_t> img = good;
    for (int k = 0; k < 4; k++) {
      size_t at = 256 + rng() % (img.size() - 256);  // past the header
      img[at] = static_cast<uint8_t>(rng());
    }
    std::string error;
    auto p = LoadPolicyImage(img.data(), img.size(), &error);
    if (!p) {
      EXPECT_NE(error.find("policy image:"), std::string::npos);
      refused++;
      continue;
    }
    loaded++;
    for (int i = 0; i < 2000; i++) {
      uint8_t addr[16];
      for (auto& x : addr) x = static_cast<uint8_t>(rng());
      if (i % 2) addr[0] = 10, addr[1] = static_cast<uint8_t>(i % 4);
      if (i % 4 == 1) addr[0] = 0x20, addr[1] = 0x01, addr[2] = 0x0d, addr[3] = 0xb8;
      const uint8_t* keys[1] = {addr};
      uint8_t out[1];
      p->v4.LookupBurst(keys, 1, out);
      p->v6.LookupBurst(keys, 1, out);
      (void)p->v4.Lookup(addr);
      (void)p->v6.Lookup(addr);
    }
  }
  EXPECT_GT(loaded, 0);  // most flips land in values, not structure
  std::printf("corrupt images: %d refused, %d loaded and looked up safely\n", refused, loaded);
}

TEST(PolicyImageTest, ChildIndexOutsideTheTablesIsRefused) {
  auto c = MakePolicy();
  std::vector<uint8_t> img = ImageOf(*c);
  // The first IPv4 quarter follows the header and the direct array; make
  // its children point past the end.
  auto v4 = c->v4.storage();
  size_t blob_at = 0;
  for (size_t off = 0; off + 32 <= img.size(); off += 64)
    if (std::memcmp(img.data() + off, v4.blob, 32) == 0) {
      blob_at = off;
      break;
    }
  ASSERT_NE(blob_at, 0u);
  PoptrieQuarter q;
  size_t qi = 0;
  for (; qi < v4.slot_count; qi++) {
    std::memcpy(&q, v4.blob + qi * 32, sizeof q);
    if (q.child) break;
  }
  ASSERT_LT(qi, v4.slot_count);
  q.child_quarter = 0x7fffffff;
  std::memcpy(img.data() + blob_at + qi * 32, &q, sizeof q);
  std::string error;
  EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
  EXPECT_NE(error.find("ipv4 table"), std::string::npos) << error;
  EXPECT_NE(error.find("beyond the"), std::string::npos) << error;
}

}  // namespace
}  // namespace spamwall
