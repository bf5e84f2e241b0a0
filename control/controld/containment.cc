#include "control/controld/containment.h"

#include <algorithm>
#include <cstdio>

#include "absl/time/clock.h"
#include "control/complaints/complaint.h"
#include "control/controld/command_args.h"
#include "control/events/message_id.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/controld_results.h"
#include "ipc/api/dataplane_api.h"
#include "ipc/api/file_bundle.h"

namespace spamwall::controld {

using nlohmann::json;
using proto::Reply;
using proto::Request;

namespace {

std::string Name(std::string_view v) { return std::string(v); }

double UnixSeconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

Reply StoreError(const absl::Status& s) {
  return Reply::Error(proto::kUnavailable, std::string(s.message()));
}

}  // namespace

json AlertEvent(const ThresholdCrossing& c) {
  return {{"type", "threshold_alert"},
          {"ts", UnixSeconds(c.at)},
          {"subscriber", c.subscriber},
          {"threshold", c.threshold},
          {"metric", Name(NameOf(c.metric))},
          {"window", Name(NameOf(c.window))},
          {"window_start", UnixSeconds(c.window_start)},
          {"value", c.value},
          {"limit", c.limit},
          {"action", Name(NameOf(c.action))}};
}

Containment::Containment(std::unique_ptr<events::EventStore> store, std::string why_no_store, Actions actions)
    : store_(std::move(store)), why_no_store_(std::move(why_no_store)), actions_(std::move(actions)) {}

void Containment::SetThresholds(std::vector<Threshold> thresholds) {
  std::lock_guard<std::mutex> lock(mu_);
  tracker_.SetThresholds(std::move(thresholds));
}

Reply Containment::NoStore() const {
  return Reply::Error(proto::kUnavailable, "no event store: " + why_no_store_);
}

std::vector<json> Containment::Apply(const std::vector<ThresholdCrossing>& crossed) {
  std::vector<json> actions;
  if (crossed.empty()) return actions;
  std::vector<json> alerts;
  for (const ThresholdCrossing& c : crossed) {
    alerts.push_back(AlertEvent(c));
    std::string result = "ok";
    if (c.action == ThresholdAction::kQuarantine) {
      if (actions_.quarantined && actions_.quarantined(c.subscriber)) {
        result = "already quarantined";
      } else if (actions_.quarantine) {
        absl::Status s = actions_.quarantine(c);
        if (!s.ok()) {
          result = std::string(s.message());
          std::lock_guard<std::mutex> lock(mu_);
          counters_.quarantines_failed++;
        }
      }
    }
    std::fprintf(stderr, "spamwall-controld: threshold %s: %s %s %lu >= %lu this %s: %s (%s)\n",
                 c.threshold.c_str(), c.subscriber.c_str(), Name(NameOf(c.metric)).c_str(),
                 (unsigned long)c.value, (unsigned long)c.limit, Name(NameOf(c.window)).c_str(),
                 Name(NameOf(c.action)).c_str(), result.c_str());
    alerts.back()["result"] = result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      counters_.crossings[c.threshold][Name(NameOf(c.action))]++;
    }
    actions.push_back(api::ctl::ComplaintAction{c.threshold, c.subscriber, Name(NameOf(c.action)), c.value,
                                                c.limit, result}
                          .ToJson());
  }
  if (store_) {
    absl::Status s = store_->Insert(alerts);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      counters_.store_errors++;
      std::fprintf(stderr, "spamwall-controld: alerts not stored: %s\n", std::string(s.message()).c_str());
    }
  }
  return actions;
}

absl::Status Containment::OnEvents(const std::vector<json>& evs) {
  absl::Status stored = absl::OkStatus();
  if (store_) {
    stored = store_->Insert(evs);
    if (!stored.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      counters_.store_errors++;
    }
  }
  std::vector<ThresholdCrossing> crossed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = absl::Now();
    for (const json& e : evs) {
      if (!e.is_object() || e.value("type", "") != "smtp_message") continue;
      auto hits = e.find("hits");
      const std::string sub = e.value("subscriber", "");
      if (hits == e.end() || !hits->is_array() || hits->empty() || sub.empty()) continue;
      counters_.signature_hits += hits->size();
      std::vector<ThresholdCrossing> c = tracker_.Add(sub, ThresholdMetric::kSignatureHits, hits->size(), now);
      crossed.insert(crossed.end(), c.begin(), c.end());
    }
  }
  Apply(crossed);
  return stored;
}

