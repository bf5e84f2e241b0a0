#include "control/signatures/sa_condition.h"

#include <cctype>
#include <cstdlib>

namespace spamwall::signatures {
namespace {

class Parser {
 public:
  Parser(std::string_view s, const SaEnvironment& env) : s_(s), env_(env) {}

  bool Run(bool& value, std::string& error) {
    double v = Or();
    Skip();
    if (error_.empty() && pos_ != s_.size()) error_ = "unexpected '" + std::string(s_.substr(pos_)) + "'";
    error = error_;
    value = v != 0;
    return error_.empty();
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(std::string_view tok) {
    Skip();
    if (s_.substr(pos_).starts_with(tok)) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  double Or() {
    double v = And();
    while (error_.empty() && Eat("||")) v = (And() != 0 || v != 0) ? 1 : 0;
    return v;
  }
  double And() {
    double v = Not();
    while (error_.empty() && Eat("&&")) v = (Not() != 0 && v != 0) ? 1 : 0;
    return v;
  }
  double Not() {
    Skip();
    if (pos_ + 1 < s_.size() && s_[pos_] == '!' && s_[pos_ + 1] != '=') {
      ++pos_;
      return Not() == 0 ? 1 : 0;
    }
    return Compare();
  }
  double Compare() {
    double a = Primary();
    for (std::string_view op : {">=", "<=", "==", "!=", ">", "<"}) {
      if (Eat(op)) {
        double b = Primary();
        if (op == ">=") return a >= b;
        if (op == "<=") return a <= b;
        if (op == "==") return a == b;
        if (op == "!=") return a != b;
        if (op == ">") return a > b;
        return a < b;
      }
    }
    return a;
  }
  std::string Name() {
    Skip();
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == ':')) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  double Call(const std::function<bool(const std::string&)>& f, const char* what) {
    std::string name = Name();
    if (!Eat(")")) {
      error_ = std::string(what) + "( without its ')'";
      return 0;
    }
    return f && f(name) ? 1 : 0;
  }
  double Primary() {
    if (!error_.empty()) return 0;
    if (Eat("(")) {
      double v = Or();
      if (!Eat(")")) error_ = "missing ')'";
      return v;
    }
    if (Eat("plugin(")) return Call(env_.plugin, "plugin");
    if (Eat("can(")) return Call(env_.can, "can");
    if (Eat("version")) return env_.version;
    Skip();
    std::string rest(s_.substr(pos_));
    char* end = nullptr;
    double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) {
      error_ = "cannot read '" + rest + "'";
      return 0;
    }
    pos_ += static_cast<size_t>(end - rest.c_str());
    return v;
  }

  std::string_view s_;
  const SaEnvironment& env_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool EvaluateSaCondition(std::string_view expr, const SaEnvironment& env, bool& value,
                         std::string& error) {
  return Parser(expr, env).Run(value, error);
}

}  // namespace spamwall::signatures
