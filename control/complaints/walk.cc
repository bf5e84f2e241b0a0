#include "control/complaints/walk.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "control/complaints/encoding.h"
#include "control/complaints/feedback_report.h"
#include "control/complaints/forwarded.h"
#include "control/complaints/message_id.h"

namespace spamwall::complaints {

namespace {

// Fields a message has and a MIME part does not: the top is a message.
bool MessageField(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "From", "Date", "Subject", "To", "Received", "Return-Path", "Sender", "Reply-To",
      "Delivered-To", "MIME-Version", "Content-Type"};
  for (std::string_view n : kNames)
    if (IEquals(name, n)) return true;
  return false;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Child(const std::string& label, size_t i) {
  return label.empty() ? absl::StrCat(i) : absl::StrCat(label, ".", i);
}

bool IsMessage(const MediaType& t) {
  return t.Is("message", "rfc822") || t.Is("message", "global");
}

bool IsHeaders(const MediaType& t) {
  return t.Is("text", "rfc822-headers") || t.Is("message", "rfc822-headers") ||
         t.Is("message", "global-headers");
}

}  // namespace

MimeWalker::MimeWalker(Collector* c)
    : c_(c), max_depth_(std::min(c->limits().max_depth, kMaxDepth)) {}

MimeWalker::Head MimeWalker::ReadHead(std::string_view entity, bool digest_child) const {
  Head h;
  h.entity = entity;
  bool typed = false;
  std::string name;  // Content-Type's name=, the filename of old clients
  const size_t max_field = c_->limits().max_field;
  const size_t body = ReadHeaderFields(
      entity,
      [&](const HeaderField& f) {
        if (MessageField(f.name)) h.message = true;
        if (IEquals(f.name, "Content-Type")) {
          if (typed) return;
          typed = true;
          h.type = ParseMediaType(f.value);
          h.type_where = f.where;
          if (const std::string* n = h.type.Param("name")) name = Lower(*n);
        } else if (IEquals(f.name, "Content-Transfer-Encoding")) {
          if (h.cte.empty()) h.cte = Lower(TrimSpace(f.value.substr(0, 40)));
        } else if (IEquals(f.name, "Content-Disposition")) {
          const MediaType d = ParseMediaType(f.value);
          const std::string* n = d.Param("filename");
          if (!n) n = d.Param("filename*");  // RFC 2231: charset'lang'name, the suffix readable
          if (n && h.filename.empty()) h.filename = Lower(*n);
        } else if (IEquals(f.name, "Message-ID")) {
          if (++h.id_fields > 16) return;
          IdField id{{}, {}, f.where};
          std::string problem;
          const std::string_view v = MessageIdInValue(f.value, max_field, &problem);
          if (!v.empty()) id.id = std::string(v);
          else id.problem = absl::StrCat(Excerpt(f.value), " ", problem);
          h.ids.push_back(std::move(id));
        }
      },
      &h.fields);
  if (h.filename.empty()) h.filename = name;
  if (h.type.type.empty() || h.type.subtype.empty()) {  // absent, or no syntax: the default
    h.type = MediaType{};
    h.type.type = digest_child ? "message" : "text";
    h.type.subtype = digest_child ? "rfc822" : "plain";
  }
  h.body = entity.substr(std::min(body, entity.size()));
  return h;
}

bool MimeWalker::WalkComplaint(std::string_view text) {
  const Head h = ReadHead(text, false);
  if (!h.message) return false;
  Walk(h, Role::kComplaint, Scope{}, 0, "");
  return true;
}

void MimeWalker::WalkText(std::string_view text) { ScanText(text, false, ""); }

void MimeWalker::Walk(const Head& h, Role role, Scope scope, size_t depth,
                      const std::string& label) {
  if (c_->full()) return;
  if (depth > max_depth_) {
    c_->Warn([&] {
      return absl::StrCat(PartName(label), ": nested deeper than ", max_depth_, " levels; skipped");
    });
    return;
  }
  if (entities_ >= kMaxEntities) {
    if (!warned_entities_)
      c_->Warn([&] { return absl::StrCat("more than ", kMaxEntities, " MIME parts; the rest skipped"); });
    warned_entities_ = true;
    return;
  }
  entities_++;
  if (role == Role::kHeaders) {  // an original: its id, never its body (the spammer's text)
    TakeIds(h, label, "the original's headers have");
    return;
  }
  std::string_view body;
  const bool readable = Decode(h, label, &body);
  if (readable && h.type.type == "multipart") return WalkMultipart(h, body, role, scope, depth, label);
  OwnIds(h, role, false, label);
  if (!readable) return;
  const MediaType& t = h.type;
  const bool eml = EndsWith(h.filename, ".eml") &&
                   (t.type == "application" || t.type == "text" || t.type == "message");
  // An original whose part leaves out the empty line after its own
  // headers: its Message-ID sits among them (a part never has one).
  const bool unseparated = h.id_fields > 0 && body.data() == h.body.data();
  if (IsMessage(t) || (eml && !IsHeaders(t))) {
    const Head inner = ReadHead(unseparated && scope.report ? h.entity : body, false);
    if (inner.fields == 0) {
      c_->Warn([&] { return absl::StrCat(PartName(label), ": an attached message without headers"); });
      return;
    }
    Walk(inner, scope.report ? Role::kHeaders : Role::kForwarded, scope, depth + 1, label);
  } else if (IsHeaders(t)) {
    Walk(ReadHead(unseparated ? h.entity : body, false), Role::kHeaders, scope, depth + 1, label);
  } else if (t.Is("message", "feedback-report")) {
    ReadFeedbackReport(h, body, label);
  } else if (t.type == "text") {
    ReadText(body, t.subtype == "html", scope, label);
  } else if (t.Is("application", "vnd.ms-outlook") || EndsWith(h.filename, ".msg")) {
    c_->Warn([&] {
      return absl::StrCat(PartName(label),
                          ": an Outlook .msg attachment cannot be read (forward as .eml); skipped");
    });
  }
}

void MimeWalker::WalkMultipart(const Head& h, std::string_view body, Role role, Scope scope,
                               size_t depth, const std::string& label) {
  const std::string* boundary = h.type.Param("boundary");
  if (!boundary || boundary->empty()) {
    c_->Structural([&] {
      return absl::StrCat(c_->Where(h.type_where, label), ": ", h.type.type, "/", h.type.subtype,
                          " without a boundary");
    });
    OwnIds(h, role, false, label);
    return ReadText(body, false, scope, label);
  }
  const Multipart m = SplitMultipart(body, *boundary, kMaxEntities - std::min(entities_, kMaxEntities));
  if (!m.found) {
    c_->Structural([&] {
      return absl::StrCat(c_->Where(h.type_where, label), ": MIME boundary ", Excerpt(*boundary),
                          " never found");
    });
    OwnIds(h, role, false, label);
    return ReadText(body, false, scope, label);
  }
  if (m.truncated) {
    if (!warned_entities_)
      c_->Warn([&] { return absl::StrCat("more than ", kMaxEntities, " MIME parts; the rest skipped"); });
    warned_entities_ = true;
  } else if (!m.closed) {
    c_->Structural([&] {
      return absl::StrCat(c_->Where(m.last_delimiter, label), ": MIME boundary ", Excerpt(*boundary),
                          " never closed");
    });
  }
  const bool digest = h.type.subtype == "digest";
  std::vector<Head> children;
  children.reserve(m.parts.size());
  bool report = false;
  if (const std::string* type = h.type.Param("report-type");
      h.type.subtype == "report" && type && IEquals(*type, "feedback-report"))
    report = true;
  for (std::string_view part : m.parts) {
    children.push_back(ReadHead(part, digest));
    if (children.back().type.Is("message", "feedback-report")) report = true;
  }
  OwnIds(h, role, report, label);
  if (report) saw_report_ = true;
  std::vector<Text> texts;
  Scope inner = scope;
  if (report) inner = Scope{true, &texts};
  const size_t before = c_->ids();
  for (size_t i = 0; i < children.size(); i++)
    Walk(children[i], Role::kPart, inner, depth + 1, Child(label, i + 1));
  if (!report || c_->ids() > before || c_->full()) return;
  if (texts.empty()) {
    c_->Warn([&] {
      return absl::StrCat(PartName(label),
                          ": a feedback report without the original (message/rfc822 or "
                          "text/rfc822-headers)");
    });
    return;
  }
  c_->Warn([&] {
    return absl::StrCat(PartName(label),
                        ": a feedback report without the original's Message-ID; its text read instead");
  });
  for (const Text& t : texts) ScanText(t.text, t.html, t.label);
}

void MimeWalker::OwnIds(const Head& h, Role role, bool report, const std::string& label) {
  if (role == Role::kComplaint) {
    for (const IdField& id : h.ids) {
      if (id.id.empty()) continue;
      c_->SetReportId(id.id);
      break;
    }
  } else if (role == Role::kForwarded) {
    if (report) {
      c_->Warn([&] {
        return absl::StrCat(PartName(label),
                            ": an attached feedback report: its originals are taken, not its own "
                            "Message-ID");
      });
    } else {
      TakeIds(h, label, "the forwarded message has");
    }
  }
}

bool MimeWalker::Decode(const Head& h, const std::string& label, std::string_view* body) {
  const std::string& e = h.cte;
  if (e.empty() || e == "7bit" || e == "8bit" || e == "binary") {
    *body = h.body;
    return true;
  }
  const bool base64 = e == "base64";
  if (!base64 && e != "quoted-printable") {
    c_->Warn([&] {
      return absl::StrCat(PartName(label), ": Content-Transfer-Encoding ", Excerpt(e),
                          " is not supported; skipped");
    });
    return false;
  }
  if (!c_->Budget(h.body.size())) {
    c_->Warn([&] { return absl::StrCat(PartName(label), ": too much decoded already; skipped"); });
    return false;
  }
  std::string out;
  if (base64) {
    size_t bad = 0;
    if (!DecodeBase64(h.body, &out, &bad)) {
      c_->Warn([&] {
        return absl::StrCat(PartName(label), ": base64 does not decode (",
                            c_->Where(h.body.data() + bad, label), "); skipped");
      });
      return false;
    }
  } else {
    out = DecodeQuotedPrintable(h.body);
  }
  *body = c_->Keep(std::move(out), label);
  return true;
}

void MimeWalker::TakeIds(const Head& h, const std::string& label, std::string_view what) {
  if (h.ids.empty()) {
    c_->Warn([&] { return absl::StrCat(PartName(label), ": ", Av(what), " no Message-ID"); });
    return;
  }
  for (const IdField& id : h.ids) {
    if (!id.id.empty()) {
      c_->AddId(id.id);
      continue;
    }
    c_->Warn([&] {
      return absl::StrCat(c_->Where(id.where, label), ": Message-ID ", id.problem, "; skipped");
    });
  }
  if (h.id_fields > h.ids.size())
    c_->Warn([&] {
      return absl::StrCat(PartName(label), ": ", h.id_fields, " Message-ID fields; the first ",
                          h.ids.size(), " read");
    });
}

void MimeWalker::ReadFeedbackReport(const Head& h, std::string_view body, const std::string& label) {
  if (feedback_seen_) {
    c_->Warn([&] { return absl::StrCat(PartName(label), ": another message/feedback-report; ignored"); });
    return;
  }
  feedback_seen_ = true;
  saw_report_ = true;  // even one outside a multipart/report: its fields make it ARF
  FeedbackReportReader reader(c_->limits().max_field, &c_->out());
  reader.Read(body);
  // Some reporters leave out the empty line: the fields are the part's headers.
  if (c_->out().feedback_type.empty() && body.data() == h.body.data()) reader.Read(h.entity);
  for (const std::string& name : reader.cut())
    c_->Warn([&] {
      return absl::StrCat(PartName(label), ": ", name, " longer than ", c_->limits().max_field,
                          " bytes; cut");
    });
  if (c_->out().feedback_type.empty())
    c_->Warn([&] {
      return absl::StrCat(PartName(label), ": message/feedback-report without Feedback-Type");
    });
}

void MimeWalker::ReadText(std::string_view text, bool html, Scope scope, const std::string& label) {
  if (scope.report) {
    scope.texts->push_back(Text{text, html, label});
    return;
  }
  ScanText(text, html, label);
}

void MimeWalker::ScanText(std::string_view text, bool html, const std::string& label) {
  std::string converted;
  if (html) {
    converted = HtmlToText(text);
    text = converted;
  }
  const size_t max_field = c_->limits().max_field;
  const char* separator = ScanForwardedText(text, [&](std::string_view value, const char* where) {
    if (c_->full()) return;
    std::string problem;
    const std::string_view id = MessageIdInValue(value, max_field, &problem);
    if (!id.empty()) {
      c_->AddId(id);
      return;
    }
    c_->Warn([&] {
      return absl::StrCat(c_->Where(where, label), ": Message-ID ", Excerpt(value), " ", problem,
                          "; skipped");
    });
  });
  if (separator && separator_.empty()) separator_ = c_->Where(separator, label);
}

}  // namespace spamwall::complaints
