// spamwall-sigscan: the signature engine offline (docs/signatures.md).
//
//   spamwall-sigscan [-j] [--pcre2-only] [--chunk N] [--suffix S] SIGFILE... -- MESSAGE-FILE-OR-DIR...
//   spamwall-sigscan --bench [--compare] [--top N] [--min-seconds S] SIGFILE... -- DIR...
//   spamwall-sigscan --list SIGFILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/literal_gate.h"
#include "dataplane/signatures/reference.h"
#include "dataplane/signatures/scanner.h"
#include "dataplane/signatures/serialize.h"
#include "dataplane/signatures/signature_file.h"
#include "control/signatures/message_files.h"

namespace sw = spamwall::signatures;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  bool json = false, pcre2_only = false, bench = false, compare = false, list = false;
  bool explain = false, gates = false, windows = true;
  std::string save_db, load_db;
  uint32_t prefilter_bytes = 0;
  int64_t gate_bytes = -1;  // -1: the compiler's default
  size_t chunk = 0;  // 0: whole message at once
  size_t top = 0;
  double min_seconds = 1.0;
  std::string suffix;  // under folders, only files whose names end so
  std::vector<std::string> sig_files, messages;
};

int Usage() {
  std::fprintf(stderr,
               "usage: spamwall-sigscan [-j] [--pcre2-only] [--chunk N] [--suffix .txt] SIGFILE... -- "
               "MESSAGE-FILE-OR-DIR...\n"
               "       spamwall-sigscan --bench [--compare] [--top N] [--min-seconds S] "
               "SIGFILE... -- MESSAGE-FILE-OR-DIR...\n"
               "       (--save DB writes the compiled database; --db DB scans with one instead of compiling;\n"
               "        --gate-bytes N gates every regex longer than N with a literal gate, --prefilter-bytes N\n"
               "        prefilters every one longer than N without: the planner's thresholds, to measure;\n"
               "        --no-windows confirms gated regexes over the whole message, not around their literals)\n"
               "       spamwall-sigscan --list SIGFILE...\n"
               "       spamwall-sigscan --explain SIGFILE...   (each id, its plan, seconds to plan)\n"
               "       spamwall-sigscan --gates SIGFILE...     (each id's literal gate)\n");
  return 2;
}

