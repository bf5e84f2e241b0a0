#include "dataplane/core/policy_image.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "dataplane/core/policy_image_test_util.h"
#include "dataplane/core/table_test_util.h"

namespace spamwall {
namespace {

using testing_util::Assemble;
using testing_util::Build;
using testing_util::Entry;
using testing_util::EntryOf;
using testing_util::P;
using testing_util::RawSection;
using testing_util::SectionsOf;
using testing_util::SetEntry;

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
  size_t n = 1;
  for (size_t* f : {&c->summary.consumer, &c->summary.business, &c->summary.internal,
                    &c->summary.mx_servers, &c->summary.authorized_relays, &c->summary.quarantine,
                    &c->summary.exemptions_active, &c->summary.exemptions_expired,
                    &c->summary.smtp_ports, &c->summary.submission_ports,
                    &c->summary.distinct_prefixes_v4, &c->summary.distinct_prefixes_v6})
    *f = n++;
  return c;
}

PolicyImageMeta Meta() {
  PolicyImageMeta m;
  m.generation = 42;
  m.origin = "spamwall-controld push by alice";
  m.source = "/etc/spamwall/policy.yaml";
  m.created_at = "2025-01-01T00:00:00Z";
  m.compiler_version = "spamwall 0.1.0";
  m.cpu_features = {"sse4.2"};
  return m;
}

std::vector<ImageExtraSection> Extra() {
  std::string model(3000, '\0');
  for (size_t i = 0; i < model.size(); i++) model[i] = static_cast<char>(i * 7);
  return {{static_cast<uint32_t>(ImageSectionType::kControldRecord), 0, R"({"pushed_by":"alice"})"},
          {static_cast<uint32_t>(ImageSectionType::kPolicyModel), kSectionRequired, model},
          {0x7777, kSectionRequired, ""}};  // unknown to everyone, carried all the same
}

std::vector<uint8_t> ImageOf(const CompiledPolicy& c) { return BuildPolicyImage(c, Meta(), Extra()); }

std::vector<uint8_t> ReadAll(int fd) {
  struct stat st;
  EXPECT_EQ(fstat(fd, &st), 0);
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  return out;
}

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/policy-image-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename());
    return out;
  }

 private:
  std::filesystem::path path_;
};

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

// Everything a loaded image says, against what it was built from.
void ExpectLoadedAsBuilt(const LoadedPolicyImage& got, const CompiledPolicy& c,
                         const std::vector<uint8_t>& image) {
  const PolicyImageMeta want = Meta();
  ASSERT_TRUE(got.policy);
  const CompiledPolicy& p = *got.policy;
  EXPECT_EQ(p.generation, 42u);
  EXPECT_EQ(p.mode, PolicyMode::kMonitor);
  EXPECT_EQ(p.smtp_flow_rate, 100u);
  EXPECT_EQ(p.source, "/etc/spamwall/policy.yaml");
  EXPECT_EQ(std::memcmp(&p.summary, &c.summary, sizeof p.summary), 0);
  EXPECT_EQ(p.summary.distinct_prefixes_v6, 12u);
  EXPECT_EQ(got.meta.generation, want.generation);
  EXPECT_EQ(got.meta.origin, want.origin);
  EXPECT_EQ(got.meta.source, want.source);
  EXPECT_EQ(got.meta.created_at, want.created_at);
  EXPECT_EQ(got.meta.compiler_version, want.compiler_version);
  EXPECT_EQ(got.meta.cpu_features, want.cpu_features);
  const auto extra = Extra();
  ASSERT_EQ(got.extra.size(), extra.size());
  for (size_t i = 0; i < extra.size(); i++) {
    EXPECT_EQ(got.extra[i].type, extra[i].type);
    EXPECT_EQ(got.extra[i].flags, extra[i].flags);
    EXPECT_EQ(got.extra[i].bytes, extra[i].bytes);
  }
  EXPECT_EQ(got.digest, PolicyImageDigest(image.data(), image.size()));
  ExpectSameAnswers(c, p);
}

std::string Hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

