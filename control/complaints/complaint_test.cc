// ParseComplaint on the fixtures of tests/fixtures/complaints/ (each with the
// ids it must give) and on small complaints written here, one rule each.
#include "control/complaints/complaint.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace spamwall::complaints {
namespace {

// What gmock's HasSubstr and StartsWith would say (the tree links gtest only).
#define EXPECT_CONTAINS(s, sub) EXPECT_NE(std::string(s).find(sub), std::string::npos) << (s)
#define EXPECT_STARTS(s, prefix) EXPECT_EQ(std::string(s).rfind(prefix, 0), 0u) << (s)

std::string Fixture(const std::string& name) {
  const char* src = std::getenv("SPAMWALL_SOURCE_DIR");
  const std::string path =
      std::string(src && *src ? src : ".") + "/tests/fixtures/complaints/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// What every result must be, whatever the input.
void ExpectSane(const ParsedComplaint& c, const ComplaintLimits& limits = {}) {
  EXPECT_FALSE(c.message_ids.empty());
  EXPECT_LE(c.message_ids.size(), limits.max_ids);
  std::set<std::string> distinct(c.message_ids.begin(), c.message_ids.end());
  EXPECT_EQ(distinct.size(), c.message_ids.size());
  EXPECT_EQ(distinct.count(c.report_message_id), 0u) << "the complaint's own id as an original";
  for (const std::string& id : c.message_ids) {
    EXPECT_LE(id.size(), limits.max_field);
    EXPECT_NE(id.find('@'), std::string::npos) << id;
  }
  EXPECT_LE(c.warnings.size(), 33u);
}

struct Case {
  std::string file;
  ComplaintKind kind;
  std::vector<std::string> ids;
  std::string report_id;
  std::string feedback_type;
};

class FixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureTest, FindsTheOriginals) {
  const Case& c = GetParam();
  const auto r = ParseComplaint(Fixture(c.file));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ComplaintKindName(r->kind), std::string(ComplaintKindName(c.kind)));
  EXPECT_EQ(r->message_ids, c.ids);
  EXPECT_EQ(r->report_message_id, c.report_id);
  EXPECT_EQ(r->feedback_type, c.feedback_type);
  ExpectSane(*r);
  for (const std::string& w : r->warnings) ADD_FAILURE() << c.file << ": unexpected warning: " << w;
}

