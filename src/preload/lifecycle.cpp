// The preload layer's life: activation at load, the libraries whose locks
// are ours, and threads that exit. fork() is the core's (core/fork.cpp).
#include <link.h>
#include <pthread.h>

#include <cstdlib>
#include <cstring>

#include "core/validator.hpp"
#include "exit.hpp"
#include "preload_entry.hpp"
#include "real_functions.hpp"

namespace lockdep::preload {

bool g_active;
uintptr_t g_internal_lo, g_internal_hi;

namespace {

struct text_range {
  uintptr_t lo, hi;
};
constexpr int kMaxRanges = 16;
text_range g_internal[kMaxRanges];
int g_internal_count;

pthread_key_t g_exit_key;

// libunwind's locks are taken on the validator's behalf (stack captures).
// liburcu is not here: the validator's RCU is its own, so a host's liburcu
// locks are the host's and are checked.
bool is_internal_library(const char *path) {
  const char *base = std::strrchr(path, '/');
  base = base ? base + 1 : path;
  return std::strncmp(base, "libunwind", 9) == 0;
}

int collect_internal_ranges(dl_phdr_info *info, size_t, void *) {
  if (!info->dlpi_name || !is_internal_library(info->dlpi_name)) return 0;
  for (int i = 0; i < info->dlpi_phnum && g_internal_count < kMaxRanges; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    g_internal[g_internal_count++] = {lo, lo + ph.p_memsz};
    if (!g_internal_hi || lo < g_internal_lo) g_internal_lo = lo;
    if (lo + ph.p_memsz > g_internal_hi) g_internal_hi = lo + ph.p_memsz;
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
  --t.recursion;
  g_active = true;
}

}  // namespace

bool called_from_internal_range(uintptr_t ra) {
  for (int i = 0; i < g_internal_count; ++i)
    if (ra >= g_internal[i].lo && ra < g_internal[i].hi) return true;
  return false;
}

void register_thread(thread_state &t) {
  t.exit_hooked = true;
  pthread_setspecific(g_exit_key, &t);
}

}  // namespace lockdep::preload