TEST(PolicyImageTest, DigestIsTheCrc32cOfTheWholeImage) {
  const uint8_t bytes[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(PolicyImageDigest(bytes, sizeof bytes), "crc32c:e3069283:9");
}

TEST(PolicyImageTest, RoundTripInMemory) {
  auto c = MakePolicy();
  const std::vector<uint8_t> image = ImageOf(*c);
  ASSERT_FALSE(image.empty());
  std::string error;
  auto back = LoadPolicyImage(image.data(), image.size(), &error);
  ASSERT_TRUE(back) << error;
  ExpectLoadedAsBuilt(*back, *c, image);
  // What was loaded builds the same bytes again.
  EXPECT_EQ(BuildPolicyImage(*back->policy, back->meta, back->extra), image);
}

TEST(PolicyImageTest, TheSectionTable) {
  auto c = MakePolicy();
  const std::vector<uint8_t> image = ImageOf(*c);
  std::vector<ImageSectionInfo> s;
  std::string error;
  ASSERT_TRUE(WalkPolicyImage(image.data(), image.size(), &s, &error)) << error;
  const uint32_t want[] = {1, 2, 3, 4, 5, 6, 7, 0x100, 0x101, 0x7777};
  ASSERT_EQ(s.size(), std::size(want));
  for (size_t i = 0; i < s.size(); i++) {
    EXPECT_EQ(s[i].type, want[i]);
    EXPECT_EQ(s[i].offset % 64, 0u) << i;
    EXPECT_EQ(s[i].crc32c, Crc32c(image.data() + s[i].offset, s[i].bytes)) << i;
    if (want[i] < 0x100) {
      EXPECT_EQ(s[i].flags, kSectionRequired) << i;
    }
  }
  EXPECT_EQ(s[1].bytes, 256u << 10);
  EXPECT_EQ(s[5].bytes, 8192u);
  EXPECT_EQ(s[7].flags, 0u);
  EXPECT_EQ(s[8].flags, kSectionRequired);
  EXPECT_EQ(std::memcmp(image.data(), "SWGENIMG", 8), 0);
  // The meta is JSON with every field.
  const auto meta = nlohmann::json::parse(image.begin() + static_cast<long>(s[0].offset),
                                          image.begin() + static_cast<long>(s[0].offset + s[0].bytes));
  EXPECT_EQ(meta["generation"], 42);
  EXPECT_EQ(meta["mode"], "monitor");
  EXPECT_EQ(meta["smtp_flow_rate"], 100);
  EXPECT_EQ(meta["summary"].size(), 12u);
  EXPECT_EQ(meta["tables"]["v4"]["slots"], c->v4.storage().slot_count);
  EXPECT_EQ(meta["tables"]["v6"]["leaves"], c->v6.storage().leaf_count);
}

TEST(PolicyImageTest, SealedMemfdRoundTripAndUnsealedRefused) {
  auto c = MakePolicy();
  const std::vector<uint8_t> image = ImageOf(*c);
  std::string error, digest;
  int fd = CreatePolicyImageFd(*c, Meta(), Extra(), &digest, &error);
  ASSERT_GE(fd, 0) << error;
  EXPECT_EQ(digest, PolicyImageDigest(image.data(), image.size()));
  EXPECT_EQ(ReadAll(fd), image) << "one layout for memory and memfd";
  EXPECT_EQ(write(fd, "x", 1), -1) << "a sealed image must not be writable";
  auto back = LoadPolicyImageFd(fd, &error);
  ASSERT_TRUE(back) << error;
  ExpectLoadedAsBuilt(*back, *c, image);
  close(fd);

  int loose = memfd_create("loose", MFD_CLOEXEC);
  ASSERT_EQ(write(loose, image.data(), image.size()), static_cast<ssize_t>(image.size()));
  EXPECT_FALSE(LoadPolicyImageFd(loose, &error));
  EXPECT_NE(error.find("not a sealed memfd"), std::string::npos) << error;
  close(loose);
}

TEST(PolicyImageTest, FileRoundTripReplacesAtomically) {
  auto c = MakePolicy();
  const std::vector<uint8_t> image = ImageOf(*c);
  TempDir dir;
  const std::string path = dir.path() / "7.img";
  { std::ofstream(path) << "the previous generation"; }
  const mode_t old_umask = umask(022);
  std::string error, digest;
  ASSERT_TRUE(WritePolicyImageFile(path, *c, Meta(), Extra(), &digest, &error)) << error;
  umask(old_umask);
  EXPECT_EQ(digest, PolicyImageDigest(image.data(), image.size()));
  EXPECT_EQ(ReadFile(path), image);
  EXPECT_EQ(dir.Names(), std::vector<std::string>{"7.img"}) << "a temporary file was left";
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto back = LoadPolicyImageFile(path, &error);
  ASSERT_TRUE(back) << error;
  ExpectLoadedAsBuilt(*back, *c, image);

  EXPECT_FALSE(WritePolicyImageFile((dir.path() / "no/such/dir/8.img").string(), *c, Meta(), {},
                                    nullptr, &error));
  EXPECT_NE(error.find("no/such/dir/8.img: No such file or directory"), std::string::npos) << error;
  EXPECT_FALSE(LoadPolicyImageFile(dir.path() / "missing.img", &error));
  EXPECT_NE(error.find("missing.img: No such file"), std::string::npos) << error;
}

TEST(PolicyImageTest, FileOnAFullFileSystemLeavesNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs takes root";
  TempDir dir;
  const std::string mnt = dir.path() / "full";
  ASSERT_EQ(mkdir(mnt.c_str(), 0700), 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  const std::string path = mnt + "/9.img";
  { std::ofstream(path) << "the previous generation"; }
  auto c = MakePolicy();  // an image of about 540 KB
  std::string error;
  const bool ok = WritePolicyImageFile(path, *c, Meta(), Extra(), nullptr, &error);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(mnt)) names.push_back(e.path().filename());
  std::ifstream in(path);
  const std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  umount2(mnt.c_str(), MNT_DETACH);
  EXPECT_FALSE(ok);
  EXPECT_EQ(error, path + ": " + std::strerror(ENOSPC));
  EXPECT_EQ(names, std::vector<std::string>{"9.img"}) << "the temporary file was left";
  EXPECT_EQ(kept, "the previous generation");
}

TEST(PolicyImageTest, FileLoaderRefusesWhatIsNotARegularFile) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(LoadPolicyImageFile(dir.path(), &error));
  EXPECT_EQ(error, dir.path().string() + ": not a regular file (a directory)");
  EXPECT_FALSE(LoadPolicyImageFile("/dev/zero", &error));
  EXPECT_EQ(error, "/dev/zero: not a regular file (a device)");

  // A FIFO without a writer: an open that waited would never return.
  const std::string fifo = dir.path() / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto load = std::async(std::launch::async, [&] {
    std::string e;
    return LoadPolicyImageFile(fifo, &e) ? std::string("loaded") : e;
  });
  if (load.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    int unblock = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // lets the stuck open return
    ADD_FAILURE() << "LoadPolicyImageFile blocked on a FIFO";
    load.wait();
    close(unblock);
  }
  EXPECT_EQ(load.get(), fifo + ": not a regular file (a FIFO)");

  const std::string empty = dir.path() / "empty.img";
  { std::ofstream(empty).flush(); }
  EXPECT_FALSE(LoadPolicyImageFile(empty, &error));
  EXPECT_EQ(error, empty + ": policy image: empty");
}