INSTANTIATE_TEST_SUITE_P(
    Complaints, FixtureTest,
    ::testing::Values(
        Case{"arf-rfc5965.eml", ComplaintKind::kArf,
             {"8787KJKJ3K4J3K4J3K4J3.mail@example.net"},  // unbracketed, as RFC 5965 B wrote it
             "<report-20050308-174036.1@mail.example.com>", "abuse"},
        Case{"arf-headers-only.eml", ComplaintKind::kArf,
             {"<20240312101500.4F2A1C0@mx.spamwall-customer.example>"},
             "<fbl.7f3a9c21.2024-03-12@feedback.mailbox-provider.example>", "abuse"},
        Case{"arf-base64.eml", ComplaintKind::kArf,
             {"<b64-original.20240214090110.77@roses-4-less.example>"},
             "<arf-b64-0001@reports.webmail.example>", "fraud"},
        Case{"arf-aol-crlf.eml", ComplaintKind::kArf,
             {"<20100423101059.GA5822@customer-host.carrier.example>"},
             "<201004230611.aMM05-2Bf@omr-m05.mx.aol.com>", "abuse"},
        Case{"arf-yahoo-qp-crlf.eml", ComplaintKind::kArf,
             {"<yahoo-qp-original.5512@bulk-sender.example>"},
             "<1709602210.8812@arf.mail.yahoo.com>", "abuse"},
        Case{"forward-gmail-inline.eml", ComplaintKind::kForwarded,
             {"<gmail-inline.20240309091238.5A7F@host-100-64-9-41.carrier.example>"},
             "<CAHx7-forwarder-Qm1N2b3V4c5X6z7@mail.gmail.example>", ""},
        Case{"forward-attached.eml", ComplaintKind::kForwarded,
             {"<attached.88213.1710165517@smtp.carrier.example>"},
             "<6c1e0f4a-3b2d-4e5f-9a8b-forwarder@isp-customer.example>", ""},
        Case{"forward-outlook-html.eml", ComplaintKind::kForwarded,
             {"<outlook.pre-approved.0312094105@host-100-64-88-2.carrier.example>"},
             "<DB9PR01MB1234ABCD5678EF90@DB9PR01MB1234.eurprd01.prod.outlook.example>", ""},
        Case{"bare-one.txt", ComplaintKind::kMessageIds,
             {"<20240312101500.4F2A1C0@mx.spamwall-customer.example>"}, "", ""},
        Case{"bare-three.txt", ComplaintKind::kMessageIds,
             {"<a1.20240312@host-100-64-1-1.carrier.example>",
              "<a2.20240312@host-100-64-1-1.carrier.example>",
              "<a3.20240312@host-100-64-1-1.carrier.example>"},
             "", ""}),
    [](const auto& info) {
      std::string name;
      for (char ch : info.param.file) name.push_back(isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
      return name;
    });

TEST(ComplaintFixtures, ArfFields) {
  auto r = ParseComplaint(Fixture("arf-rfc5965.eml"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->user_agent, "SomeGenerator/1.0");
  EXPECT_EQ(r->source_ip, "192.0.2.1");
  EXPECT_EQ(r->original_mail_from, "<somespammer@example.net>");
  EXPECT_EQ(r->arrival_date, "Thu, 8 Mar 2005 14:00:00 EDT");
  EXPECT_EQ(r->reported_domain, "example.net");

  r = ParseComplaint(Fixture("arf-headers-only.eml"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->reported_domain, "newsletter-blast.example, cheap-pills.example");
  EXPECT_EQ(r->source_ip, "100.64.12.34");

  r = ParseComplaint(Fixture("arf-aol-crlf.eml"));  // the older drafts' Received-Date, CRLF gone
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->user_agent, "AOL SComp");
  EXPECT_EQ(r->arrival_date, "Fri, 23 Apr 2010 06:11:02 -0400");
  EXPECT_EQ(r->source_ip, "100.64.3.9");

  r = ParseComplaint(Fixture("arf-yahoo-qp-crlf.eml"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->user_agent, "Yahoo!-Mail-Feedback/2.0");
  EXPECT_EQ(r->original_mail_from, "<watches@bulk-sender.example>");
}

TEST(ComplaintFixtures, ForwardedFeedbackReport) {
  // A provider forwards the report it got: the report's original, neither
  // the forward's id nor the attached report's own.
  const auto r = ParseComplaint(Fixture("forward-of-arf.eml"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kArf);
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"8787KJKJ3K4J3K4J3K4J3.mail@example.net"});
  EXPECT_EQ(r->report_message_id, "<fwd-of-arf.1@isp.example>");
  EXPECT_EQ(r->feedback_type, "abuse");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_CONTAINS(r->warnings[0], "part 2: an attached feedback report");
}

struct Negative {
  std::string file;
  std::string says;  // in the error, after the common part
};

class NegativeTest : public ::testing::TestWithParam<Negative> {};

TEST_P(NegativeTest, IsRefused) {
  const auto r = ParseComplaint(Fixture(GetParam().file));
  ASSERT_FALSE(r.ok()) << GetParam().file << " gave " << r->message_ids.size() << " ids";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_STARTS(std::string(r.status().message()), "complaint: no Message-ID found (neither an ARF report, a forwarded message with the original's headers, nor a bare <id@host>)");
  EXPECT_CONTAINS(std::string(r.status().message()), GetParam().says);
}

INSTANTIATE_TEST_SUITE_P(
    Complaints, NegativeTest,
    ::testing::Values(
        Negative{"empty.txt", "the input is empty"},
        Negative{"garbage.bin", "the input is not text"},
        Negative{"no-original.eml", "<angry.20240313180000@webmail.example> is the complaint's own"},
        Negative{"only-references.eml", "<reply.20240314080000@corp.example> is the complaint's own"}),
    [](const auto& info) {
      std::string name;
      for (char ch : info.param.file) name.push_back(isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
      return name;
    });

// Every prefix of every fixture (a truncated file, a cut mail) parses to a
// sane result or an error, under the sanitizers without a finding.
TEST(ComplaintFixtures, EveryPrefixIsSafe) {
  for (const char* f : {"arf-rfc5965.eml", "arf-base64.eml", "arf-aol-crlf.eml",
                        "arf-yahoo-qp-crlf.eml", "forward-gmail-inline.eml",
                        "forward-outlook-html.eml", "forward-of-arf.eml", "bare-three.txt"}) {
    const std::string text = Fixture(f);
    for (size_t n = 0; n <= text.size(); n++) {
      const auto r = ParseComplaint(std::string_view(text).substr(0, n));
      if (r.ok()) {
        ExpectSane(*r);
      } else {
        EXPECT_STARTS(std::string(r.status().message()), "complaint: ");
      }
    }
  }
}

// --- one rule each ---

absl::StatusOr<ParsedComplaint> Parse(const std::string& s, const ComplaintLimits& l = {}) {
  return ParseComplaint(s, l);
}

const char kArfHead[] =
    "From: fbl@provider.example\n"
    "Date: Tue, 12 Mar 2024 10:21:05 +0000\n"
    "Message-ID: <own@provider.example>\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=b1\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain\n"
    "\n"
    "report\n"
    "--b1\n"
    "Content-Type: message/feedback-report\n"
    "\n"
    "Feedback-Type: abuse\n"
    "--b1\n";

TEST(Complaint, TooLarge) {
  ComplaintLimits l;
  l.max_bytes = 10;
  const auto r = Parse("<a@b>\n<c@d>\n", l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "complaint: larger than 10 bytes");
  EXPECT_EQ(Parse(std::string((16 << 20) + 1, 'x')).status().message(),
            "complaint: larger than 16777216 bytes");
}

TEST(Complaint, UnclosedBoundaryIsAWarningWhenTheIdIsThere) {
  const auto r = Parse(std::string(kArfHead) +
                       "Content-Type: message/rfc822\n\nFrom: x@y\nMessage-ID: <orig@spam.example>\n\nbody\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<orig@spam.example>"});
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_EQ(r->warnings[0], "line 14: MIME boundary \"b1\" never closed");
}

TEST(Complaint, UnclosedBoundaryIsTheErrorWhenItHidesTheId) {
  const auto r = Parse(std::string(kArfHead) + "Content-Type: message/rfc822\n\nFrom: x@y\nSubj");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()),
            "complaint: line 14: MIME boundary \"b1\" never closed; no Message-ID found; part 3: "
            "the original's headers have no Message-ID");
}

