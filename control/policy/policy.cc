#include "control/policy/policy.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include "control/policy/policy_loader.h"

namespace spamwall {

std::string Diagnostic::ToString() const {
  std::string s = file;
  if (line) s += ":" + std::to_string(line);
  if (line && column) s += ":" + std::to_string(column);
  return s + ": " + message;
}

std::string Diagnostics::ToString() const {
  std::string s;
  for (const auto& e : errors) s += "error: " + e.ToString() + "\n";
  for (const auto& w : warnings) s += "warning: " + w.ToString() + "\n";
  return s;
}

Day TodayUtc() {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<Day>(days.time_since_epoch().count());
}

std::string FormatDay(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
  char b[16];
  snprintf(b, sizeof b, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
           static_cast<unsigned>(ymd.day()));
  return b;
}

bool ParseDay(std::string_view text, Day* day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](size_t pos, size_t len, auto* v) {
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, *v);
    return ec == std::errc() && end == text.data() + pos + len;
  };
  if (!num(0, 4, &y) || !num(5, 2, &m) || !num(8, 2, &d)) return false;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return false;
  *day = static_cast<Day>(std::chrono::sys_days(ymd).time_since_epoch().count());
  return true;
}

}  // namespace spamwall