TEST(PolicyImageTest, OversizedImagesAreRefusedBeforeTheyAreMapped) {
  TempDir dir;
  const std::string big = dir.path() / "big.img";
  int fd = open(big.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kMaxPolicyImageBytes + 1)), 0);  // sparse
  close(fd);
  std::string error;
  EXPECT_FALSE(LoadPolicyImageFile(big, &error));
  EXPECT_NE(error.find(big + ": policy image: 4294967297 bytes, more than"), std::string::npos) << error;

  int mfd = memfd_create("big", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_EQ(ftruncate(mfd, static_cast<off_t>(kMaxPolicyImageBytes + 1)), 0);
  ASSERT_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), 0);
  EXPECT_FALSE(LoadPolicyImageFd(mfd, &error));
  EXPECT_NE(error.find("policy image: 4294967297 bytes, more than"), std::string::npos) << error;
  close(mfd);
}

TEST(PolicyImageTest, BrokenHeadersAreRefusedWithTheReason) {
  auto c = MakePolicy();
  const std::vector<uint8_t> good = ImageOf(*c);
  std::string error;
  auto refused = [&](const std::vector<uint8_t>& img, size_t size) {
    return !LoadPolicyImage(img.data(), size, &error);
  };
  EXPECT_TRUE(refused(good, 20));
  EXPECT_EQ(error, "policy image: 20 bytes, shorter than its header");
  EXPECT_TRUE(refused(good, good.size() - 1));
  EXPECT_EQ(error, "policy image: header says " + std::to_string(good.size()) + " bytes, image has " +
                       std::to_string(good.size() - 1));
  std::vector<uint8_t> img = good;
  img[0] = 'X';
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_EQ(error, "policy image: bad magic (not a spamwall policy image)");
  std::memcpy(img.data(), "SWPOLIMG", 8);
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_NE(error.find("format 1 (written by an older spamwall)"), std::string::npos) << error;
  img = good;
  img[8] = 9;  // format
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_EQ(error, "policy image: format 9; this reader reads format 2");
  img = good;
  img[20] ^= 1;  // the header CRC
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_NE(error.find("policy image: header and section table: CRC32C mismatch"), std::string::npos) << error;
  img = good;
  img[32 + 8] ^= 1;  // the first section's offset, CRC not updated
  EXPECT_TRUE(refused(img, img.size()));
  EXPECT_NE(error.find("header and section table: CRC32C mismatch"), std::string::npos) << error;
}

