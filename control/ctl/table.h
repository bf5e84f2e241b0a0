// Aligned text tables for spamwallctl's human output: numbers right, text left.
#ifndef SPAMWALL_CONTROL_CTL_TABLE_H_
#define SPAMWALL_CONTROL_CTL_TABLE_H_

#include <string>
#include <vector>

namespace spamwall::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  // A cell's line breaks and other control characters are shown escaped
  // (\x0a, \x1b: api::ctl::Printable): a value from a client can neither
  // forge a row nor send the terminal an escape sequence.
  void Add(std::vector<std::string> row);
  bool empty() const { return rows_.size() == 1; }
  // Each line indented by `indent` spaces.
  std::string Render(int indent = 2) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace spamwall::ctl

#endif  // SPAMWALL_CONTROL_CTL_TABLE_H_
