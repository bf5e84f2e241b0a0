#include "control/ctl/table.h"

#include <algorithm>

#include "ipc/api/controld_api.h"

namespace spamwall::ctl {

namespace {
bool Numeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789.-") == std::string::npos;
}
}  // namespace

void Table::Add(std::vector<std::string> row) {
  for (auto& cell : row) cell = api::ctl::Printable(cell, 4096);
  rows_.push_back(std::move(row));
}

std::string Table::Render(int indent) const {
  std::vector<size_t> width;
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); i++) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows_) {
    std::string line(static_cast<size_t>(indent), ' ');
    for (size_t i = 0; i < r.size(); i++) {
      std::string pad(width[i] - r[i].size(), ' ');
      line += Numeric(r[i]) ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : "");
      if (i + 1 < r.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace spamwall::ctl
