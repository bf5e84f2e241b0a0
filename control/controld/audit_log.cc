#include "control/controld/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

namespace spamwall::controld {

using nlohmann::json;

namespace {

constexpr size_t kMaxArgString = 256, kMaxArgItems = 16, kMaxArgsBytes = 4096;
// More than an outcome line can take: capped args (4 KiB), a result cut to
// 1 KiB by the caller, the changes (a few lists' counts).
constexpr size_t kOutcomeRoom = 16 << 10;

json Cap(const json& v, int depth) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() <= kMaxArgString) return v;
    return s.substr(0, kMaxArgString) + "...(" + std::to_string(s.size()) + " bytes)";
  }
  if (!v.is_structured()) return v;
  if (depth >= 3) return "(nested " + std::string(v.type_name()) + ")";
  json out = v.is_array() ? json::array() : json::object();
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    if (i == kMaxArgItems) {
      const std::string more = "(" + std::to_string(v.size() - kMaxArgItems) + " more)";
      if (v.is_array())
        out.push_back(more);
      else
        out["..."] = more;
      break;
    }
    if (v.is_array())
      out.push_back(Cap(*it, depth + 1));
    else
      out[it.key().substr(0, 64)] = Cap(it.value(), depth + 1);
  }
  return out;
}

std::string Errno() { return std::strerror(errno); }

}  // namespace

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

json CappedArgs(const json& args) {
  if (!args.is_object()) return Cap(args, 0);
  json a = args;
  if (auto it = a.find("bundle"); it != a.end()) {
    // The paths, not the bytes (the bytes never were in args).
    const json& files = it->is_object() && it->contains("files") ? (*it)["files"] : json();
    json first = files.is_array() && !files.empty() && files[0].is_object() ? files[0].value("path", json()) : json();
    a.erase(it);
    a["path"] = first;
    a["files"] = files.is_array() ? files.size() : 0;
  }
  json capped = Cap(a, 0);
  std::string text = capped.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() <= kMaxArgsBytes) return capped;
  return {{"capped", text.substr(0, kMaxArgsBytes) + "...(" + std::to_string(text.size()) + " bytes)"}};
}

std::string FormatAuditLine(const AuditRecord& r) {
  json j = {{"time", IsoUtc(r.time)}, {"phase", r.phase}, {"id", r.id},
            {"user", r.peer.user},    {"uid", r.peer.uid},  {"pid", r.peer.pid},
            {"cmd", r.cmd},           {"args", r.args}};
  if (r.phase != "intent") {
    j["result"] = r.result;
    j["changes"] = r.changes;
  }
  j["generation"] = r.generation;
  // Invalid UTF-8 from a client must not stop the record from being written.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Opens the log for appending: never through a link, never anything but a
// regular file (a FIFO would block every change).
UniqueFd OpenLog(const std::string& path, std::string* error) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640));
  struct stat st;
  if (!fd.valid()) {
    *error = "cannot open audit log " + path + ": " + (errno == ELOOP ? "is a symbolic link" : Errno());
  } else if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "cannot open audit log " + path + ": not a regular file";
    fd.Reset();
  }
  return fd;
}

}  // namespace

bool AuditLog::Open(const std::string& path, std::string* error) {
  path_ = path;
  fd_ = OpenLog(path, error);
  return fd_.valid();
}

bool AuditLog::Reopen(std::string* error) {
  UniqueFd fd = OpenLog(path_, error);
  if (!fd.valid()) return false;  // the old descriptor stays: records still land somewhere
  std::lock_guard<std::mutex> lock(mu_);
  fd_ = std::move(fd);
  return true;
}

std::string AuditLog::NextId() {
  static const long long start = static_cast<long long>(time(nullptr));
  return std::to_string(start) + "-" + std::to_string(getpid()) + "-" + std::to_string(++serial_);
}