void Containment::OnZombieRows(const json& rows) {
  if (!rows.is_array()) return;
  std::vector<ThresholdCrossing> crossed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = absl::Now();
    for (const json& r : rows) {
      if (!r.is_object() || !r.contains("subscriber") || !r["subscriber"].is_string()) continue;
      const std::string sub = r["subscriber"].get<std::string>();
      for (auto [key, metric] : {std::pair{"attempts", ThresholdMetric::kBlockedAttempts},
                                 std::pair{"destinations", ThresholdMetric::kDistinctDestinations}}) {
        auto it = r.find(key);
        if (it == r.end() || !it->is_number_unsigned()) continue;
        std::vector<ThresholdCrossing> c = tracker_.Observe(sub, metric, it->get<uint64_t>(), now);
        crossed.insert(crossed.end(), c.begin(), c.end());
      }
    }
  }
  Apply(crossed);
}

void Containment::Prune(double older_than) {
  if (!store_) return;
  absl::StatusOr<uint64_t> n = store_->Prune(older_than);
  if (!n.ok()) {
    std::fprintf(stderr, "spamwall-controld: event retention: %s\n", std::string(n.status().message()).c_str());
  } else if (*n > 0) {
    std::fprintf(stderr, "spamwall-controld: event retention: %lu events deleted\n", (unsigned long)*n);
  }
}

Reply Containment::Whois(const Request& r) {
  api::ctl::WhoisArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  if (!store_) return NoStore();
  absl::StatusOr<std::vector<json>> found = store_->FindMessage(args.message_id, 100);
  if (!found.ok()) return StoreError(found.status());
  api::ctl::WhoisResult out;
  out.message_id = args.message_id;
  for (json& m : *found) out.messages.push_back(std::move(m));
  // Complaints are stored under the same key as the messages.
  absl::StatusOr<std::vector<json>> complaints = store_->FindMessage(args.message_id, 10000, "complaint");
  if (!complaints.ok()) return StoreError(complaints.status());
  out.complaints = complaints->size();
  return Reply::Ok(out.ToJson());
}

Reply Containment::EventsQuery(const Request& r) {
  api::ctl::EventsQueryArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  if (!store_) return NoStore();
  absl::StatusOr<std::vector<json>> found = store_->Query(
      events::EventQuery{args.subscriber, args.type, args.since, static_cast<size_t>(args.n)});
  if (!found.ok()) return StoreError(found.status());
  api::ctl::EventsQueryResult out;
  out.store = store_->Describe();
  for (json& e : *found) out.events.push_back(std::move(e));
  return Reply::Ok(out.ToJson());
}

Reply Containment::Complaint(const Request& r) {
  api::ctl::ComplaintArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  api::FileBundle bundle;
  std::string error;
  if (!api::BundleFromWire(r.args, r.fd.get(), &bundle, &error))
    return Reply::Error(proto::kBadRequest, "complaint: " + error);
  if (!store_) return NoStore();
  const api::BundleFile& file = bundle.files[0];
  absl::StatusOr<complaints::ParsedComplaint> parsed = complaints::ParseComplaint(file.bytes);
  if (!parsed.ok())
    return Reply::Error(proto::kRefused, file.path + ": " + std::string(parsed.status().message()));

  api::ctl::ComplaintResult out;
  out.kind = complaints::ComplaintKindName(parsed->kind);
  out.feedback_type = parsed->feedback_type;
  out.warnings = parsed->warnings;
  const absl::Time now = absl::Now();
  std::vector<json> stored;
  std::vector<std::string> resolved_subscribers;
  for (const std::string& id : parsed->message_ids) {
    api::ctl::ComplaintId c;
    c.message_id = id;
    absl::StatusOr<std::vector<json>> found = store_->FindMessage(id, 1);
    if (!found.ok()) return StoreError(found.status());
    if (!found->empty()) {
      const json& m = found->front();
      c.subscriber = m.value("subscriber", "");
      c.resolved = !c.subscriber.empty();
      c.ts = m.value("ts", 0.0);
      c.mail_from = m.value("mail_from", "");
      if (m.contains("server") && m["server"].is_object()) c.server = m["server"].value("ip", "");
    }
    stored.push_back({{"type", "complaint"},
                      {"ts", UnixSeconds(now)},
                      {"message_id", id},
                      {"subscriber", c.subscriber},
                      {"resolved", c.resolved},
                      {"message_ts", c.ts},
                      {"kind", out.kind},
                      {"feedback_type", out.feedback_type},
                      {"source", file.path},
                      {"from_user", r.peer.user}});
    if (c.resolved) resolved_subscribers.push_back(c.subscriber);
    out.ids.push_back(std::move(c));
  }
  absl::Status s = store_->Insert(stored);
  if (!s.ok()) return StoreError(s);  // nothing counted: the operator can send it again
  std::vector<ThresholdCrossing> crossed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.complaints += out.ids.size();
    counters_.complaints_unresolved += out.ids.size() - resolved_subscribers.size();
    for (const std::string& sub : resolved_subscribers) {
      std::vector<ThresholdCrossing> c = tracker_.Add(sub, ThresholdMetric::kComplaints, 1, now);
      crossed.insert(crossed.end(), c.begin(), c.end());
    }
  }
  for (json& a : Apply(crossed)) {
    api::ctl::ComplaintAction action;
    std::string why;
    if (api::ctl::ComplaintAction::FromJson(a, &action, &why)) out.actions.push_back(std::move(action));
  }
  return Reply::Ok(out.ToJson());
}

