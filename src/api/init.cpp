// Start-up and exit of the library: options from LOCKDEP_OPTIONS, the stats
// block at exit.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/fork.hpp"
#include "lockdep/lockdep.h"
#include "report/report.hpp"
#include "support/options.hpp"

namespace lockdep {

// A typo in an option must never silently disable checking: refuse to run.
__attribute__((constructor(101))) static void lockdep_load() {
  // First: the earlier our fork handlers are registered, the fewer other
  // libraries' prepare handlers run after ours (see core/fork.cpp).
  core_init();
  char err[512];
  if (lockdep_set_options(std::getenv("LOCKDEP_OPTIONS"), err, sizeof err) != 0) {
    const int n = std::snprintf(nullptr, 0, "%s\n", err);
    char line[600];
    std::snprintf(line, sizeof line, "%s\n", err);
    const ssize_t w = write(2, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    (void)w;
    _exit(2);
  }
  if (current_options().verbosity >= 1) {
    char line[128];
    const int n = std::snprintf(line, sizeof line, "lockdep %s: validator on (pid %d)\n",
                                LOCKDEP_VERSION, static_cast<int>(getpid()));
    const ssize_t w = write(report_fd(), line, static_cast<size_t>(n));
    (void)w;
  }
}

__attribute__((destructor)) static void lockdep_unload() {
  if (current_options().print_stats) lockdep_print_stats();
}

}  // namespace lockdep