TEST(PolicyImageTest, AFlippedByteInAnySectionIsACrcErrorNamingIt) {
  auto c = MakePolicy();
  const std::vector<uint8_t> good = ImageOf(*c);
  std::vector<ImageSectionInfo> sections;
  std::string error;
  ASSERT_TRUE(WalkPolicyImage(good.data(), good.size(), &sections, &error));
  const std::map<uint32_t, std::string> names = {
      {1, "section 0x1 (meta)"},         {2, "section 0x2 (ipv4 direct)"},
      {3, "section 0x3 (ipv4 slots)"},   {4, "section 0x4 (ipv6 direct)"},
      {5, "section 0x5 (ipv6 slots)"},   {6, "section 0x6 (smtp ports)"},
      {7, "section 0x7 (submission ports)"}, {0x100, "section 0x100 (controld record)"},
      {0x101, "section 0x101 (policy model)"}};
  for (const auto& s : sections) {
    if (s.bytes == 0) continue;
    std::vector<uint8_t> img = good;
    img[s.offset + s.bytes / 2] ^= 0x10;
    EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
    const uint32_t crc = Crc32c(img.data() + s.offset, s.bytes);
    EXPECT_EQ(error, "policy image: " + names.at(s.type) + ": CRC32C mismatch (the table says " +
                         Hex(s.crc32c) + ", the bytes give " + Hex(crc) + ")");
  }
}

