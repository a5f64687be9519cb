// The preload layer's life: activation at load, the libraries whose locks
// are ours, threads that exit, and fork().
#include <link.h>
#include <pthread.h>

#include <cstdlib>
#include <cstring>

#include "core/graph_lock.hpp"
#include "core/rcu.hpp"
#include "core/validator.hpp"
#include "exit.hpp"
#include "preload_entry.hpp"
#include "real_functions.hpp"
#include "report/report.hpp"

namespace lockdep::preload {

bool g_active;

namespace {

struct text_range {
  uintptr_t lo, hi;
};
constexpr int kMaxRanges = 16;
text_range g_internal[kMaxRanges];
int g_internal_count;

pthread_key_t g_exit_key;

bool is_internal_library(const char *path) {
  const char *base = std::strrchr(path, '/');
  base = base ? base + 1 : path;
  return std::strncmp(base, "liburcu", 7) == 0 || std::strncmp(base, "libunwind", 9) == 0;
}

int collect_internal_ranges(dl_phdr_info *info, size_t, void *) {
  if (!info->dlpi_name || !is_internal_library(info->dlpi_name)) return 0;
  for (int i = 0; i < info->dlpi_phnum && g_internal_count < kMaxRanges; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    g_internal[g_internal_count++] = {lo, lo + ph.p_memsz};
  }
  return 0;
}

void on_thread_exit(void *) {
  thread_state &t = current_thread();
  if (t.recursion || !validator_enabled()) return;
  ++t.recursion;
  t.entry_ra = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  thread_exit_check(t);
  --t.recursion;
}

// fork() from a multi-threaded process: quiesce the RCU machinery and take
// the graph lock, so that the child gets them in a consistent state.
void before_fork() {
  urcu_bp_call_rcu_before_fork();  // first: its worker may be waiting for the graph lock
  urcu_bp_before_fork();
  g_graph_lock.lock();
  report_lock_before_fork();  // inside the graph lock, as reports take it
}
void after_fork_parent() {
  report_lock_after_fork();
  g_graph_lock.unlock();
  urcu_bp_after_fork_parent();
  urcu_bp_call_rcu_after_fork_parent();
}
void after_fork_child() {
  report_lock_after_fork();  // the only thread left is the one that took them
  g_graph_lock.unlock();
  urcu_bp_after_fork_child();
  urcu_bp_call_rcu_after_fork_child();
}

bool preloaded() {
  if (const char *force = std::getenv("LOCKDEP_INTERPOSE")) return std::strcmp(force, "0") != 0;
  const char *preload = std::getenv("LD_PRELOAD");
  return preload && std::strstr(preload, "liblockdep");
}

// After the options (init.cpp, priority 101), before the program's own
// constructors where possible.
__attribute__((constructor(102))) void preload_init() {
  resolve_real_functions();
  if (!preloaded()) return;
  thread_state &t = current_thread();
  ++t.recursion;  // the set-up below may lock mutexes of its own
  dl_iterate_phdr(collect_internal_ranges, nullptr);
  pthread_key_create(&g_exit_key, on_thread_exit);
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  --t.recursion;
  g_active = true;
}

}  // namespace

bool called_from_internal_library(uintptr_t ra) {
  for (int i = 0; i < g_internal_count; ++i)
    if (ra >= g_internal[i].lo && ra < g_internal[i].hi) return true;
  return false;
}

void register_thread(thread_state &t) {
  t.exit_hooked = true;
  pthread_setspecific(g_exit_key, &t);
}

}  // namespace lockdep::preload
