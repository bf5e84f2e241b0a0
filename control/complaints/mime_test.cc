// The parser's pieces: header unfolding, media types, multipart cutting,
// the decoders and Message-ID tokens.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/complaints/encoding.h"
#include "control/complaints/forwarded.h"
#include "control/complaints/message_id.h"
#include "control/complaints/mime.h"

namespace spamwall::complaints {
namespace {

std::vector<std::pair<std::string, std::string>> Fields(std::string_view text, size_t* body) {
  std::vector<std::pair<std::string, std::string>> out;
  *body = ReadHeaderFields(text, [&](const HeaderField& f) {
    out.emplace_back(std::string(f.name), std::string(f.value));
  });
  return out;
}

TEST(Mime, HeadersUnfoldAndEnd) {
  size_t body = 0;
  const std::string text = "From alice Tue Mar 12 10:00:00 2024\r\nSubject: a\r\n  b\r\n\tc\r\nX-Empty:\r\nTo : d\r\n\r\nbody";
  const auto f = Fields(text, &body);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"Subject", "a  b\tc"}));
  EXPECT_EQ(f[1].second, "");
  EXPECT_EQ(f[2], (std::pair<std::string, std::string>{"To", "d"}));
  EXPECT_EQ(text.substr(body), "body");
  // A blank line ends them too; a line that is no field starts the body.
  EXPECT_EQ(Fields("A: 1\n \t \nB: 2\n", &body).size(), 1u);
  EXPECT_EQ(Fields("A: 1\nnot a field\nB: 2\n", &body).size(), 1u);
  EXPECT_EQ(body, 5u);
  EXPECT_EQ(Fields("  indented\nA: 1\n", &body).size(), 0u);
  EXPECT_EQ(body, 0u);
  EXPECT_EQ(Fields("", &body).size(), 0u);
}

TEST(Mime, MediaTypes) {
  MediaType t = ParseMediaType(
      "Multipart/Report (comment); report-type=Feedback-Report;\tBOUNDARY=\"a \\\"b\\\";c\" ; x");
  EXPECT_EQ(t.type, "multipart");
  EXPECT_EQ(t.subtype, "report");
  ASSERT_NE(t.Param("boundary"), nullptr);
  EXPECT_EQ(*t.Param("boundary"), "a \"b\";c");
  EXPECT_EQ(*t.Param("report-type"), "Feedback-Report");
  EXPECT_EQ(t.Param("x"), nullptr);
  t = ParseMediaType("multipart/mixed; boundary==_NextPart_000 ");
  EXPECT_EQ(*t.Param("boundary"), "=_NextPart_000");
  t = ParseMediaType("attachment; filename=\"unterminated");
  EXPECT_EQ(t.type, "attachment");
  EXPECT_EQ(*t.Param("filename"), "unterminated");
  EXPECT_EQ(ParseMediaType("").type, "");
}

TEST(Mime, Multipart) {
  const std::string body =
      "preamble\r\n--b\r\nA: 1\r\n\r\none\r\n--b  \r\n\r\ntwo\r\n--bb\r\n--b--\r\nepilogue";
  Multipart m = SplitMultipart(body, "b", 100);
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0], "A: 1\r\n\r\none");
  EXPECT_EQ(m.parts[1], "\r\ntwo\r\n--bb");  // "--bb" is another boundary
  EXPECT_TRUE(m.found && m.closed && !m.truncated);
  m = SplitMultipart("--b\none\n--b\ntwo", "b", 100);
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[1], "two");
  EXPECT_FALSE(m.closed);
  m = SplitMultipart("--b\n1\n--b\n2\n--b\n3\n--b--\n", "b", 2);
  EXPECT_EQ(m.parts.size(), 2u);
  EXPECT_TRUE(m.truncated);
  EXPECT_FALSE(SplitMultipart("no delimiter", "b", 10).found);
  EXPECT_FALSE(SplitMultipart("--\n", "", 10).found);
}

TEST(Encoding, Base64) {
  std::string out;
  size_t bad = 0;
  EXPECT_TRUE(DecodeBase64("TWVz\r\nc2Fn ZQ==", &out, &bad));
  EXPECT_EQ(out, "Message");
  EXPECT_TRUE(DecodeBase64("TWVzc2FnZQ", &out, &bad));  // padding left out
  EXPECT_EQ(out, "Message");
  EXPECT_TRUE(DecodeBase64("QQ==\nQg==\n", &out, &bad));  // each line padded
  EXPECT_EQ(out, "AB");
  EXPECT_FALSE(DecodeBase64("TWVz*", &out, &bad));
  EXPECT_EQ(bad, 4u);
  EXPECT_FALSE(DecodeBase64("TWVzc", &out, &bad));  // a lone sextet
  EXPECT_FALSE(DecodeBase64("T=", &out, &bad));
  EXPECT_TRUE(DecodeBase64("", &out, &bad));
  EXPECT_EQ(out, "");
}

