#include "api/graph_dump.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "api/graph_snapshot.hpp"
#include "core/dependency_graph.hpp"
#include "core/thread_state.hpp"
#include "lockdep/lockdep.h"
#include "report/reported_classes.hpp"
#include "report/stack_trace.hpp"
#include "report/symbolize.hpp"
#include "support/options.hpp"

namespace lockdep {
namespace {

// The DOT text, through a buffer on the caller's (side) stack.
class dot_writer {
 public:
  explicit dot_writer(int fd) : fd_(fd) {}
  ~dot_writer() { flush(); }
  dot_writer(const dot_writer &) = delete;
  dot_writer &operator=(const dot_writer &) = delete;

  int error() const { return error_; }

  void text(const char *s, size_t n) {
    while (n) {
      if (len_ == sizeof buf_) flush();
      const size_t k = n < sizeof buf_ - len_ ? n : sizeof buf_ - len_;
      std::memcpy(buf_ + len_, s, k);
      len_ += k;
      s += k;
      n -= k;
    }
  }
  void put(const char *s) { text(s, std::strlen(s)); }
  void printf(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0) text(line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
  }
  // The inside of a DOT string: quotes and backslashes escaped, control
  // characters dropped.
  void escaped(const char *s) {
    for (; *s; ++s) {
      if (*s == '"' || *s == '\\') text("\\", 1);
      if (static_cast<unsigned char>(*s) >= 0x20) text(s, 1);
    }
  }
  void flush() {
    for (size_t off = 0; off < len_ && !error_;) {
      const ssize_t w = write(fd_, buf_ + off, len_ - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        break;
      }
      off += static_cast<size_t>(w);
    }
    len_ = 0;
  }