Reply Containment::TopZombies(const Request& r, DataplaneLink* link) {
  api::ctl::ZombiesTopArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  api::ctl::ZombiesTopResult out;
  out.by = args.by;
  const bool dataplane_metric = args.by == "attempts" || args.by == "destinations";
  // The dataplane's rows: the top by the asked metric, or by attempts to
  // fill in the counts of controld's own top.
  std::map<std::string, api::ctl::ZombieEntry> dp_rows;
  std::vector<std::string> order;
  {
    api::ZombiesTopArgs dp_args;
    dp_args.by = dataplane_metric ? args.by : "attempts";
    dp_args.n = dataplane_metric ? static_cast<uint64_t>(args.n) : api::ZombiesTopArgs::kMaxN;
    json reply;
    std::string error;
    if (!link->Call(api::dp::kZombiesTop, dp_args.ToJson(), &reply, &error)) {
      out.dataplane_error = error;
    } else if (!reply.value("ok", false)) {
      out.dataplane_error = proto::ReplyError(reply);
    } else {
      for (const json& row : reply["result"].value("subscribers", json::array())) {
        api::ctl::ZombieEntry e;
        e.subscriber = row.value("subscriber", "");
        e.attempts = row.value("attempts", uint64_t{0});
        e.destinations = row.value("destinations", uint64_t{0});
        e.last_seen = row.value("last_seen", 0.0);
        order.push_back(e.subscriber);
        dp_rows[e.subscriber] = e;
      }
    }
  }
  const absl::Time now = absl::Now();
  std::unique_lock<std::mutex> lock(mu_);
  auto ours = [&](api::ctl::ZombieEntry* e) {
    e->hits_today = tracker_.Value(e->subscriber, ThresholdMetric::kSignatureHits, ThresholdWindow::kDay, now);
    e->complaints_today = tracker_.Value(e->subscriber, ThresholdMetric::kComplaints, ThresholdWindow::kDay, now);
  };
  if (dataplane_metric) {
    if (!out.dataplane_error.empty()) return Reply::Error(proto::kUnavailable, "zombies.top: " + out.dataplane_error);
    for (const std::string& sub : order) {
      api::ctl::ZombieEntry e = dp_rows[sub];
      ours(&e);
      out.subscribers.push_back(std::move(e));
    }
  } else {
    const ThresholdMetric m = args.by == "hits" ? ThresholdMetric::kSignatureHits : ThresholdMetric::kComplaints;
    for (const ThresholdTracker::Row& row : tracker_.Top(m, static_cast<size_t>(args.n), now)) {
      if (row.day == 0) continue;
      api::ctl::ZombieEntry e;
      if (auto it = dp_rows.find(row.subscriber); it != dp_rows.end()) e = it->second;
      e.subscriber = row.subscriber;
      ours(&e);
      if (e.last_seen == 0) e.last_seen = UnixSeconds(row.last);
      out.subscribers.push_back(std::move(e));
    }
  }
  lock.unlock();  // the controller's lock comes first, never after ours
  for (auto& e : out.subscribers) e.quarantined = actions_.quarantined && actions_.quarantined(e.subscriber);
  return Reply::Ok(out.ToJson());
}

ContainmentCounters Containment::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  ContainmentCounters c = counters_;
  const auto t = tracker_.counters();
  c.tracked_subscribers = t.subscribers;
  c.tracked_evicted = t.evicted;
  return c;
}

}  // namespace spamwall::controld