TEST(Encoding, QuotedPrintable) {
  EXPECT_EQ(DecodeQuotedPrintable("a=3Db=3d=\r\nc= \nd=XYe=\n=4"), "a=b=cd=XYe=4");
  EXPECT_EQ(DecodeQuotedPrintable("end="), "end");
  EXPECT_EQ(DecodeQuotedPrintable("=E2=80=94"), "\xe2\x80\x94");
}

TEST(Encoding, Html) {
  EXPECT_EQ(HtmlToText("<p><b>Message-ID:</b> &lt;a@b&gt;</p><!-- <x@y> -->"), "Message-ID: <a@b>\n");
  EXPECT_EQ(HtmlToText("<div>Message-ID: <raw@sloppy></div>"), "Message-ID: <raw@sloppy>\n");
  EXPECT_EQ(HtmlToText("<pre>A: 1\n\tfolded</pre>"), "A: 1\n\tfolded\n");
  EXPECT_EQ(HtmlToText("a<br><br><p>b"), "a\nb");
  EXPECT_EQ(HtmlToText("x &#64; &#x40; &bogus; &#999; <unterminated"), "x @ @ &bogus; &#999; <unterminated");
  EXPECT_EQ(HtmlToText("<td>Message-ID:</td><td>&lt;c@d&gt;</td>"), "Message-ID: <c@d> ");
}

TEST(MessageId, InValue) {
  EXPECT_EQ(MessageIdInValue("<a@b>", 998), "<a@b>");
  EXPECT_EQ(MessageIdInValue("(comment <x>) <a@b> (more)", 998), "<a@b>");
  EXPECT_EQ(MessageIdInValue("<no-at> <a@b>", 998), "<a@b>");
  EXPECT_EQ(MessageIdInValue("<<a@b>", 998), "<a@b>");
  EXPECT_EQ(MessageIdInValue("8787.mail@example.net", 998), "8787.mail@example.net");
  EXPECT_EQ(MessageIdInValue("a@b (comment)", 998), "a@b");
  std::string why;
  EXPECT_EQ(MessageIdInValue("<a @b>", 998, &why), "");
  EXPECT_EQ(why, "has no closing '>'");
  why.clear();
  EXPECT_EQ(MessageIdInValue("some words", 998, &why), "");
  EXPECT_EQ(why, "holds no <left@right>");
  why.clear();
  EXPECT_EQ(MessageIdInValue("<@b>", 998, &why), "");
  EXPECT_EQ(why, "is not of the form <left@right>");
  why.clear();
  EXPECT_EQ(MessageIdInValue("<abc@def>", 8, &why), "");
  EXPECT_EQ(why, "is longer than the field limit");
  EXPECT_EQ(MessageIdProblem("<a\x01@b>", 998), "has a blank, control byte or bracket inside");
  EXPECT_EQ(MessageIdProblem("<\xc3\xa9@b>", 998), "");  // RFC 6532
}

TEST(MessageId, BareLists) {
  std::vector<std::string> ids, refused;
  auto read = [&](std::string_view text) {
    ids.clear();
    refused.clear();
    return ReadBareIds(
        text, 998, [&](std::string_view id, size_t) { ids.emplace_back(id); },
        [&](std::string_view t, size_t, std::string_view) { refused.emplace_back(t); });
  };
  EXPECT_TRUE(read("# c\n\n<a@b> <c@d>,<e@f>\nMESSAGE-ID: <g@h>\n<x>"));
  EXPECT_EQ(ids, (std::vector<std::string>{"<a@b>", "<c@d>", "<e@f>", "<g@h>"}));
  EXPECT_EQ(refused, std::vector<std::string>{"<x>"});
  EXPECT_FALSE(read("<a@b>\nFrom: x\n"));
  EXPECT_TRUE(ids.empty());
  EXPECT_FALSE(read("# only a comment\n"));
  EXPECT_FALSE(read(""));
  EXPECT_FALSE(read("<a b@c>"));
  EXPECT_FALSE(read("References: <a@b>"));
}

TEST(Forwarded, Scan) {
  std::vector<std::string> values;
  const std::string text =
      "Begin forwarded message:\n\n> > Message-ID: <a@b>\n>  continued\nmessage-id : x\n";
  const char* sep = ScanForwardedText(text, [&](std::string_view v, const char*) { values.emplace_back(v); });
  EXPECT_EQ(sep, text.data());
  EXPECT_EQ(values, (std::vector<std::string>{"<a@b> continued", "x"}));
  EXPECT_EQ(ScanForwardedText("no separator", [](std::string_view, const char*) {}), nullptr);
}

}  // namespace
}  // namespace spamwall::complaints
