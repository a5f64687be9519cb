// Start-up and exit of the library: options from LOCKDEP_OPTIONS, log_path,
// the status pipe to the `lockdep` command, the stats block and the exit
// status at exit.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "api/graph_dump.hpp"
#include "core/fork.hpp"
#include "core/pools.hpp"
#include "lockdep/lockdep.h"
#include "report/report.hpp"
#include "report/status_pipe.hpp"
#include "support/options.hpp"

namespace lockdep {
namespace {

void say(const char *text) {
  char line[1400];
  const int n = std::snprintf(line, sizeof line, "%s\n", text);
  const ssize_t w = write(2, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
  (void)w;
}

// A start-up error: the program does not run unchecked.
[[noreturn]] void refuse(const char *err) {
  say(err);
  status_pipe_attach(false);
  status_pipe_send(status::kStartFailed);
  _exit(2);
}

// ThreadSanitizer intercepts the same pthread functions and tears down its
// per-thread state before libunwind's thread-exit destructor runs: the two
// cannot share a process, so lockdep stays off and says so.
bool thread_sanitizer_present() { return dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr; }

// With follow_children=0, programs this one executes run without lockdep:
// its own entries leave LD_PRELOAD (the process itself is already loaded).
// No std::string here: it would make liblockdep.so load libstdc++ into every
// program, which costs each process start about a millisecond.
bool is_ours(const char *entry, size_t len, const char *self) {
  if (std::strlen(self) == len && !std::strncmp(entry, self, len)) return true;
  const char *base = entry;
  for (size_t i = 0; i < len; ++i)
    if (entry[i] == '/') base = entry + i + 1;
  const size_t base_len = len - static_cast<size_t>(base - entry);
  return base_len >= 13 && !std::strncmp(base, "liblockdep.so", 13);
}

void stop_following_children() {
  const char *preload = std::getenv("LD_PRELOAD");
  Dl_info self{};
  if (!preload || !dladdr(reinterpret_cast<void *>(&stop_following_children), &self) ||
      !self.dli_fname)
    return;
  static char kept[16384];
  size_t n = 0;
  for (const char *p = preload; *p;) {
    const size_t len = std::strcspn(p, ": \t");
    if (len && !is_ours(p, len, self.dli_fname)) {
      if (n + len + 2 > sizeof kept) return;  // leave an LD_PRELOAD this long alone
      if (n) kept[n++] = ':';
      std::memcpy(kept + n, p, len);
      n += len;
    }
    p += len;
    if (*p) ++p;
  }
  kept[n] = '\0';
  if (n)
    setenv("LD_PRELOAD", kept, 1);
  else
    unsetenv("LD_PRELOAD");
}

}  // namespace

// A typo in an option or an unusable log_path must never silently disable
// checking: refuse to run.
__attribute__((constructor(101))) static void lockdep_load() {
  // First: the earlier our fork handlers are registered, the fewer other
  // libraries' prepare handlers run after ours (see core/fork.cpp).
  core_init();
  char err[1400];
  if (lockdep_set_options(std::getenv("LOCKDEP_OPTIONS"), err, sizeof err) != 0) refuse(err);
  if (report_log_path_error(err, sizeof err)) refuse(err);
  if (thread_sanitizer_present()) {
    g_enabled.store(false);
    status_pipe_attach(false);
    if (!status_pipe_send(status::kTsan))
      say("lockdep: ThreadSanitizer's runtime is in this process; lockdep is off in it "
          "(nothing is checked)");
    return;
  }
  // Before the program's own constructors can open files: the inherited
  // descriptor moves out of their way now.
  status_pipe_attach(current_options().follow_children);
  status_pipe_send(status::kActive);
  graph_dump_install_signal();
  if (current_options().verbosity >= 1) {
    char line[128];
    const int n = std::snprintf(line, sizeof line, "lockdep %s: validator on (pid %d)\n",
                                LOCKDEP_VERSION, static_cast<int>(getpid()));
    const ssize_t w = write(report_fd(), line, static_cast<size_t>(n));
    (void)w;
  }
}

// After the preload layer's set-up (priority 102), which looks for itself in
// LD_PRELOAD: only then may the environment for children change.
__attribute__((constructor(103))) static void lockdep_children() {
  if (validator_enabled() && !current_options().follow_children) stop_following_children();
}

// Runs from exit() after the program's atexit handlers and the destructors
// of the modules loaded after this one. A report that the command cannot
// learn of (no command and fail_at_exit, or the status pipe lost) fails the
// exit status here, as the sanitizers do; stdio is flushed first, since
// _exit() skips that.
__attribute__((destructor)) static void lockdep_unload() {
  graph_dump_at_exit();
  if (current_options().print_stats) lockdep_print_stats();
  if (!reports_printed_by_this_process()) return;
  const bool command_knows = status_pipe_watched() && !status_pipe_lost();
  if (status_pipe_lost() || (current_options().fail_at_exit && !command_knows)) {
    std::fflush(nullptr);
    _exit(current_options().exitcode);
  }
}

}  // namespace lockdep