TEST(PolicyImageTest, UnknownSectionsBelow0x100) {
  auto c = MakePolicy();
  std::vector<RawSection> raw = SectionsOf(ImageOf(*c));
  ASSERT_EQ(raw.size(), 10u);
  std::string error;
  // Optional: a newer writer's, skipped, and not among the extra sections.
  raw.insert(raw.begin() + 3, {0x42, 0, "something new"});
  std::vector<uint8_t> img = Assemble(raw);
  auto back = LoadPolicyImage(img.data(), img.size(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->extra.size(), 3u);
  ExpectSameAnswers(*c, *back->policy);
  // Required: refused, naming it.
  raw[3].flags = kSectionRequired | 0x80;
  img = Assemble(raw);
  EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
  EXPECT_EQ(error,
            "policy image: section type 0x42 is required and unknown to this reader (written by a "
            "newer spamwall?)");
}

// The signature database (type 8): opaque bytes to the core, written only
// when the policy has one, flagged required, carried byte for byte; an
// empty one is refused.
TEST(PolicyImageTest, TheSignatureSectionIsCarriedAsBytes) {
  auto c = MakePolicy();
  EXPECT_EQ(SectionsOf(ImageOf(*c)).size(), 10u) << "no signatures, no section";
  c->signature_db = std::string("SWSIGDB1", 8) + std::string(1000, '\x5a');
  const std::vector<uint8_t> image = ImageOf(*c);
  std::vector<RawSection> raw = SectionsOf(image);
  ASSERT_EQ(raw.size(), 11u);
  EXPECT_EQ(raw[7].type, static_cast<uint32_t>(ImageSectionType::kSignatures));
  EXPECT_EQ(raw[7].flags, kSectionRequired);
  std::string error;
  auto back = LoadPolicyImage(image.data(), image.size(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->policy->signature_db, c->signature_db);
  EXPECT_FALSE(back->policy->signatures) << "the core does not deserialize it";
  EXPECT_EQ(BuildPolicyImage(*back->policy, back->meta, back->extra), image);
  raw[7].bytes.clear();
  const std::vector<uint8_t> empty = Assemble(raw);
  EXPECT_FALSE(LoadPolicyImage(empty.data(), empty.size(), &error));
  EXPECT_EQ(error, "policy image: section 0x8 (signatures) is empty");
}

TEST(PolicyImageTest, BrokenSectionTablesAreRefused) {
  auto c = MakePolicy();
  const std::vector<uint8_t> good = ImageOf(*c);
  std::string error;
  auto refused_with = [&](const std::vector<uint8_t>& img, const std::string& what) {
    EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error)) << what;
    EXPECT_EQ(error.rfind("policy image: ", 0), 0u) << error;
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  std::vector<uint8_t> img = good;
  auto e = EntryOf(good, 2);
  e.type = 2;  // a second ipv4 direct
  SetEntry(&img, 2, e);
  refused_with(img, "section 0x2 (ipv4 direct) appears twice");

  img = good;
  e = EntryOf(good, 4);
  e.offset = EntryOf(good, 3).offset + 64;  // inside ipv6 direct
  SetEntry(&img, 4, e);
  refused_with(img, "section 0x4 (ipv6 direct) and section 0x5 (ipv6 slots) overlap");

  img = good;
  e = EntryOf(good, 1);
  e.bytes = good.size();
  SetEntry(&img, 1, e);
  refused_with(img, "section 0x2 (ipv4 direct) (" + std::to_string(good.size()) +
                        " bytes at offset " + std::to_string(e.offset) + ") lies outside the " +
                        std::to_string(good.size()) + "-byte image");

  img = good;
  e = EntryOf(good, 6);
  e.offset += 8;
  SetEntry(&img, 6, e);
  refused_with(img, "section 0x7 (submission ports) at offset " + std::to_string(e.offset) +
                        " is not 64-byte aligned");

  img = good;
  e = EntryOf(good, 0);
  e.offset = 0;  // on the header
  SetEntry(&img, 0, e);
  refused_with(img, "section 0x1 (meta) (");

  // A section count whose table runs past the image.
  img = good;
  uint32_t count = 1000000;
  std::memcpy(img.data() + 16, &count, 4);
  refused_with(img, "1000000 sections, more than 256");
}

TEST(PolicyImageTest, MissingOrMissizedSectionsAndBadMetaAreRefused) {
  auto c = MakePolicy();
  const std::vector<RawSection> good = SectionsOf(ImageOf(*c));
  std::string error;
  auto refused_with = [&](const std::vector<RawSection>& raw, const std::string& what) {
    const std::vector<uint8_t> img = Assemble(raw);
    EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error)) << what;
    EXPECT_EQ(error, "policy image: " + what);
  };
  for (size_t drop = 0; drop < 7; drop++) {
    std::vector<RawSection> raw = good;
    raw.erase(raw.begin() + static_cast<long>(drop));
    const std::vector<uint8_t> img = Assemble(raw);
    EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
    EXPECT_NE(error.find(" is missing"), std::string::npos) << error;
  }
  std::vector<RawSection> raw = good;
  raw.erase(raw.begin() + 4);
  refused_with(raw, "section 0x5 (ipv6 slots) is missing");

  raw = good;
  raw[5].bytes.resize(100);
  refused_with(raw, "section 0x6 (smtp ports) is 100 bytes, expected 8192");
  raw = good;
  raw[1].bytes.pop_back();
  refused_with(raw, "section 0x2 (ipv4 direct) is 262143 bytes, expected 262144");
  raw = good;
  raw[2].bytes += "x";
  const auto v4 = c->v4.storage();
  refused_with(raw, "section 0x3 (ipv4 slots) is " + std::to_string(v4.slot_count * 32 + v4.leaf_count + 1) +
                        " bytes, the meta's " + std::to_string(v4.slot_count) + " slots and " +
                        std::to_string(v4.leaf_count) + " leaves make " +
                        std::to_string(v4.slot_count * 32 + v4.leaf_count));

  const nlohmann::json meta = nlohmann::json::parse(good[0].bytes);
  auto with_meta = [&](const nlohmann::json& m) {
    std::vector<RawSection> r = good;
    r[0].bytes = m.dump();
    return r;
  };
  raw = good;
  raw[0].bytes = "{\"generation\": 1,";
  refused_with(raw, "section 0x1 (meta): not a JSON object");
  raw[0].bytes = "[1, 2]";
  refused_with(raw, "section 0x1 (meta): not a JSON object");
  nlohmann::json m = meta;
  m.erase("origin");
  refused_with(with_meta(m), "section 0x1 (meta): no \"origin\"");
  m = meta;
  m["mode"] = "bogus";
  refused_with(with_meta(m), "section 0x1 (meta): \"mode\" is \"bogus\", not \"enforce\" or \"monitor\"");
  m = meta;
  m["generation"] = -1;
  refused_with(with_meta(m), "section 0x1 (meta): \"generation\" is not a number from 0 to 18446744073709551615");
  m = meta;
  m["smtp_flow_rate"] = uint64_t{1} << 32;
  refused_with(with_meta(m), "section 0x1 (meta): \"smtp_flow_rate\" is not a number from 0 to 4294967295");
  m = meta;
  m["summary"].erase("quarantine");
  refused_with(with_meta(m), "section 0x1 (meta): summary: no \"quarantine\"");
  m = meta;
  m["source"] = std::string(4097, 'x');
  refused_with(with_meta(m), "section 0x1 (meta): \"source\" is longer than 4096 bytes");
  m = meta;
  m["cpu_features"] = {1};
  refused_with(with_meta(m), "section 0x1 (meta): \"cpu_features\" holds something other than a short string");
  m = meta;
  m["tables"]["v6"]["slots"] = meta["tables"]["v6"]["slots"].get<uint64_t>() + 1;
  std::vector<uint8_t> img = Assemble(with_meta(m));
  EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
  EXPECT_NE(error.find("section 0x5 (ipv6 slots) is"), std::string::npos) << error;
  // A newer writer's extra meta keys are fine.
  m = meta;
  m["something_new"] = {{"a", 1}};
  img = Assemble(with_meta(m));
  EXPECT_TRUE(LoadPolicyImage(img.data(), img.size(), &error)) << error;
}

