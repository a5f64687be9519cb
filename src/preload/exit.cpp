// How threads and the process end holding locks: main returning or calling
// exit() is reported like a thread exit; once the process is exiting, the
// threads that end during the exit are not (runtimes such as HotSpot end
// their VM thread holding a lock by design); a robust mutex held by a
// thread that dies is the EOWNERDEAD protocol, not a bug.
#include "exit.hpp"

#include <dlfcn.h>
#include <link.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "core/validator.hpp"
#include "lockdep/lockdep.h"
#include "preload_entry.hpp"
#include "real_functions.hpp"
#include "report/stack_trace.hpp"

namespace lockdep::preload {
namespace {

std::atomic<bool> g_process_exiting;
real_functions::main_fn g_main;

bool in(const void *const *set, uint32_t n, const void *p) {
  return std::find(set, set + n, p) != set + n;
}

// The robust mutexes the calling thread holds: glibc links them in the
// thread's robust list, which the kernel reads when the thread dies.
uint32_t held_robust_mutexes(const void **out, uint32_t max) {
  robust_list_head *head = nullptr;
  size_t len = 0;
  if (syscall(SYS_get_robust_list, 0, &head, &len) != 0 || !head) return 0;
  constexpr uintptr_t kPiBit = 1;  // glibc marks PI robust entries in bit 0
  auto mutex_of = [&](const robust_list *e) {
    return reinterpret_cast<const char *>(reinterpret_cast<uintptr_t>(e) & ~kPiBit) +
           head->futex_offset;
  };
  uint32_t n = 0;
  const robust_list *e = head->list.next;
  for (uint32_t steps = 0; e && e != &head->list && n < max && steps < 4 * max; ++steps) {
    out[n++] = mutex_of(e);
    e = reinterpret_cast<const robust_list *>(reinterpret_cast<uintptr_t>(e) & ~kPiBit)->next;
  }
  if (head->list_op_pending && n < max) out[n++] = mutex_of(head->list_op_pending);
  return n;
}

void report_exiting_thread(thread_state &t) {
  forget_held_robust_mutexes(t);
  validator_thread_exit(t);
}

// The exit of the process begins in this thread: its held locks are
// reported, and no thread that ends from now on is.
void process_exit_begins(uintptr_t ra) {
  if (!g_active || g_process_exiting.exchange(true)) return;
  preload_entry e(ra);
  if (e) report_exiting_thread(e.thread());
}

int main_then_exit(int argc, char **argv, char **envp) {
  const int status = g_main(argc, argv, envp);
  process_exit_begins(reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
  return status;
}

// Our wrapper of main is a frame of every stack the program captures: keep
// this library's code out of the stacks.
void hide_own_frames() {
  Dl_info self;
  if (!dladdr(reinterpret_cast<void *>(&main_then_exit), &self)) return;
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *base) {
        if (info->dlpi_addr != reinterpret_cast<uintptr_t>(base)) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr) &ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
          const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          hide_frames_in(lo, lo + ph.p_memsz);
        }
        return 1;
      },
      self.dli_fbase);
}

}  // namespace

void forget_held_robust_mutexes(thread_state &t) {
  constexpr uint32_t kMax = 64;  // on the exiting thread's own (maybe small) stack
  const void *robust[kMax];
  const uint32_t n = held_robust_mutexes(robust, kMax);
  if (!n) return;
  for (size_t i = t.held.size(); i-- > 0;)
    if (in(robust, n, t.held[i].instance))
      t.held.erase(t.held.begin() + static_cast<std::ptrdiff_t>(i));
}

void thread_exit_check(thread_state &t) {
  if (g_process_exiting.load(std::memory_order_acquire)) {
    t.held.clear();
    return;
  }
  report_exiting_thread(t);
}

}  // namespace lockdep::preload

using namespace lockdep::preload;

extern "C" {

// main() returning: glibc calls exit() from inside libc, where no
// interposition reaches, so main itself is wrapped.
LOCKDEP_API int __libc_start_main(real_functions::main_fn main, int argc, char **argv,
                                  void (*init)(), void (*fini)(), void (*rtld_fini)(),
                                  void *stack_end) {
  if (g_active) {
    g_main = main;
    main = main_then_exit;
    hide_own_frames();
  }
  return LOCKDEP_REAL(libc_start_main)(main, argc, argv, init, fini, rtld_fini, stack_end);
}

LOCKDEP_API void exit(int status) {
  process_exit_begins(LOCKDEP_CALLER);
  LOCKDEP_REAL(exit)(status);
  _exit(status);  // not reached: exit() does not return
}

}  // extern "C"
