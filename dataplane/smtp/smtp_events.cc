#include "dataplane/smtp/smtp_events.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

namespace spamwall::smtp {

using nlohmann::json;

std::string EndpointIp(const SmtpEndpoint& e) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int af = e.l3 == 4 ? AF_INET : e.l3 == 6 ? AF_INET6 : -1;
  if (af < 0 || inet_ntop(af, e.addr, buf, sizeof buf) == nullptr) return "";
  return buf;
}

const char* DataModeName(DataMode m) { return m == DataMode::kBdat ? "BDAT" : "DATA"; }

namespace {

json Endpoint(const SmtpEndpoint& e) { return json{{"ip", EndpointIp(e)}, {"port", e.port}}; }

json Hits(const std::vector<SignatureHit>& hits) {
  json out = json::array();
  for (const SignatureHit& h : hits) out.push_back({{"id", h.id}, {"class", h.cls}, {"score", h.score}});
  return out;
}

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string ToJsonLine(const SmtpSessionEvent& e) {
  json codes = json::object();
  for (const auto& [code, n] : e.reply_codes) codes[std::to_string(code)] = n;
  json j = {
      {"type", "smtp_session"},
      {"uid", e.uid},
      {"subscriber", e.subscriber},
      {"client", Endpoint(e.client)},
      {"server", Endpoint(e.server)},
      {"ts_start", e.ts_start},
      {"ts_end", e.ts_end},
      {"helo_verb", e.helo_verb},
      {"ehlo_name", e.ehlo_name},
      {"auth_mechanism", e.auth_mechanism},
      {"starttls", e.starttls},
      {"pipelined", e.pipelined},
      {"midstream", e.midstream},
      {"commands", e.commands},
      {"messages", e.messages},
      {"reply_codes", codes},
      {"anomalies", e.anomalies},
      {"close_reason", e.close_reason},
  };
  return Dump(j);
}

std::string ToJsonLine(const SmtpMessageEvent& e) {
  json j = {
      {"type", "smtp_message"},
      {"uid", e.uid},
      {"subscriber", e.subscriber},
      {"client", Endpoint(e.client)},
      {"server", Endpoint(e.server)},
      {"ts", e.ts},
      {"mail_from", e.mail_from},
      {"rcpt_to", e.rcpt_to},
      {"rcpt_count", e.rcpt_count},
      {"final_reply", e.final_reply},
      {"message_id", e.message_id},
      {"from", e.from},
      {"subject", e.subject},
      {"x_mailer", e.x_mailer},
      {"data_mode", DataModeName(e.data_mode)},
      {"size", e.size},
      {"sha256", e.sha256},
      {"complete", e.complete},
      {"hits", Hits(e.hits)},
      {"hits_truncated", e.hits_truncated},
  };
  return Dump(j);
}

}  // namespace spamwall::smtp