TEST(Complaint, BoundaryNeverFound) {
  const auto r = Parse(
      "From: a@b\nMessage-ID: <own@x>\nContent-Type: multipart/mixed; boundary=\"zz\"\n\ntext\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()),
            "complaint: line 3: MIME boundary \"zz\" never found; no Message-ID found");
}

TEST(Complaint, FoldedCaseInsensitiveHeadersAndUnquotedBoundary) {
  const auto r = Parse(
      "fROM: a@b\r\nmessage-id:\r\n\t<own@x>\r\nCONTENT-TYPE: Multipart/Report;\r\n report-type=Feedback-Report;\r\n"
      " boundary=----=_Part_1\r\n\r\n"
      "------=_Part_1\r\ncontent-type: message/feedback-report\r\n\r\nfeedback-type: Fraud\r\n"
      "------=_Part_1\r\ncontent-type: MESSAGE/RFC822\r\n\r\nFrom: s@t\r\nMESSAGE-ID:\r\n   "
      "<orig-folded@spam.example>\r\n\r\nhi\r\n------=_Part_1--\r\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kArf);
  EXPECT_EQ(r->report_message_id, "<own@x>");
  EXPECT_EQ(r->feedback_type, "fraud");
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<orig-folded@spam.example>"});
  EXPECT_TRUE(r->warnings.empty()) << r->warnings[0];
}

TEST(Complaint, BadBase64PartIsSkippedWithAWarning) {
  const auto r = Parse(std::string(kArfHead) +
                       "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
                       "RnJvbTogeEB5*\n--b1\nContent-Type: text/rfc822-headers\n\n"
                       "From: x@y\nMessage-ID: <second@spam.example>\n--b1--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<second@spam.example>"});
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "part 3: base64 does not decode (line 18); skipped");
}

TEST(Complaint, ReportWithoutOriginalReadsItsText) {
  const auto r = Parse(
      "From: a@b\nMessage-ID: <own@x>\nContent-Type: multipart/report; report-type=feedback-report; "
      "boundary=b\n\n--b\nContent-Type: text/plain\n\nThe message was:\nMessage-ID: <orig@s>\n"
      "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--b--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<orig@s>"});
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_CONTAINS(r->warnings[0], "its text read instead");
}

TEST(Complaint, ReportTextIsNotReadWhenTheOriginalIsThere) {
  const auto r = Parse(std::string(kArfHead) +
                       "Content-Type: text/rfc822-headers\n\nMessage-ID: <orig@s>\n--b1--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<orig@s>"});
}