bool AuditLog::Append(const AuditRecord& r, std::string* error) {
  std::string line = FormatAuditLine(r) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  struct stat st;
  const off_t before = fstat(fd_.get(), &st) == 0 ? st.st_size : -1;
  // An intent reserves the room of its outcome too (past the end, the size
  // unchanged): a change once begun can always be recorded as done. Where
  // the file system cannot reserve, the write below still decides.
  if (r.phase == "intent" && before >= 0 &&
      fallocate(fd_.get(), FALLOC_FL_KEEP_SIZE, before, static_cast<off_t>(line.size() + kOutcomeRoom)) != 0 &&
      errno != EOPNOTSUPP && errno != ENOSYS) {
    *error = "cannot write the audit log " + path_ + ": " + Errno();
    return false;
  }
  // O_APPEND and one write: lines never interleave.
  ssize_t n = write(fd_.get(), line.data(), line.size());
  const int err = n < 0 ? errno : ENOSPC;
  if (n != static_cast<ssize_t>(line.size()) || fsync(fd_.get()) != 0) {
    const int why = n == static_cast<ssize_t>(line.size()) ? errno : err;
    // A torn line would corrupt the next one: cut it off.
    if (n > 0 && before >= 0) (void)!ftruncate(fd_.get(), before);
    *error = "cannot write the audit log " + path_ + ": " + std::strerror(why);
    return false;
  }
  return true;
}

bool AuditLog::Tail(const AuditQuery& q, AuditTailResult* out, std::string* error) const {
  // Its own descriptor: appends go on while this reads.
  UniqueFd fd(open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "cannot read audit log " + path_ + ": " + (fd.valid() ? "not a regular file" : Errno());
    return false;
  }
  constexpr size_t kChunk = 64 << 10;
  off_t end = st.st_size;
  size_t budget = q.max_bytes;
  std::string carry;              // the start of a line whose beginning is further back
  std::set<std::string> outcomes;  // ids whose outcome was seen (it follows its intent)
  std::vector<json> newest_first;
  bool first_chunk = true;
  auto take = [&](std::string_view line) {
    if (line.empty()) return;
    json j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      j = {{"unparsed", std::string(line.substr(0, 512))}};
    } else {
      const std::string phase = j.value("phase", "outcome");
      const std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
      if (phase == "intent") {
        if (outcomes.count(id)) return;
        j["result"] = "no outcome recorded (controld stopped during the change?)";
      } else {
        outcomes.insert(id);
      }
      const std::string user = j.contains("user") && j["user"].is_string() ? j["user"].get<std::string>() : "";
      const std::string uid = j.contains("uid") ? j["uid"].dump() : "";
      if (!q.user.empty() && user != q.user && uid != q.user) return;
      if (!q.since.empty() && j.contains("time") && j["time"].is_string() &&
          j["time"].get<std::string>() < q.since)
        return;
    }
    newest_first.push_back(std::move(j));
  };
  while (end > 0 && newest_first.size() < q.n) {
    if (budget == 0) {
      out->budget_hit = true;
      break;
    }
    const size_t want = std::min<size_t>({kChunk, static_cast<size_t>(end), budget});
    std::string buf(want, '\0');
    ssize_t got = pread(fd.get(), buf.data(), want, end - static_cast<off_t>(want));
    if (got != static_cast<ssize_t>(want)) {
      *error = "cannot read audit log " + path_ + ": " + (got < 0 ? Errno() : std::string("short read"));
      return false;
    }
    end -= static_cast<off_t>(want);
    budget -= want;
    buf += carry;
    // A last line without its newline is still being written: skipped.
    if (first_chunk) {
      first_chunk = false;
      size_t nl = buf.rfind('\n');
      buf.resize(nl == std::string::npos ? 0 : nl + 1);
    }
    size_t stop = buf.size();
    for (;;) {
      if (stop == 0) break;
      size_t nl = stop >= 2 ? buf.rfind('\n', stop - 2) : std::string::npos;
      if (nl == std::string::npos) break;
      take(std::string_view(buf).substr(nl + 1, stop - nl - 2));
      stop = nl + 1;
      if (newest_first.size() >= q.n) break;
    }
    carry = buf.substr(0, stop);
    if (end == 0 && newest_first.size() < q.n) {
      std::string_view l(carry);
      if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
      take(l);
    }
  }
  std::reverse(newest_first.begin(), newest_first.end());
  out->records = std::move(newest_first);
  return true;
}

}  // namespace spamwall::controld
