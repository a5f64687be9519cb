#include "report/report.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/class_registry.hpp"
#include "core/graph_lock.hpp"
#include "report/json_line.hpp"
#include "report/report_channel.hpp"
#include "report/reported_classes.hpp"
#include "report/status_pipe.hpp"
#include "report/symbolize.hpp"
#include "support/options.hpp"
#include "support/suppressions.hpp"

namespace lockdep {
namespace {

futex_lock g_report_lock;
std::atomic<uint64_t> g_reports;
int g_fd = -1;
pid_t g_fd_pid;            // the process that opened g_fd (log_path with %p)
int g_open_errno;          // why log_path could not be opened, 0 if it could
char g_open_path[1100];    // log_path as expanded
pid_t g_last_report_pid;   // the process that printed the last report
bool g_told_write_failed;  // in this process

// The report being written, kept off the caller's stack. Report lock.
char g_buf[16384];                   // its text
uintptr_t g_frames[kMaxStackDepth];  // the current stack
char g_scenario[2048];               // the scenario table's text, for JSON
uint32_t g_scenario_len;
frame_location g_loc;                 // the frame being written
char g_where[1200], g_summary[1400];  // the SUMMARY line
bool g_sending;                       // the report in progress goes to the `lockdep` command
bool g_send_failed;                   // ... which could not take it: it is printed here instead
int g_json_fd = -1;                   // json_path, opened on first use
pid_t g_json_fd_pid;
char g_json_path[1100];
constexpr uint32_t kNameRoom = 192;  // a lock described by its address

// Suppressions: what the matching pass of the current report found. All
// under the report lock.
constexpr uint32_t kMaxRules = kMaxSuppressions + kMaxDefaultSuppressions;
bool g_acquired_elsewhere[kMaxRules];  // an acquired_in rule a held lock failed
std::atomic<uint64_t> g_suppressed[kSuppressKinds];

struct titled_kind {
  const char *title;
  const char *kind;
};
constexpr titled_kind kTitleKinds[] = {
    {"WARNING: possible circular locking dependency detected", "circular"},
    {"WARNING: possible recursive locking detected", "recursive"},
    {"WARNING: bad unlock balance detected!", "unlock"},
    {"WARNING: held lock freed!", "freed"},
    {"WARNING: thread still has locks held!", "exit"},
    {"WARNING: lock not held!", "not_held"},
    {"WARNING: lock used after destroy!", "after_destroy"},
    {"WARNING: condition variable waited on without its mutex held!", "cond_unheld"},
    {"WARNING: condition variable used with two different mutexes!", "cond_two_mutexes"},
    {"WARNING: inconsistent lock state", "inconsistent"},
    {"WARNING: signal-safe -> signal-unsafe lock order detected", "signal_order"},
};

uint32_t kind_of_title(const char *title) {
  for (const titled_kind &t : kTitleKinds) {
    if (std::strcmp(t.title, title)) continue;
    for (uint32_t k = 0; k < kSuppressKinds; ++k)
      if (!std::strcmp(suppress_kind_name(k), t.kind)) return k;
  }
  return kSuppressKinds;
}

// Calls f(rule, index) for each rule that applies to reports of `kind`: the
// loaded file's, then the built-in list's unless default_suppressions=0.
template <class F>
void for_each_rule(uint32_t kind, F f) {
  const suppression_list lists[2] = {loaded_suppressions(), current_options().default_suppressions
                                                                ? default_suppressions()
                                                                : suppression_list{}};
  uint32_t index = 0;
  for (const suppression_list &l : lists)
    for (uint32_t i = 0; i < l.n && index < kMaxRules; ++i, ++index)
      if (l.items[i].kind == kind || l.items[i].kind == kAnyKind) f(l.items[i], index);
}

constexpr uint32_t kSeenSlots = 1u << 14;
uint64_t g_seen[kSeenSlots];  // signatures of problems already reported
uint32_t g_seen_count;

// strerror() may allocate for an unknown error; its description never does.
const char *error_text(int err) {
  const char *text = strerrordesc_np(err);
  return text ? text : "unknown error";
}

bool write_all(int fd, const char *p, size_t n) {
  while (n) {
    const ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (w == 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Under the report lock. A report that cannot be written (log_path on a
// full disk, /dev/full, a closed stderr) must not pass for silence: the
// command is told, or without it one line goes to stderr, once per process.
void write_report_to(int fd, const char *path, const char *p, size_t n) {
  if (write_all(fd, p, n) || g_told_write_failed) return;
  const int err = errno;
  g_told_write_failed = true;
  if (status_pipe_send(status::kWriteFailed)) return;
  char line[1300];
  const int len =
      std::snprintf(line, sizeof line, "lockdep: a report could not be written to %s: %s\n",
                    path[0] ? path : "stderr", error_text(err));
  if (len > 0) write_all(2, line, static_cast<size_t>(len) < sizeof line ? len : sizeof line - 1);
}

void write_report(const char *p, size_t n) {
  const int fd = report_fd();
  write_report_to(fd, g_open_path, p, n);
}

// json_path, per process when it names the pid. -1 when it cannot be
// opened (said at start-up by report_log_path_error()).
int json_fd() {
  const char *path = current_options().json_path;
  if (!path[0]) return -1;
  if (g_json_fd >= 0 && (!std::strstr(path, "%p") || g_json_fd_pid == getpid())) return g_json_fd;
  if (g_json_fd >= 0) close(g_json_fd);
  g_json_fd = -1;
  if (expand_log_path(path, static_cast<int>(getpid()), g_json_path, sizeof g_json_path))
    g_json_fd = open(g_json_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  g_json_fd_pid = getpid();
  return g_json_fd;
}

// Where the JSON line goes: the command, or json_path and (report_format=
// json) the report stream.
void json_out(const char *p, size_t n) {
  if (g_sending) {
    if (!g_send_failed && !report_channel_send(report_message::kJson, p, n)) g_send_failed = true;
    return;
  }
  const int fd = json_fd();
  if (fd >= 0) write_report_to(fd, g_json_path, p, n);
  if (current_options().report_json) write_report(p, n);
}

char g_json_buf[16384];
json_line g_json(g_json_buf, sizeof g_json_buf, json_out);

// "possible circular locking dependency" from the title.
void problem_of(const char *title, char *out, size_t len) {
  if (!std::strncmp(title, "WARNING: ", 9)) title += 9;
  size_t n = std::strlen(title);
  if (n && title[n - 1] == '!') --n;
  if (n > 9 && !std::strncmp(title + n - 9, " detected", 9)) n -= 9;
  std::snprintf(out, len, "%.*s", static_cast<int>(n), title);
}

void rule(report_writer &w, char c, size_t n) {
  char line[128];
  if (n > sizeof line - 2) n = sizeof line - 2;
  std::memset(line, c, n);
  line[n] = '\n';
  line[n + 1] = '\0';
  w.print("%s", line);
}

// Under the report lock. The `lockdep` command learns that a report was
// printed through the pipe it names in LOCKDEP_STATUS_FD.
// Once per process is enough for the command; a status that cannot be
// delivered is said on the report stream (init.cpp then fails the exit).
void count_report() {
  g_reports.fetch_add(1, std::memory_order_relaxed);
  const pid_t self = getpid();
  const bool first_here = g_last_report_pid != self;
  g_last_report_pid = self;
  if (!first_here || !status_pipe_watched()) return;
  if (status_pipe_send(status::kReport)) return;
  char line[200];
  const int n = std::snprintf(line, sizeof line,
                              "lockdep: the status pipe to the lockdep command is gone (the "
                              "program closed it); pid %d will exit with status %d\n",
                              static_cast<int>(self), current_options().exitcode);
  write_report(line, static_cast<size_t>(n));
}

}  // namespace

int report_fd() {
  // A forked child has its own file when log_path names the pid.
  if (g_fd < 0 || (std::strstr(current_options().log_path, "%p") && g_fd_pid != getpid()))
    report_reopen();
  return g_fd;
}

void report_reopen() {
  const char *path = current_options().log_path;
  int fd = 2;
  g_open_errno = 0;
  g_open_path[0] = '\0';
  if (path[0]) {
    if (!expand_log_path(path, static_cast<int>(getpid()), g_open_path, sizeof g_open_path)) {
      g_open_errno = ENAMETOOLONG;
    } else {
      const int f = open(g_open_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (f >= 0)
        fd = f;
      else
        g_open_errno = errno;
    }
  }
  if (g_fd > 2 && g_fd != fd) close(g_fd);
  g_fd = fd;
  g_fd_pid = getpid();
}

bool report_log_path_error(char *err, size_t err_len) {
  if (g_fd < 0) report_reopen();
  if (g_open_errno) {
    std::snprintf(err, err_len, "lockdep: cannot open log_path '%s': %s",
                  g_open_path[0] ? g_open_path : current_options().log_path,
                  error_text(g_open_errno));
    return true;
  }
  if (current_options().json_path[0] && json_fd() < 0) {
    std::snprintf(err, err_len, "lockdep: cannot open json_path '%s': %s",
                  g_json_path[0] ? g_json_path : current_options().json_path, error_text(errno));
    return true;
  }
  return false;
}

bool reports_printed_by_this_process() { return g_last_report_pid == getpid(); }

bool report_wanted(uint32_t kind, uint64_t a, uint64_t b) {
  uint64_t sig = (a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull) ^ (uint64_t{kind} << 56);
  if (!sig) sig = 1;
  g_report_lock.lock();
  const uint32_t max = current_options().max_reports;
  // Once the table is full, only problems already in it can be told apart:
  // further ones are dropped rather than repeated.
  bool wanted =
      (!max || g_reports.load(std::memory_order_relaxed) < max) && g_seen_count < kSeenSlots - 1;
  if (wanted) {
    for (uint32_t slot = static_cast<uint32_t>(sig) & (kSeenSlots - 1);;
         slot = (slot + 1) & (kSeenSlots - 1)) {
      if (g_seen[slot] == sig) {
        wanted = false;
        break;
      }
      if (!g_seen[slot]) {
        g_seen[slot] = sig;
        ++g_seen_count;
        break;
      }
    }
  }
  g_report_lock.unlock();
  return wanted;
}

namespace {

// Misuse repeated in a loop (a mutex unlocked by another thread than its
// owner, as some programs use mutexes) must not cost a stack capture each
// time: each problem without its stack gets a budget of captures.
constexpr uint32_t kBudgetSlots = 1u << 12;
constexpr uint32_t kCapturesPerProblem = 64;
struct capture_budget {
  uint64_t sig;
  uint32_t used;
};
capture_budget g_budgets[kBudgetSlots];  // report lock

bool capture_allowed(uint64_t sig) {
  g_report_lock.lock();
  capture_budget &b = g_budgets[(sig * 0x9E3779B97F4A7C15ull) >> 52];
  if (b.sig != sig) b = {sig, 0};
  const bool allowed = b.used < kCapturesPerProblem;
  if (allowed) ++b.used;
  g_report_lock.unlock();
  return allowed;
}

}  // namespace

bool report_wanted_here(uint32_t kind, uint64_t a, uint64_t b) {
  if (!capture_allowed((a * 0x9E3779B97F4A7C15ull) ^ b ^ (uint64_t{kind} << 56))) return false;
  uintptr_t frames[kMaxStackDepth];
  const uint32_t n = capture_stack(frames, current_options().stack_depth);
  uint64_t h = 0xcbf29ce484222325ull ^ n;
  for (uint32_t i = 0; i < n; ++i) h = (h ^ frames[i]) * 0x100000001b3ull;
  return report_wanted(kind, a ^ h, b);
}

report_writer::report_writer(const char *title) : title_(title), kind_(kind_of_title(title)) {
  g_report_lock.lock();
}

void report_writer::header() {
  printing_ = true;
  const size_t n = std::strlen(title_);
  print("\n");
  rule(*this, '=', n);
  print("%s\n", title_);
  print("lockdep %s (userspace)\n", "0.1.0");
  rule(*this, '-', n);
  if (!json_) return;
  g_json.reset();
  g_json.begin_object();
  g_json.key("kind");
  g_json.string(kind_ < kSuppressKinds ? suppress_kind_name(kind_) : "other");
  g_json.key("title");
  g_json.string(title_);
  g_json.key("pid");
  g_json.number(static_cast<uint64_t>(getpid()));
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  char thread[40];
  std::snprintf(thread, sizeof thread, "%s/%d", comm, static_cast<int>(gettid()));
  g_json.key("thread");
  g_json.string(thread);
}

// The printing pass goes to the `lockdep` command when it listens (frames
// as raw tokens that it symbolizes), else it is printed here.
void report_writer::begin_printing() {
  const options &o = current_options();
  g_sending = report_channel_open();
  g_send_failed = false;
  raw_ = g_sending || !o.symbolize;
  json_ = o.report_json || o.json_path[0];
  len_ = 0;
  have_summary_ip_ = false;
  in_held_locks_ = frame_has_place_ = scenario_capture_ = false;
  json_array_ = nullptr;
  g_scenario_len = 0;
  header();
}

void report_writer::json_array(const char *name) {
  if (json_array_ && !std::strcmp(json_array_, name)) return;
  json_close_array();
  g_json.key(name);
  g_json.begin_array();
  json_array_ = name;
}

void report_writer::json_close_array() {
  if (!json_array_) return;
  g_json.end_array();
  json_array_ = nullptr;
}

// The table's lines "  lock(a);" (CPU0) and "<31 spaces>lock(b);" (CPU1).
void report_writer::scenario_json() {
  json_close_array();
  g_json.key("scenario");
  g_json.begin_array();
  for (uint32_t at = 0; at < g_scenario_len;) {
    const char *line = g_scenario + at;
    const char *end = static_cast<const char *>(std::memchr(line, '\n', g_scenario_len - at));
    const uint32_t n = end ? static_cast<uint32_t>(end - line) : g_scenario_len - at;
    at += n + 1;
    uint32_t indent = 0;
    while (indent < n && line[indent] == ' ') ++indent;
    const char *op = line + indent;
    const char *open = static_cast<const char *>(std::memchr(op, '(', n - indent));
    if (!open || n < indent + 3 || line[n - 1] != ';' || line[n - 2] != ')') continue;
    g_json.begin_object();
    g_json.key("cpu");
    g_json.number(indent > 16 ? 1 : 0);
    g_json.key("op");
    g_json.begin_string();
    g_json.string_part(op, static_cast<size_t>(open - op));
    g_json.end_string();
    g_json.key("lock");
    g_json.begin_string();
    g_json.string_part(open + 1, static_cast<size_t>(line + n - 2 - (open + 1)));
    g_json.end_string();
    g_json.end_object();
  }
  g_json.end_array();
}

// The SUMMARY line, the JSON line, and the end of the report for the
// command. The SUMMARY names the first frame the report printed: where the
// lock was being taken, released or freed.
void report_writer::finish_printing() {
  char problem[128];
  problem_of(title_, problem, sizeof problem);
  char *where = g_where, *summary = g_summary;
  where[0] = '\0';
  if (have_summary_ip_) {
    if (raw_ && locate_frame(summary_ip_, &g_loc))
      std::snprintf(where, sizeof g_where, " (%s+0x%lx)", g_loc.module,
                    static_cast<unsigned long>(g_loc.offset));
    else {
      where[0] = ' ';
      symbolize(summary_ip_, where + 1, sizeof g_where - 1);
    }
  }
  std::snprintf(summary, sizeof g_summary, "SUMMARY: lockdep: %s%s", problem, where);
  print("\n%s\n", summary);
  if (json_) {
    if (g_scenario_len) scenario_json();
    json_close_array();
    g_json.key("summary");
    g_json.string(summary);
    g_json.end_object();
    g_json.finish();
  }
  flush();
  if (g_sending && !g_send_failed && !report_channel_send(report_message::kEnd, "", 0))
    g_send_failed = true;
}

bool report_writer::next_pass() {
  if (pass_ == 0) {
    bool any = false;
    if (kind_ < kSuppressKinds)
      for_each_rule(kind_, [&](const suppression &, uint32_t index) {
        any = true;
        g_acquired_elsewhere[index] = false;
      });
    if (any) {
      pass_ = 1;
      return true;
    }
  } else if (pass_ == 1) {
    bool suppressed = matched_;
    for_each_rule(kind_, [&](const suppression &r, uint32_t index) {
      if (r.acquired_in && held_seen_ && !g_acquired_elsewhere[index]) suppressed = true;
    });
    if (suppressed) {
      g_suppressed[kind_].fetch_add(1, std::memory_order_relaxed);
      pass_ = 3;
      return false;
    }
  } else if (pass_ == 2) {
    finish_printing();
    // The command is gone (or the program took its socket): print here.
    const bool again = g_sending && g_send_failed;
    g_sending = false;
    if (!again) {
      pass_ = 3;
      return false;
    }
  } else {
    pass_ = 3;
    return false;
  }
  pass_ = 2;
  begin_printing();
  return true;
}

report_writer::~report_writer() {
  if (!printing_) {  // suppressed, or no pass ran
    g_report_lock.unlock();
    return;
  }
  if (pass_ == 2) finish_printing();  // the body left its loop early
  g_sending = false;
  count_report();
  g_report_lock.unlock();
  const options &o = current_options();
  if (o.abort_on_error) std::abort();
  if (o.halt_on_error) _exit(o.exitcode);
}

void report_writer::match_name(const char *name) {
  if (pass_ != 1 || matched_) return;
  for_each_rule(kind_, [&](const suppression &r, uint32_t) {
    if (!r.acquired_in && glob_match(r.pattern, name)) matched_ = true;
  });
}

// `symbolized` as symbolize() writes it: "function+0xoff/0xsize [module]",
// "[module+0xoff]" or a bare address.
void report_writer::match_frame(const char *symbolized) {
  if (pass_ != 1) return;
  char function[256] = "", module[256] = "";
  const char *bracket = std::strrchr(symbolized, '[');
  if (bracket) {
    const char *end = bracket + 1 + std::strcspn(bracket + 1, "]");
    if (bracket == symbolized) {  // "[module+0xoff]"
      const char *plus = std::strrchr(symbolized, '+');
      if (plus && plus < end) end = plus;
    } else {
      const char *off = symbolized;
      for (const char *p = std::strstr(symbolized, "+0x"); p && p < bracket;
           p = std::strstr(p + 1, "+0x"))
        off = p;
      const size_t n = static_cast<size_t>(off - symbolized);
      if (n && n < sizeof function) {
        std::memcpy(function, symbolized, n);
        function[n] = '\0';
      }
    }
    const size_t n = static_cast<size_t>(end - bracket - 1);
    if (n < sizeof module) {
      std::memcpy(module, bracket + 1, n);
      module[n] = '\0';
    }
  }
  if (function[0]) match_name(function);
  if (module[0]) match_name(module);
  if (!acquire_site_) return;
  for_each_rule(kind_, [&](const suppression &r, uint32_t index) {
    if (!r.acquired_in) return;
    const bool here = (function[0] && glob_match(r.pattern, function)) ||
                      (module[0] && glob_match(r.pattern, module));
    if (!here) g_acquired_elsewhere[index] = true;
  });
}

void report_writer::printed_name(const char *name) { match_name(name); }

void report_writer::flush() {
  if (g_sending) {
    if (len_ && !g_send_failed && !report_channel_send(report_message::kText, g_buf, len_))
      g_send_failed = true;
  } else if (!current_options().report_json) {
    write_report(g_buf, len_);
  }
  len_ = 0;
}

// Formats straight into the buffer; what does not fit is formatted again
// after the buffer is written out.
void report_writer::print(const char *fmt, ...) {
  if (pass_ == 1) return;
  for (int attempt = 0; attempt < 2; ++attempt) {
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(g_buf + len_, sizeof g_buf - len_, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (len_ + static_cast<uint32_t>(n) < sizeof g_buf) {
      if (std::strstr(fmt, "Possible unsafe locking scenario")) scenario_capture_ = true;
      if (scenario_capture_ && g_scenario_len + static_cast<uint32_t>(n) < sizeof g_scenario) {
        std::memcpy(g_scenario + g_scenario_len, g_buf + len_, static_cast<size_t>(n));
        g_scenario_len += static_cast<uint32_t>(n);
      }
      if (std::strstr(fmt, "*** DEADLOCK ***")) scenario_capture_ = false;
      len_ += static_cast<uint32_t>(n);
      return;
    }
    if (len_ == 0) {  // longer than the whole buffer: cut
      len_ = sizeof g_buf - 1;
      return;
    }
    flush();
  }
}

void report_writer::thread_ident() {
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  print("%s/%d", comm, static_cast<int>(gettid()));
}

namespace {

// A class's name as reports print it, without its subclass.
const char *class_name(const lock_class *c, char *described, size_t len) {
  if (c->name[0]) return c->name;
  describe_lock(reinterpret_cast<uintptr_t>(read_class_key(c)), c->first_ip, described, len);
  return described;
}

}  // namespace

void report_writer::lock_name(uint32_t class_idx) {
  const lock_class *c = class_at(class_idx);
  char described[kNameRoom];
  const char *name = class_name(c, described, sizeof described);
  match_name(name);
  if (printing_) remember_reported_class(class_idx, c->generation);
  if (c->subclass)
    print("%s/%u", name, c->subclass);
  else
    print("%s", name);
}

void report_writer::lock_name_of(const void *instance, const char *name) {
  if (name) {
    match_name(name);
    print("%s", name);
    return;
  }
  char described[kNameRoom];
  describe_lock(reinterpret_cast<uintptr_t>(instance), 0, described, sizeof described);
  match_name(described);
  print("%s", described);
}

// A frame in the JSON line: module path, offset (a return address, as the
// text shows it) and the in-process function name; the command adds file,
// line and inlined frames.
void report_writer::frame(uintptr_t addr, const char *) {
  frame_location &loc = g_loc;
  g_json.begin_object();
  if (locate_frame(addr, &loc)) {
    g_json.key("module");
    g_json.string(loc.module);
    g_json.key("offset");
    g_json.hex(loc.offset);
    if (loc.function[0]) {
      g_json.key("function");
      g_json.string(loc.function);
    }
  } else {
    g_json.key("address");
    g_json.hex(addr);
  }
  g_json.end_object();
}

// Every address the report holds is a return address or one past the
// instruction meant (the API stores LOCKDEP_THIS_IP + 1), so each is looked
// up at address - 1. Raw tokens carry the address itself.
void report_writer::ip(uintptr_t addr) {
  char sym[256];
  symbolize(addr, sym, sizeof sym);
  match_frame(sym);
  if (pass_ == 1) return;
  if (!have_summary_ip_) {
    have_summary_ip_ = true;
    summary_ip_ = addr;
  }
  if (raw_ && locate_frame(addr, &g_loc))
    print("(%s+0x%lx)", g_loc.module, static_cast<unsigned long>(g_loc.offset));
  else
    print("%s", sym);
  if (!json_) return;
  if (!frame_has_place_) {
    json_close_array();
    g_json.key("at");
  }
  frame(addr, sym);
}

void report_writer::held(const held_lock &h) {
  print("%p (", h.instance);
  const lock_class *c = class_at(h.class_idx);
  const bool live = read_class_generation(c) == h.class_generation && read_class_key(c);
  if (live)
    lock_name(h.class_idx);
  else
    print("(forgotten class)");
  print("), at: ");
  if (json_ && pass_ == 2) {
    json_array(in_held_locks_ ? "held_locks" : "locks");
    g_json.begin_object();
    char described[kNameRoom], name[kNameRoom + 16];
    const char *cls = live ? class_name(c, described, sizeof described) : "(forgotten class)";
    if (live && c->subclass)
      std::snprintf(name, sizeof name, "%s/%u", cls, c->subclass);
    else
      std::snprintf(name, sizeof name, "%s", cls);
    g_json.key("name");
    g_json.string(name);
    g_json.key("class");
    g_json.string(cls);
    g_json.key("subclass");
    g_json.number(live ? c->subclass : 0);
    g_json.key("address");
    g_json.hex(reinterpret_cast<uintptr_t>(h.instance));
    g_json.key("at");
  }
  if (pass_ == 1) ++held_seen_;
  acquire_site_ = true;
  frame_has_place_ = true;
  ip(h.acquire_ip);
  frame_has_place_ = false;
  acquire_site_ = false;
  if (json_ && pass_ == 2) g_json.end_object();
  print("\n");
}

void report_writer::trace(trace_view t, int indent) {
  if (!t.n) print("%*s(no stack trace)\n", indent, "");
  for (uint32_t i = 0; i < t.n; ++i) {
    print("%*s", indent, "");
    ip(t.frames[i]);
    print("\n");
  }
}

void report_writer::current_stack() {
  const uint32_t n = capture_stack(g_frames, current_options().stack_depth);
  if (json_ && pass_ == 2) json_array("stack");
  frame_has_place_ = true;
  trace({g_frames, n}, 1);
  frame_has_place_ = false;
}

void report_writer::dependency(uint32_t index, uint32_t from, uint32_t to, trace_view t) {
  print("\n-> #%u (", index);
  lock_name(to);
  print("):\n");
  if (json_ && pass_ == 2) {
    json_array("dependencies");
    g_json.begin_object();
    g_json.key("index");
    g_json.number(index);
    char described[kNameRoom];
    g_json.key("from");
    g_json.string(class_name(class_at(from), described, sizeof described));
    g_json.key("to");
    g_json.string(class_name(class_at(to), described, sizeof described));
    g_json.key("frames");
    g_json.begin_array();
  }
  frame_has_place_ = true;
  trace(t, 7);
  frame_has_place_ = false;
  if (json_ && pass_ == 2) {
    g_json.end_array();
    g_json.end_object();
  }
}

void report_writer::current_dependency(uint32_t from, uint32_t to) {
  const uint32_t n = capture_stack(g_frames, current_options().stack_depth);
  dependency(0, from, to, {g_frames, n});
}

void report_writer::held_locks(const thread_state &t) {
  const size_t depth = t.held.size();
  if (!depth) {
    print("no locks held by ");
    thread_ident();
    print(".\n");
    return;
  }
  print("%zu lock%s held by ", depth, depth > 1 ? "s" : "");
  thread_ident();
  print(":\n");
  in_held_locks_ = true;
  for (size_t i = 0; i < depth; ++i) {
    print(" #%zu: ", i);
    held(t.held[i]);
  }
  in_held_locks_ = false;
}

void report_turn_off(const char *bug_line) {
  char line[200];
  const int n = std::snprintf(line, sizeof line,
                              "%s\nturning off the locking correctness validator.\n", bug_line);
  g_report_lock.lock();
  write_report(line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
  count_report();
  g_report_lock.unlock();
}

void report_line(const char *line, bool counts) {
  g_report_lock.lock();
  write_all(report_fd(), line, std::strlen(line));
  write_all(report_fd(), "\n", 1);
  if (counts) count_report();
  g_report_lock.unlock();
}

void report_lock_before_fork() { g_report_lock.lock(); }
void report_lock_after_fork() { g_report_lock.unlock(); }

uint64_t reports_printed() { return g_reports.load(std::memory_order_relaxed); }

uint64_t reports_suppressed(uint32_t kind) {
  return kind < kSuppressKinds ? g_suppressed[kind].load(std::memory_order_relaxed) : 0;
}

}  // namespace lockdep