TEST(Complaint, OriginalWithoutTheEmptyLineAfterThePartHeaders) {
  const auto r = Parse(std::string(kArfHead) +
                       "Content-Type: text/rfc822-headers\nFrom: s@t\nMessage-ID: <o@s>\n--b1--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<o@s>"});
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Complaint, OriginalBodyIsNotRead) {
  // The spammer's body may hold anything that looks like headers.
  const auto r = Parse(std::string(kArfHead) +
                       "Content-Type: message/rfc822\n\nFrom: s@t\nMessage-ID: <orig@s>\n\n"
                       "Message-ID: <planted@victim.example>\n--b1--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<orig@s>"});
}

TEST(Complaint, FeedbackFieldsBounded) {
  ComplaintLimits l;
  l.max_field = 16;
  const auto r = Parse(
      "From: a@b\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n"
      "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
      "User-Agent: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
      "Source-IP: 1.2.3.4\x01\nReported-Domain: aaaa.example\nReported-Domain: bbbb.example\n"
      "--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <o@s>\n--b--\n",
      l);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->user_agent, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(r->source_ip, "1.2.3.4");  // the control byte a blank, trimmed away
  EXPECT_EQ(r->reported_domain, "aaaa.example, bb");
  EXPECT_CONTAINS(r->warnings.at(0), "User-Agent longer than 16 bytes; cut");
}

TEST(Complaint, FeedbackReportWithoutTheEmptyLine) {
  const auto r = Parse(
      "From: a@b\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n"
      "--b\nContent-Type: message/feedback-report\nFeedback-Type: Abuse\nArrival-Date: then\n"
      "Received-Date: before\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <o@s>\n--b--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->feedback_type, "abuse");
  EXPECT_EQ(r->arrival_date, "then");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Complaint, NestingIsBounded) {
  std::string s = "From: a@b\nMessage-ID: <own@x>\nContent-Type: multipart/mixed; boundary=b0\n\n";
  for (int i = 1; i <= 12; i++)
    s += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=b" +
         std::to_string(i) + "\n\n";
  s += "--b12\nContent-Type: text/plain\n\nMessage-ID: <deep@s>\n";
  for (int i = 12; i >= 0; i--) s += "--b" + std::to_string(i) + "--\n";
  auto r = Parse(s);
  ASSERT_FALSE(r.ok());
  EXPECT_CONTAINS(std::string(r.status().message()), "nested deeper than 8 levels");
  ComplaintLimits l;
  l.max_depth = 16;
  r = Parse(s, l);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<deep@s>"});
}

TEST(Complaint, ForwardedInlineVariants) {
  const auto r = Parse(
      "From: u@x\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <fwd@x>\n\n"
      "-----Original Message-----\n"
      "> Message-ID: <quoted@s>\n"
      "*Message-ID:* <gmail-bold@s>\n"
      "Message-ID:\n    <folded@s>\n"
      "In-Reply-To: <not-this@s>\n"
      "References: <nor-this@s>\n"
      "Resent-Message-ID: <nor-that@s>\n"
      "The Message-ID: <prose@s> is not a field at the start of a line\n"
      "Message-ID: <fwd@x>\n");  // the complaint's own, quoted back: never an original
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kForwarded);
  EXPECT_EQ(r->message_ids,
            (std::vector<std::string>{"<quoted@s>", "<gmail-bold@s>", "<folded@s>"}));
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_CONTAINS(r->warnings[0], "the complaint's own Message-ID");
}

TEST(Complaint, ForwardWithoutHeadersSaysSo) {
  const auto r = Parse(
      "From: u@x\nMessage-ID: <fwd@x>\n\n---------- Forwarded message ---------\nFrom: s@t\n"
      "Subject: hi\n\nbuy\n");
  ASSERT_FALSE(r.ok());
  EXPECT_CONTAINS(r.status().message(), "line 4: a forwarded message without its headers");
}

TEST(Complaint, AttachedEmlAndDigest) {
  auto r = Parse(
      "From: u@x\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
      "Content-Type: application/octet-stream; name=\"spam.eml\"\n"
      "Content-Transfer-Encoding: base64\n\n"
      "TWVzc2FnZS1JRDogPGVtbEBzPgoKYm9keQo=\n--m--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<eml@s>"});
  r = Parse(
      "From: u@x\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nMessage-ID: <d1@s>\n\n"
      "one\n--d\n\nMessage-ID: <d2@s>\n--d--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, (std::vector<std::string>{"<d1@s>", "<d2@s>"}));
}