TEST(PolicyImageTest, WritersRefuseDataplaneTypesAmongTheExtraSections) {
  auto c = MakePolicy();
  std::string error, digest;
  const std::vector<ImageExtraSection> low = {{0x42, 0, "x"}};
  EXPECT_TRUE(BuildPolicyImage(*c, Meta(), low).empty());
  EXPECT_EQ(CreatePolicyImageFd(*c, Meta(), low, &digest, &error), -1);
  EXPECT_EQ(error, "policy image: extra section 0x42 has a type below 0x100 (the dataplane's own)");
  const std::vector<ImageExtraSection> twice = {{0x100, 0, "a"}, {0x100, 0, "b"}};
  EXPECT_TRUE(BuildPolicyImage(*c, Meta(), twice).empty());
  TempDir dir;
  EXPECT_FALSE(WritePolicyImageFile(dir.path() / "x.img", *c, Meta(), twice, &digest, &error));
  EXPECT_EQ(error, (dir.path() / "x.img").string() +
                       ": policy image: extra section 0x100 (controld record) given twice");
  EXPECT_TRUE(dir.Names().empty());
}

TEST(PolicyImageTest, MetaStringsAreBoundedAndAnyBytesLoad) {
  auto c = MakePolicy();
  PolicyImageMeta meta = Meta();
  meta.source = "";  // the policy's own
  meta.origin = std::string(4095, 'o') + "\xc3\xa9";  // 'é' across the 4096-byte limit
  meta.created_at = "\xff\xfe not UTF-8";
  const std::vector<uint8_t> img = BuildPolicyImage(*c, meta, {});
  std::string error;
  auto back = LoadPolicyImage(img.data(), img.size(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->policy->source, c->source);
  EXPECT_EQ(back->meta.source, c->source);
  EXPECT_EQ(back->meta.origin, std::string(4095, 'o'));
  EXPECT_EQ(back->meta.created_at, "\xef\xbf\xbd\xef\xbf\xbd not UTF-8");
  EXPECT_TRUE(back->extra.empty());
  PolicyImageMeta long_source = Meta();
  long_source.source = std::string(5000, 's');
  const std::vector<uint8_t> img2 = BuildPolicyImage(*c, long_source, {});
  back = LoadPolicyImage(img2.data(), img2.size(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->policy->source, std::string(4096, 's'));
}

TEST(PolicyImageTest, AnUnalignedImageLoadsToo) {
  auto c = MakePolicy();
  const std::vector<uint8_t> image = ImageOf(*c);
  std::vector<uint8_t> shifted(image.size() + 1);
  std::memcpy(shifted.data() + 1, image.data(), image.size());
  std::string error;
  auto back = LoadPolicyImage(shifted.data() + 1, image.size(), &error);
  ASSERT_TRUE(back) << error;
  ExpectSameAnswers(*c, *back->policy);
}

// Corrupt the tables anywhere (the CRCs made right again, as a buggy writer
// would): the load either refuses, or every lookup it then answers stays
// inside the tables (ASan would catch a stray read).
TEST(PolicyImageTest, CorruptTablesNeverLeadOutOfBounds) {
  auto c = MakePolicy();
  const std::vector<RawSection> good = SectionsOf(ImageOf(*c));
  std::mt19937_64 rng(3);
  int refused = 0, loaded = 0;
  for (int round = 0; round < 300; round++) {
    std::vector<RawSection> raw = good;
    for (int k = 0; k < 4; k++) {
      std::string& b = raw[1 + rng() % 4].bytes;  // ipv4/ipv6 direct and slots
      if (!b.empty()) b[rng() % b.size()] = static_cast<char>(rng());
    }
    const std::vector<uint8_t> img = Assemble(raw);
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
      p->policy->v4.LookupBurst(keys, 1, out);
      p->policy->v6.LookupBurst(keys, 1, out);
      (void)p->policy->v4.Lookup(addr);
      (void)p->policy->v6.Lookup(addr);
    }
  }
  EXPECT_GT(loaded, 0);  // most flips land in values, not structure
  std::printf("corrupt images: %d refused, %d loaded and looked up safely\n", refused, loaded);
}

TEST(PolicyImageTest, ChildIndexOutsideTheTablesIsRefused) {
  auto c = MakePolicy();
  std::vector<RawSection> raw = SectionsOf(ImageOf(*c));
  ASSERT_EQ(raw[2].type, static_cast<uint32_t>(ImageSectionType::kV4Blob));
  std::string& blob = raw[2].bytes;
  const size_t slots = c->v4.storage().slot_count;
  PoptrieQuarter q;
  size_t qi = 0;
  for (; qi < slots; qi++) {
    std::memcpy(&q, blob.data() + qi * 32, sizeof q);
    if (q.child) break;
  }
  ASSERT_LT(qi, slots);
  q.child_quarter = 0x7fffffff;
  std::memcpy(blob.data() + qi * 32, &q, sizeof q);
  const std::vector<uint8_t> img = Assemble(raw);
  std::string error;
  EXPECT_FALSE(LoadPolicyImage(img.data(), img.size(), &error));
  EXPECT_NE(error.find("policy image: ipv4 table: "), std::string::npos) << error;
  EXPECT_NE(error.find("beyond the"), std::string::npos) << error;
}

}  // namespace
}  // namespace spamwall