bool ParseArgs(int argc, char** argv, Args& a) {
  bool after = false;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (after) {
      a.messages.push_back(s);
    } else if (s == "--") {
      after = true;
    } else if (s == "-j" || s == "--json") {
      a.json = true;
    } else if (s == "--pcre2-only") {
      a.pcre2_only = true;
    } else if (s == "--bench") {
      a.bench = true;
    } else if (s == "--compare") {
      a.compare = true;
    } else if (s == "--list") {
      a.list = true;
    } else if (s == "--explain") {
      a.explain = true;
    } else if (s == "--gates") {
      a.gates = true;
    } else if (s == "--no-windows") {
      a.windows = false;
    } else if (s == "--prefilter-bytes" && i + 1 < argc) {
      a.prefilter_bytes = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (s == "--gate-bytes" && i + 1 < argc) {
      a.gate_bytes = static_cast<int64_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (s == "--save" && i + 1 < argc) {
      a.save_db = argv[++i];
    } else if (s == "--db" && i + 1 < argc) {
      a.load_db = argv[++i];
    } else if (s == "--suffix" && i + 1 < argc) {
      a.suffix = argv[++i];
    } else if ((s == "--chunk" || s == "--top" || s == "--min-seconds") && i + 1 < argc) {
      char* end = nullptr;
      double v = std::strtod(argv[++i], &end);
      if (*end != '\0' || v < 0) return false;
      if (s == "--chunk") a.chunk = static_cast<size_t>(v);
      if (s == "--top") a.top = static_cast<size_t>(v);
      if (s == "--min-seconds") a.min_seconds = v;
    } else if (!s.empty() && s[0] == '-') {
      return false;
    } else {
      a.sig_files.push_back(s);
    }
  }
  if (a.sig_files.empty()) return false;
  return a.list || a.explain || a.gates || !a.messages.empty();
}

// The engine's hit indices for one message.
void EngineScan(const sw::Database& /*db*/, sw::Scratch& scratch, sw::MessageStream& stream,
                const std::string& msg, size_t chunk, sw::ScanResult& r, bool confirm = true) {
  if (chunk == 0) chunk = msg.size() + 1;
  for (size_t i = 0; i < msg.size(); i += chunk) {
    stream.Feed(std::string_view(msg).substr(i, chunk), scratch);
  }
  stream.Finish(scratch, r, confirm);
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

uint64_t TotalBytes(const std::vector<sw::MessageFile>& msgs) {
  uint64_t n = 0;
  for (const auto& m : msgs) n += m.bytes.size();
  return n;
}

void PrintHits(const Args& a, const std::string& path, const std::vector<sw::Signature>& sigs,
               const std::vector<uint32_t>& hits, const std::vector<uint32_t>& limits) {
  if (a.json) {
    nlohmann::ordered_json j;
    j["message"] = path;
    j["hits"] = nlohmann::json::array();
    for (uint32_t h : hits) j["hits"].push_back(sigs[h].id);
    if (!limits.empty()) {
      for (uint32_t h : limits) j["limits"].push_back(sigs[h].id);
    }
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << path << ":";
  for (uint32_t h : hits) std::cout << " " << sigs[h].id;
  if (hits.empty()) std::cout << " -";
  for (uint32_t h : limits) std::cout << " limit:" << sigs[h].id;
  std::cout << "\n";
}

// Engine MB/s over every message, repeated until min_seconds have passed.
double BenchEngine(const sw::Database& db, const std::vector<sw::MessageFile>& msgs,
                   const Args& a, uint64_t& mismatches_out, sw::ReferenceMatcher* ref) {
  sw::Scratch scratch(db);
  sw::MessageStream stream(db);
  sw::ScanResult r;
  uint64_t bytes = 0;
  auto start = Clock::now();
  do {
    for (const auto& m : msgs) {
      EngineScan(db, scratch, stream, m.bytes, a.chunk, r);
      bytes += m.bytes.size();
    }
  } while (Seconds(start) < a.min_seconds);
  double mbps = bytes / Seconds(start) / 1e6;
  // The Hyperscan pass alone (no confirmations): where the rest of the time goes.
  bytes = 0;
  start = Clock::now();
  do {
    for (const auto& m : msgs) {
      EngineScan(db, scratch, stream, m.bytes, a.chunk, r, false);
      bytes += m.bytes.size();
    }
  } while (Seconds(start) < a.min_seconds);
  std::printf("engine's Hyperscan pass alone %9.2f MB/s\n", bytes / Seconds(start) / 1e6);
  if (ref != nullptr) {
    std::vector<uint32_t> want, limits;
    for (const auto& m : msgs) {
      EngineScan(db, scratch, stream, m.bytes, a.chunk, r);
      ref->Match(m.bytes, want, limits);
      std::vector<uint32_t> got;
      for (const auto& h : r.hits) got.push_back(h.index);
      if (got != want) ++mismatches_out;
    }
  }
  return mbps;
}

double BenchReference(sw::ReferenceMatcher& ref, const std::vector<sw::MessageFile>& msgs,
                      const Args& a) {
  std::vector<uint32_t> hits, limits;
  uint64_t bytes = 0;
  auto start = Clock::now();
  do {
    for (const auto& m : msgs) {
      ref.Match(m.bytes, hits, limits);
      bytes += m.bytes.size();
    }
  } while (Seconds(start) < a.min_seconds);
  return bytes / Seconds(start) / 1e6;
}

// Each signature's PCRE2 time over every message, the slowest first.
void PrintTop(sw::ReferenceMatcher& ref, const sw::Database* db,
              const std::vector<sw::MessageFile>& msgs, size_t top) {
  std::vector<std::pair<double, uint32_t>> cost;
  for (uint32_t i = 0; i < ref.signatures().size(); ++i) {
    auto start = Clock::now();
    for (const auto& m : msgs) ref.MatchOne(i, m.bytes);
    cost.emplace_back(Seconds(start), i);
  }
  std::sort(cost.rbegin(), cost.rend());
  double total = 0;
  for (auto& c : cost) total += c.first;
  std::printf("PCRE2 alone, rule by rule: %.2f s in all; the slowest:\n", total);
  for (size_t k = 0; k < std::min(top, cost.size()); ++k) {
    uint32_t i = cost[k].second;
    const char* plan = db == nullptr ? "" : db->plan(i) == sw::Plan::kExact ? "exact" : db->plan(i) == sw::Plan::kGate ? "gate" : "prefilter";
    std::printf("  %8.3f s  %-9s %s\n", cost[k].first, plan, ref.signatures()[i].id.c_str());
  }
}

// Where the engine's PCRE2 time goes: each confirmed signature's time in
// the engine's own confirmations (in windows for "gate+win") over the
// messages it was confirmed on, the costliest first.
void PrintConfirmations(const sw::Database& db, const std::vector<sw::MessageFile>& msgs,
                        const Args& a) {
  sw::Scratch scratch(db);
  sw::MessageStream stream(db);
  sw::ScanResult r;
  std::vector<double> cost(db.signatures().size(), 0);
  std::vector<uint32_t> runs(db.signatures().size(), 0);
  stream.ProfileConfirmations(&cost);
  for (const auto& m : msgs) {
    EngineScan(db, scratch, stream, m.bytes, a.chunk, r);
    for (uint32_t id : r.confirmed) ++runs[id];
  }
  double total = 0;
  for (double c : cost) total += c;
  std::vector<std::pair<double, uint32_t>> order;
  for (uint32_t i = 0; i < cost.size(); ++i) {
    if (runs[i] > 0) order.emplace_back(cost[i], i);
  }
  std::sort(order.rbegin(), order.rend());
  std::printf("engine confirmations: %.2f s of PCRE2 in all; the costliest:\n", total);
  for (size_t k = 0; k < std::min(a.top, order.size()); ++k) {
    uint32_t i = order[k].second;
    std::printf("  %8.3f s  %-9s %5u of %zu messages  %s\n", order[k].first,
                db.plan(i) != sw::Plan::kGate ? "prefilter" : db.windowed(i) ? "gate+win" : "gate",
                runs[i], msgs.size(),
                db.signatures()[i].id.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, a)) return Usage();
  sw::ParseResult parsed = sw::ParseSignatureFiles(a.sig_files);
  if (!parsed.ok()) {
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (a.list) {
    for (const auto& s : parsed.signatures) std::printf("%s\n", s.id.c_str());
    return 0;
  }
  if (a.gates) {
    for (const auto& s : parsed.signatures) {
      sw::LiteralGate g = sw::ExtractLiteralGate(s);
      std::printf("%s", s.id.c_str());
      for (size_t i = 0; i < g.factors.size(); ++i) {
        const auto& f = g.factors[i];
        std::printf(" {");
        for (size_t k = 0; k < f.size() && k < 4; ++k) std::printf("%s%s", k ? "|" : "", f[k].c_str());
        if (f.size() > 4) std::printf("|...%zu", f.size());
        std::printf("}");
        // @N[+Kr]: a match starts at most N bytes (plus K of the message's
        // longest runs of a repeated byte set) before one of the literals.
        if (i < g.leads.size() && g.leads[i] != sw::LiteralGate::kNoLead) {
          std::printf("@%zu", g.leads[i]);
          if (g.lead_runs[i] > 0) std::printf("+%zur", g.lead_runs[i]);
        }
      }
      std::printf("%s\n", g.ok() ? "" : " (no gate)");
    }
    return 0;
  }
  sw::CompileOptions options;
  options.prefilter_source_bytes = a.prefilter_bytes;
  if (a.gate_bytes >= 0) options.gate_source_bytes = static_cast<uint32_t>(a.gate_bytes);
  options.confirmation_windows = a.windows;
  if (a.explain) {
    for (const auto& s : parsed.signatures) {
      auto start = Clock::now();
      sw::PlanResult p = sw::PlanSignature(s, options);
      std::printf("%s %s %.3f\n", s.id.c_str(),
                  !p.ok ? "refused" : p.plan == sw::Plan::kExact ? "exact" : p.plan == sw::Plan::kGate ? "gate" : "prefilter",
                  Seconds(start));
    }
    return 0;
  }
  std::unique_ptr<sw::Database> db;
  std::unique_ptr<sw::ReferenceMatcher> ref;
  std::string error;
  if (!a.load_db.empty()) {
    std::ifstream in(a.load_db, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    db = sw::DeserializeDatabase(bytes.str(), error);
    if (!db) {
      std::fprintf(stderr, "%s: %s\n", a.load_db.c_str(), error.c_str());
      return 1;
    }
  } else if (!a.pcre2_only) {
    auto start = Clock::now();
    sw::CompileResult c = sw::Compile(parsed.signatures, options);
    if (!c.ok()) {
      for (const auto& e : c.errors) std::fprintf(stderr, "refused: %s\n", e.c_str());
      return 1;
    }
    db = std::move(c.db);
    std::fprintf(stderr,
                 "compiled %zu signatures in %.2f s: %zu exact, %zu literal gate + PCRE2 "
                 "(%zu of them in windows), %zu prefilter + PCRE2\n",
                 db->signatures().size(), Seconds(start), db->exact_count(), db->gate_count(),
                 db->windowed_count(), db->prefilter_count());
    if (!a.save_db.empty()) {
      std::string bytes = sw::SerializeDatabase(*db, error);
      if (bytes.empty() || !(std::ofstream(a.save_db, std::ios::binary) << bytes)) {
        std::fprintf(stderr, "cannot save %s: %s\n", a.save_db.c_str(), error.c_str());
        return 1;
      }
    }
  }
  if (a.pcre2_only || a.compare || a.top > 0) {
    ref = sw::ReferenceMatcher::Create(parsed.signatures, sw::MatchLimits{}, error);
    if (!ref) {
      std::fprintf(stderr, "PCRE2 refuses %s\n", error.c_str());
      return 1;
    }
  }
  std::vector<sw::MessageFile> msgs;
  if (!sw::LoadMessages(a.messages, a.suffix, msgs, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (a.bench) {
    double mb = TotalBytes(msgs) / 1e6;
    std::printf("%zu messages, %.1f MB, %zu signatures\n", msgs.size(), mb,
                parsed.signatures.size());
    double engine = 0, pcre = 0;
    uint64_t mismatches = 0;
    if (db) {
      engine = BenchEngine(*db, msgs, a, mismatches, a.compare ? ref.get() : nullptr);
      std::printf("engine      %9.2f MB/s  (%.2f Gbit/s)\n", engine, engine * 8 / 1000);
    }
    if (ref && (a.pcre2_only || a.compare)) {
      pcre = BenchReference(*ref, msgs, a);
      std::printf("pcre2 alone %9.2f MB/s\n", pcre);
    }
    if (db && a.compare) {
      std::printf("ratio       %9.1fx\n", engine / pcre);
      std::printf("messages whose hits differ from PCRE2 alone: %llu\n",
                  static_cast<unsigned long long>(mismatches));
    }
    if (a.top > 0) PrintTop(*ref, db.get(), msgs, a.top);
    if (a.top > 0 && db) PrintConfirmations(*db, msgs, a);
    return mismatches == 0 ? 0 : 1;
  }
  const auto& sigs = parsed.signatures;
  if (db) {
    sw::Scratch scratch(*db);
    sw::MessageStream stream(*db);
    sw::ScanResult r;
    std::vector<uint32_t> hits;
    for (const auto& m : msgs) {
      EngineScan(*db, scratch, stream, m.bytes, a.chunk, r);
      hits.clear();
      for (const auto& h : r.hits) hits.push_back(h.index);
      PrintHits(a, m.path, sigs, hits, r.limit_hits);
    }
  } else {
    std::vector<uint32_t> hits, limits;
    for (const auto& m : msgs) {
      ref->Match(m.bytes, hits, limits);
      PrintHits(a, m.path, sigs, hits, limits);
    }
  }
  return 0;
}