 private:
  int fd_;
  int error_ = 0;
  size_t len_ = 0;
  char buf_[8192];
};

// The class's name as reports give it ("g_table_lock", "forks+0x28",
// "0x55d0c0a3e2a0@worker"); a collapsed site drops the address ("@worker").
void node_name(const snapshot_node &n, char *buf, size_t len) {
  if (n.name[0]) {
    std::snprintf(buf, len, "%s", n.name);
    return;
  }
  describe_lock(reinterpret_cast<uintptr_t>(n.key), n.first_ip, buf, len);
  const char *at = std::strchr(buf, '@');
  if (n.count > 1 && at && buf[0] == '0' && buf[1] == 'x')
    std::memmove(buf, at, std::strlen(at) + 1);
}

void write_node(dot_writer &o, const graph_snapshot &s, uint32_t id) {
  const snapshot_node &n = s.nodes[id];
  char name[192], where[256];
  node_name(n, name, sizeof name);
  if (n.subclass) {
    const size_t l = std::strlen(name);
    std::snprintf(name + l, sizeof name - l, "/%u", n.subclass);
  }
  symbolize(n.first_ip, where, sizeof where);
  o.printf("    n%u [label=\"", id);
  o.escaped(name);
  if (n.count > 1) o.printf(" (%u locks)", n.count);
  o.put("\", lockdep_name=\"");
  o.escaped(name);
  o.printf("\", lockdep_count=%u, lockdep_first_taken=\"", n.count);
  o.escaped(where);
  o.put("\", tooltip=\"first taken at ");
  o.escaped(where);
  if (n.count > 1) o.printf("\\n%u per-instance classes first taken there", n.count);
  o.put("\"");
  if (n.count > 1) o.put(", shape=box3d");
  if (n.reported)
    o.put(", lockdep_reported=1, style=filled, fillcolor=\"#ffd0d0\", color=red, penwidth=2");
  o.put("];\n");
}

void write_edge(dot_writer &o, const graph_snapshot &s, uint32_t id) {
  const snapshot_edge &e = s.edges[id];
  static const char *const kKinds[] = {"SR", "ER", "SN", "EN"};  // the kDep* bits
  o.printf("  n%u -> n%u [lockdep_kind=\"", e.from, e.to);
  bool first = true;
  for (int bit = 3; bit >= 0; --bit)
    if (e.mask & (1u << bit)) o.printf("%s%s", first ? "" : ",", kKinds[bit]), first = false;
  o.printf("\", lockdep_count=%u", e.count);
  trace_view t{};
  if (e.flags & kEdgeClosing) {
    uint32_t n = 0;
    const reported_dependency &r = reported_dependencies(&n)[e.closing];
    t = {r.frames, r.n};
  } else {
    t = trace_at(e.trace);
  }
  char frame[256];
  for (const char *attr : {", lockdep_stack=\"", ", tooltip=\""}) {
    o.put(attr);
    for (uint32_t i = 0; i < t.n; ++i) {
      symbolize(t.frames[i], frame, sizeof frame);
      if (i) o.put("\\n");
      o.escaped(frame);
    }
    o.put("\"");
  }
  const bool reads_only = !(e.mask & (kDepSN | kDepEN));
  if (e.flags & kEdgeClosing) o.put(", lockdep_reported_dependency=1, style=bold");
  if (e.flags & kEdgeInCycle) {
    const bool both_reported = s.nodes[e.from].reported && s.nodes[e.to].reported;
    o.printf(", lockdep_cycle=1, color=red, penwidth=%d", both_reported ? 3 : 2);
  } else if (e.flags & kEdgeNesting) {
    o.put(", lockdep_nesting=1, style=dotted");
  } else if (reads_only) {
    o.put(", style=dashed");
  }
  if (reads_only) o.put(", label=\"read\"");
  o.put("];\n");
}

void write_graph(dot_writer &o, const graph_snapshot &s) {
  const char *program = program_invocation_short_name;
  const int pid = static_cast<int>(getpid());
  o.put(
      "// lockdep lock graph: lock classes (nodes) and the dependencies learned between\n"
      "// them (A -> B: B was taken while A was held), each with the stack where it was\n"
      "// first seen (lockdep_stack; tooltips in SVG). Red edges lie on a cycle, bold\n"
      "// ones closed a reported cycle; red nodes were named in reports. Summary and\n"
      "// rendering: lockdep graph FILE [-o FILE.svg]\n"
      "digraph lockdep {\n");
  o.printf("  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"lockdep %s: ",
           LOCKDEP_VERSION);
  o.escaped(program ? program : "?");
  o.printf(" (pid %d), %u classes, %u dependencies, %u cycles\"", pid, s.classes, s.dependencies,
           s.cycles);
  o.printf(
      ", lockdep_pid=%d, lockdep_classes=%u, lockdep_dependencies=%u, lockdep_cycles=%u, "
      "lockdep_reported_dependencies=%u];\n",
      pid, s.classes, s.dependencies, s.cycles, s.closing);
  o.put(
      "  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9];\n");
  for (uint32_t mod = 0; mod <= kNoModule; ++mod) {
    if (s.module_start[mod] == s.module_start[mod + 1]) continue;
    const char *label = mod == kNoModule ? "(no module)" : s.module_name[mod];
    o.printf("  subgraph \"cluster_%u\" {\n    label=\"", mod);
    o.escaped(label);
    o.put("\"; lockdep_module=\"");
    o.escaped(label);
    o.put("\"; style=rounded; color=gray;\n");
    for (uint32_t i = s.module_start[mod]; i < s.module_start[mod + 1]; ++i)
      write_node(o, s, s.node_order[i]);
    o.put("  }\n");
  }
  for (uint32_t e = 0; e < s.n_edges; ++e) write_edge(o, s, e);
  o.put("}\n");
}

// Writes to a temporary file of this thread, renamed into place when whole.
int write_file(const char *path, int *error) {
  char target[1100], temporary[1200];
  if (!expand_log_path(path, static_cast<int>(getpid()), target, sizeof target)) {
    *error = ENAMETOOLONG;
    return -1;
  }
  std::snprintf(temporary, sizeof temporary, "%s.%d.%ld.tmp", target, static_cast<int>(getpid()),
                static_cast<long>(gettid()));
  const int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = errno;
    return -1;
  }
  graph_snapshot s;
  int err = 0;
  if (!take_graph_snapshot(s)) {
    err = ENOMEM;
  } else {
    dot_writer o(fd);
    write_graph(o, s);
    o.flush();
    err = o.error();
  }
  release_graph_snapshot(s);
  if (close(fd) != 0 && !err) err = errno;
  if (!err && rename(temporary, target) != 0) err = errno;
  if (err) {
    unlink(temporary);
    *error = err;
    return -1;
  }
  return 0;
}

void on_sigusr2(int) {
  const int saved = errno;
  // A thread interrupted inside lockdep may hold the graph lock or be in
  // the middle of a dump: nothing then (exit writes the graph).
  if (!current_thread().recursion) graph_dump(nullptr);
  errno = saved;
}

}  // namespace

int graph_dump(const char *path) {
  if (!path || !*path) path = current_options().graph_path;
  if (!*path) {
    errno = EINVAL;
    return -1;
  }
  thread_state &t = current_thread();
  ++t.recursion;  // our own calls (open, dladdr) are not the program's locking
  int result = -1, error = 0;
  run_on_side_stack(t, [&] { result = write_file(path, &error); });
  --t.recursion;
  if (result) errno = error;
  return result;
}

void graph_dump_at_exit() {
  const char *path = current_options().graph_path;
  if (!path[0] || graph_dump(nullptr) == 0) return;
  char line[1300];
  const int n = std::snprintf(line, sizeof line, "lockdep: cannot write graph_path '%s': %s\n",
                              path, strerrordesc_np(errno));
  if (n > 0) {
    const ssize_t w = write(2, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    (void)w;
  }
}

void graph_dump_install_signal() {
  if (!current_options().graph_path[0]) return;
  struct sigaction old {};
  if (sigaction(SIGUSR2, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
      old.sa_handler != SIG_DFL)
    return;
  struct sigaction sa {};
  sa.sa_handler = on_sigusr2;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, nullptr);
}

}  // namespace lockdep

extern "C" LOCKDEP_API int lockdep_dump_graph(const char *path) {
  return lockdep::graph_dump(path);
}
