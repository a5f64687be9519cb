#include "report_receiver.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "report/report_channel.hpp"
#include "support/options.hpp"

namespace lockdep::command {
namespace {

bool write_all(int fd, const std::string &s) {
  const char *p = s.data();
  size_t n = s.size();
  while (n) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// The SUMMARY line of a symbolized text, without its newline.
std::string summary_of(const std::string &text) {
  const size_t at = text.rfind("\nSUMMARY: ");
  if (at == std::string::npos) return "";
  const size_t end = text.find('\n', at + 1);
  return text.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

}  // namespace

void report_receiver::drain(int fd) {
  std::vector<char> buf(sizeof(report_message::header) + report_message::kMaxPayload);
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < static_cast<ssize_t>(sizeof(report_message::header))) return;
    report_message::header h;
    std::memcpy(&h, buf.data(), sizeof h);
    const char *payload = buf.data() + sizeof h;
    const size_t len = static_cast<size_t>(n) - sizeof h;
    pending &p = pending_[h.pid];
    received_ = true;
    if (h.type == report_message::kText)
      p.text.append(payload, len);
    else if (h.type == report_message::kJson)
      p.json.append(payload, len);
    else if (h.type == report_message::kEnd) {
      complete(h.pid, p, false);
      pending_.erase(h.pid);
    }
  }
}

void report_receiver::finish() {
  for (auto &entry : pending_) complete(entry.first, entry.second, true);
  pending_.clear();
}

void report_receiver::write_to(const char *pattern, pid_t pid, const std::string &data) {
  if (data.empty()) return;
  if (!pattern[0]) {
    if (!write_all(2, data)) write_failed_ = true;
    return;
  }
  char path[1100];
  if (!expand_log_path(pattern, static_cast<int>(pid), path, sizeof path)) {
    write_failed_ = true;
    return;
  }
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || !write_all(fd, data)) write_failed_ = true;
  if (fd >= 0) close(fd);
}

void report_receiver::complete(pid_t pid, pending &p, bool cut_short) {
  const options &o = current_options();
  std::string text = symbolizer_.text(p.text);
  if (cut_short)
    text += "lockdep: the report of process " + std::to_string(pid) +
            " was cut short (the process ended while writing it)\n";
  if (!o.report_json || cut_short) write_to(o.log_path, pid, text);
  if (p.json.empty()) return;
  std::string json = p.json;
  if (json.back() == '\n') json.pop_back();
  if (cut_short) return;  // an unfinished JSON line would not parse
  json = symbolizer_.json(json, summary_of(text)) + "\n";
  if (o.json_path[0]) write_to(o.json_path, pid, json);
  if (o.report_json) write_to(o.log_path, pid, json);
}

}  // namespace lockdep::command
