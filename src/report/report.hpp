// Reports in the kernel lockdep's layout, written with write(2) from a fixed
// buffer: nothing on the report path calls the allocator.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/thread_state.hpp"
#include "report/stack_trace.hpp"

namespace lockdep {

// Decides whether a problem is reported: each distinct problem (same kind,
// same classes) once, and no more than max_reports in all.
bool report_wanted(uint32_t kind, uint64_t a, uint64_t b);
// As report_wanted(), and the stack of the offending call is part of the
// problem: misuse reached through one shared wrapper from another caller is
// a new problem. Captures the stack, so only for misuse paths.
bool report_wanted_here(uint32_t kind, uint64_t a, uint64_t b);

// One report. Holds the report lock from construction to destruction, then
// applies halt_on_error / abort_on_error. Its text collects in a static
// buffer that the report lock protects, not on the caller's stack: the
// validator runs on whatever stack the host's thread has, 16 KiB included.
//
// Its body runs as `for (report_writer w(title); w.next_pass();) { ... }`:
// when suppressions name its kind, a first pass prints nothing and only
// matches the names the report would print (frames, modules, locks); the
// pass that prints runs only if none matched. One body, so what is matched
// is what is printed.
class report_writer {
 public:
  explicit report_writer(const char *title);
  ~report_writer();
  report_writer(const report_writer &) = delete;
  report_writer &operator=(const report_writer &) = delete;

  bool next_pass();
  // A lock name the body writes with print(): matched as lock_name()'s are.
  void printed_name(const char *name);

  void print(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
  void thread_ident();                 // "comm/tid"
  void lock_name(uint32_t class_idx);  // "name" or "name/subclass"
  // A lock that may have no class: its map name, else described by address.
  void lock_name_of(const void *instance, const char *name);
  void held(const held_lock &h);  // "addr (name), at: function+off/size"
  void trace(trace_view t, int indent);
  void current_stack();
  void held_locks(const thread_state &t);
  void ip(uintptr_t addr);
  // "-> #index (to):" and the stack where from -> to was recorded; index 0
  // is the dependency being added now, with the current stack.
  void dependency(uint32_t index, uint32_t from, uint32_t to, trace_view t);
  void current_dependency(uint32_t from, uint32_t to);

 private:
  void flush();
  void header();
  void begin_printing();
  void finish_printing();
  void frame(uintptr_t addr, const char *symbolized);
  void json_array(const char *name);
  void json_close_array();
  void scenario_json();
  void match_name(const char *name);
  void match_frame(const char *symbolized);
  uint32_t len_ = 0;
  bool raw_ = false;          // frames as (module+0xoffset) tokens
  bool json_ = false;         // a JSON line is wanted
  uintptr_t summary_ip_ = 0;  // the first frame printed: the SUMMARY's place
  bool have_summary_ip_ = false;
  bool in_held_locks_ = false;        // held() lines of held_locks()
  bool frame_has_place_ = false;      // a JSON frame goes where the caller opened it
  bool scenario_capture_ = false;     // the scenario table's text is being kept
  const char *json_array_ = nullptr;  // the top-level JSON array open
  const char *title_;
  uint32_t kind_;     // suppression kind, kSuppressKinds if none
  uint8_t pass_ = 0;  // 0 before the first pass, 1 matching, 2 printing, 3 done
  bool matched_ = false;
  bool printing_ = false;
  bool acquire_site_ = false;  // inside held(): the frame is where a lock was taken
  uint32_t held_seen_ = 0;     // held() lines in the matching pass
};

// Reports that matched a suppression, per kind (kinds of suppressions.hpp).
uint64_t reports_suppressed(uint32_t kind);

// `bug_line` and "turning off the locking correctness validator."
void report_turn_off(const char *bug_line);

uint64_t reports_printed();

// One line (`line` has no newline) to the report stream, under the report
// lock. `counts`: it is a report (misuse of the API), counted as one and
// told to the `lockdep` command; otherwise a note that changes no status.
void report_line(const char *line, bool counts);

// fork(): the report lock is taken around it, so that a child forked while
// another thread prints a report does not inherit it locked.
void report_lock_before_fork();
void report_lock_after_fork();

// Where reports go: stderr, or the log_path file.
int report_fd();
// Reopen after the options changed.
void report_reopen();
// log_path could not be opened: one line saying which file and why.
bool report_log_path_error(char *err, size_t err_len);

// This process (not a parent before fork) printed a report.
bool reports_printed_by_this_process();

}  // namespace lockdep