TEST(Complaint, ForwardChainsAreFollowed) {
  const auto r = Parse(
      "From: desk@isp\nMessage-ID: <f2@isp>\nContent-Type: multipart/mixed; boundary=o\n\n--o\n"
      "Content-Type: message/rfc822\n\nFrom: user@isp\nMessage-ID: <f1@isp>\n"
      "Content-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: text/plain\n\nsee\n--i\n"
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n"
      "From: spam@s\nMessage-ID: <spam=40s>\n--i--\n--o--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, (std::vector<std::string>{"<f1@isp>", "<spam@s>"}));
  EXPECT_EQ(r->report_message_id, "<f2@isp>");
}

TEST(Complaint, BareLists) {
  auto r = Parse("<a@b>, <c@d>\n<a@b>\n  Message-Id : <e@f>\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kMessageIds);
  EXPECT_EQ(r->message_ids, (std::vector<std::string>{"<a@b>", "<c@d>", "<e@f>"}));
  r = Parse("\xEF\xBB\xBF<bom@x>\r\n<no-at>\r\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<bom@x>"});
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "line 2: \"<no-at>\" is not of the form <left@right>; skipped");
  r = Parse("<no-at>\n");
  ASSERT_FALSE(r.ok());
  EXPECT_CONTAINS(std::string(r.status().message()), "line 1: \"<no-at>\" is not of");
  // A note around the ids is not a list, but text to read.
  r = Parse("Complaint of today:\nMessage-ID: <n@x>\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kForwarded);
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<n@x>"});
}

TEST(Complaint, IdsBounded) {
  ComplaintLimits l;
  l.max_ids = 3;
  l.max_field = 12;
  const auto r = Parse("<1@a>\n<2@a>\n<toolong@example>\n<3@a>\n<4@a>\n<5@a>\n", l);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, (std::vector<std::string>{"<1@a>", "<2@a>", "<3@a>"}));
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_EQ(r->warnings[0], "line 3: \"<toolong@example>\" is longer than the field limit; skipped");
  EXPECT_EQ(r->warnings[1], "more than 3 Message-IDs; the rest ignored");
}

TEST(Complaint, WarningsBounded) {
  std::string s = "From: a@b\n\n";
  for (int i = 0; i < 100; i++) s += "Message-ID: nothing\n";
  s += "Message-ID: <one@x>\n";
  const auto r = Parse(s);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->warnings.size(), 33u);
  EXPECT_EQ(r->warnings[0], "line 3: Message-ID \"nothing\" holds no <left@right>; skipped");
  EXPECT_EQ(r->warnings.back(), "68 more warnings");
}

TEST(Complaint, ManyPartsAreBounded) {
  std::string s = "From: a@b\nContent-Type: multipart/mixed; boundary=p\n\n";
  for (int i = 0; i < 20000; i++) s += "--p\n\nMessage-ID: <" + std::to_string(i) + "@x>\n";
  ComplaintLimits l;
  l.max_ids = 100000;
  const auto r = Parse(s, l);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(r->message_ids.size(), 10000u);
  EXPECT_GT(r->message_ids.size(), 9000u);
  EXPECT_CONTAINS(r->warnings.back(), "MIME parts; the rest skipped");
}

TEST(Complaint, FeedbackReportOutsideAReportIsStillArf) {
  const auto r = Parse(
      "From: a@b\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: message/rfc822\n\n"
      "From: x@y\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--o\n"
      "Content-Type: message/rfc822\n\nFrom: z@w\nMessage-ID: <o@s>\n--o--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ComplaintKind::kArf);
  EXPECT_EQ(r->feedback_type, "abuse");
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<o@s>"});
}

TEST(Complaint, WarningsInDecodedPartsSayWhere) {
  const auto r = Parse(
      "From: a@b\nContent-Type: multipart/mixed; boundary=o\n\n--o\n"
      "Content-Transfer-Encoding: quoted-printable\n\nhi=\n\nMessage-ID: <bad=20id@x>\n"
      "Message-ID: <good=40x>\n--o--\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_ids, std::vector<std::string>{"<good@x>"});
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "part 1 (decoded), line 2: Message-ID \"<bad id@x>\" has no closing '>'; skipped");
}

TEST(Complaint, KindNames) {
  EXPECT_STREQ(ComplaintKindName(ComplaintKind::kArf), "arf");
  EXPECT_STREQ(ComplaintKindName(ComplaintKind::kForwarded), "forwarded");
  EXPECT_STREQ(ComplaintKindName(ComplaintKind::kMessageIds), "message_id");
}

}  // namespace
}  // namespace spamwall::complaints
