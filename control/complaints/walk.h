// The walk of a complaint's MIME structure: which parts are the original
// messages, which are a feedback report, which are text to read for
// forwarded headers (the rules are in complaint.h).
#ifndef SPAMWALL_CONTROL_COMPLAINTS_WALK_H_
#define SPAMWALL_CONTROL_COMPLAINTS_WALK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "control/complaints/collector.h"
#include "control/complaints/mime.h"

namespace spamwall::complaints {

class MimeWalker {
 public:
  static constexpr size_t kMaxEntities = 10000;
  static constexpr size_t kMaxDepth = 64;  // whatever the limits say: the walk recurses

  explicit MimeWalker(Collector* c);

  // Walks `text` as the complaint message; false (nothing done) when its
  // top is not a message's header block.
  bool WalkComplaint(std::string_view text);
  // Reads `text` as forwarded text (no message around it).
  void WalkText(std::string_view text);

  bool saw_report() const { return saw_report_; }
  // Where the first forward separator was, "" if none.
  const std::string& forward_separator() const { return separator_; }

 private:
  struct IdField {
    std::string id;       // "" when refused
    std::string problem;  // why, with the value, when refused
    const char* where;
  };
  // An entity's header block and what the walk needs of it.
  struct Head {
    std::string_view entity, body;
    MediaType type;  // text/plain when absent (message/rfc822 in a digest)
    const char* type_where = nullptr;
    std::string cte, filename;  // lowercase
    std::vector<IdField> ids;   // the first 16 Message-ID fields
    size_t id_fields = 0, fields = 0;
    bool message = false;  // a field only a message has (From, Date, ...)
  };
  enum class Role { kComplaint, kPart, kForwarded, kHeaders };
  struct Text {
    std::string_view text;
    bool html;
    std::string label;
  };
  // Inside a feedback report, text parts wait in `texts` for want of an original.
  struct Scope {
    bool report = false;
    std::vector<Text>* texts = nullptr;
  };

  Head ReadHead(std::string_view entity, bool digest_child) const;
  void Walk(const Head& h, Role role, Scope scope, size_t depth, const std::string& label);
  void WalkMultipart(const Head& h, std::string_view body, Role role, Scope scope, size_t depth,
                     const std::string& label);
  void OwnIds(const Head& h, Role role, bool report, const std::string& label);
  bool Decode(const Head& h, const std::string& label, std::string_view* body);
  void TakeIds(const Head& h, const std::string& label, std::string_view what);
  void ReadFeedbackReport(const Head& h, std::string_view body, const std::string& label);
  void ReadText(std::string_view text, bool html, Scope scope, const std::string& label);
  void ScanText(std::string_view text, bool html, const std::string& label);

  Collector* c_;
  size_t max_depth_;
  size_t entities_ = 0;
  bool saw_report_ = false, feedback_seen_ = false, warned_entities_ = false;
  std::string separator_;
};

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_WALK_H_
