// Signal handlers and masks, for the signal-safety rules of
// core/signal_usage.hpp: the validator must know when code runs in a
// handler, for which signal, and which signals the thread lets in.
//
// - sigaction() / signal() / bsd_signal() / sysv_signal(): a user handler
//   is installed as one trampoline (always SA_SIGINFO) that marks the
//   thread's state "in a handler for S", with the mask the kernel gives the
//   handler (the interrupted mask from the ucontext, sa_mask, and S unless
//   SA_NODEFER), calls the user's handler the way it was installed, and
//   restores the ucontext's mask (the one sigreturn restores) when it
//   returns. sigaction()'s old action says the user's handler, never the
//   trampoline; SIG_DFL and SIG_IGN pass through untouched. SA_RESETHAND is
//   left to the kernel; the trampoline forgets the handler when it runs.
// - pthread_sigmask() / sigprocmask() / sigsuspend(): the thread's blocked
//   mask, so the lock path reads it without a system call.
// - siglongjmp() / longjmp() / _longjmp() / __longjmp_chk(): a jump out of
//   a handler leaves its level (and the levels it interrupted, down to the
//   frame jumped to); a mask saved by sigsetjmp() is the mask again.
//
// All of it only when interposition is on (g_active), like the lock calls.
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <cstdint>

#include "core/signal_usage.hpp"
#include "lockdep/lockdep.h"
#include "preload_entry.hpp"

using namespace lockdep;
using namespace lockdep::preload;

extern "C" void __longjmp_chk(sigjmp_buf env, int val) __attribute__((noreturn));

namespace {

constexpr int kSignals = 65;  // 1..64

// A user's action as installed. Records are never freed: a ring, so that a
// trampoline reading one while another thread installs a new action reads
// a whole record (it would need this many sigaction() calls meanwhile to
// read a reused one).
struct user_action {
  void *handler;  // sa_handler or sa_sigaction, as `flags` says
  int flags;      // as the user gave them
  uint64_t mask;  // sa_mask
};
constexpr uint32_t kRecords = 1024;
user_action g_records[kRecords];
std::atomic<uint32_t> g_next_record;
std::atomic<user_action *> g_actions[kSignals];  // nullptr: not ours

struct real_calls {
  int (*sigaction)(int, const struct sigaction *, struct sigaction *);
  int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
  int (*sigprocmask)(int, const sigset_t *, sigset_t *);
  int (*sigsuspend)(const sigset_t *);
  void (*siglongjmp)(__jmp_buf_tag *, int);
  void (*longjmp)(__jmp_buf_tag *, int);
  void (*underscore_longjmp)(__jmp_buf_tag *, int);
  void (*longjmp_chk)(__jmp_buf_tag *, int);
};
real_calls g_calls;

template <class Fn>
Fn *resolve(Fn *&slot, const char *name) {
  if (!slot)
    __atomic_store_n(&slot, reinterpret_cast<Fn *>(dlsym(RTLD_NEXT, name)), __ATOMIC_RELEASE);
  return slot;
}
#define REAL(field, name) (*resolve(g_calls.field, name))

// Before any handler can run: dlsym() is not async-signal-safe.
__attribute__((constructor(103))) void resolve_signal_calls() {
  resolve(g_calls.sigaction, "sigaction");
  resolve(g_calls.pthread_sigmask, "pthread_sigmask");
  resolve(g_calls.sigprocmask, "sigprocmask");
  resolve(g_calls.sigsuspend, "sigsuspend");
  resolve(g_calls.siglongjmp, "siglongjmp");
  resolve(g_calls.longjmp, "longjmp");
  resolve(g_calls.underscore_longjmp, "_longjmp");
  resolve(g_calls.longjmp_chk, "__longjmp_chk");
}

uint64_t mask_word(const sigset_t &s) {
  uint64_t w;
  __builtin_memcpy(&w, &s, sizeof w);  // signals 1..64, as the kernel's sigset
  return w;
}

bool user_handler(const struct sigaction *act) {
  const void *h = reinterpret_cast<const void *>(act->sa_handler);
  return h != reinterpret_cast<const void *>(SIG_DFL) &&
         h != reinterpret_cast<const void *>(SIG_IGN);
}

uintptr_t interrupted_sp(const ucontext_t *uc) {
#if defined(__x86_64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.sp);
#else
  (void)uc;
  return 0;
#endif
}

// A thread state of its own (not the shared one of threads the validator
// could not give a block to, which has no side stack).
thread_state *own_state() {
  thread_state *t = &current_thread();
  return t->side_stack_top ? t : nullptr;
}

// Signals the kernel raises at a faulting instruction of the thread itself
// (and JVMs use for implicit null checks and safepoint polls): they do not
// arrive at an arbitrary point, so holding a lock while one "could" arrive
// is no hazard, and their handlers run in the context they interrupted.
bool synchronous(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
         sig == SIGSYS;
}

void trampoline(int sig, siginfo_t *info, void *ucv) {
  user_action *rec = g_actions[sig].load(std::memory_order_acquire);
  if (!rec) return;  // uninstalled while this delivery began
  const user_action a = *rec;
  if (a.flags & SA_RESETHAND) {
    // The kernel has reset the disposition already.
    g_actions[sig].compare_exchange_strong(rec, nullptr, std::memory_order_acq_rel);
    set_signal_handled(sig, false);
  }
  const int saved_errno = errno;
  auto *uc = static_cast<ucontext_t *>(ucv);
  thread_state *t = own_state();
  signal_level level;
  if (t) {
    level.outer = t->sig.innermost;
    level.sig = synchronous(sig) ? t->sig.current : sig;
    level.interrupted_sp = interrupted_sp(uc);
    level.frame = reinterpret_cast<uintptr_t>(&level);
    t->sig.blocked =
        mask_word(uc->uc_sigmask) | a.mask | (a.flags & SA_NODEFER ? 0 : signal_bit(sig));
    t->sig.innermost = &level;
    t->sig.current = level.sig;
  }
  errno = saved_errno;
  if (a.flags & SA_SIGINFO)
    reinterpret_cast<void (*)(int, siginfo_t *, void *)>(a.handler)(sig, info, ucv);
  else
    reinterpret_cast<void (*)(int)>(a.handler)(sig);
  if (t) {
    t->sig.innermost = level.outer;
    t->sig.current = level.outer ? level.outer->sig : 0;
    t->sig.blocked = mask_word(uc->uc_sigmask);  // what sigreturn restores
  }
}

const void *trampoline_address() { return reinterpret_cast<const void *>(&trampoline); }

int wrapped_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact) {
  if (!g_active || sig <= 0 || sig >= kSignals || sig == SIGKILL || sig == SIGSTOP)
    return REAL(sigaction, "sigaction")(sig, act, oldact);
  struct sigaction installed;
  const struct sigaction *pass = act;
  user_action *rec = nullptr;
  const bool replace =
      act && reinterpret_cast<const void *>(act->sa_sigaction) != trampoline_address();
  if (replace && user_handler(act)) {
    rec = &g_records[g_next_record.fetch_add(1, std::memory_order_relaxed) % kRecords];
    rec->handler = reinterpret_cast<void *>(act->sa_sigaction);
    rec->flags = act->sa_flags;
    rec->mask = mask_word(act->sa_mask);
    installed = *act;
    installed.sa_sigaction = trampoline;
    installed.sa_flags |= SA_SIGINFO;
    pass = &installed;
  }
  user_action *previous = g_actions[sig].load(std::memory_order_acquire);
  if (replace) g_actions[sig].store(rec, std::memory_order_release);
  struct sigaction old;
  const int rc = REAL(sigaction, "sigaction")(sig, pass, &old);
  if (rc != 0) {
    if (replace) g_actions[sig].store(previous, std::memory_order_release);
    return rc;
  }
  if (replace) set_signal_handled(sig, rec != nullptr && !synchronous(sig));
  if (oldact) {
    *oldact = old;
    if (reinterpret_cast<const void *>(old.sa_sigaction) == trampoline_address() && previous) {
      oldact->sa_sigaction =
          reinterpret_cast<void (*)(int, siginfo_t *, void *)>(previous->handler);
      oldact->sa_flags = (old.sa_flags & ~SA_SIGINFO) | (previous->flags & SA_SIGINFO);
    }
  }
  return 0;
}

sighandler_t install(int sig, sighandler_t handler, int flags, bool mask_self) {
  struct sigaction act = {}, old = {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (mask_self && sig > 0 && sig < kSignals) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (wrapped_sigaction(sig, &act, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

// The thread's mask becomes `blocked`: locks it holds are now held with the
// signals that turned deliverable.
void set_blocked(thread_state &t, uint64_t blocked, uintptr_t ra) {
  if (signal_mask_opens(t, blocked)) {
    preload_entry e(ra);
    if (e) {
      signal_mask_changed(t, blocked);
      return;
    }
  }
  t.sig.blocked = blocked;
}

int masked(int how, const sigset_t *set, sigset_t *oldset, uintptr_t ra,
           int (*real)(int, const sigset_t *, sigset_t *)) {
  if (!g_active || !set) return real(how, set, oldset);
  sigset_t before;
  const int rc = real(how, set, &before);
  if (rc != 0) return rc;
  if (oldset) *oldset = before;
  thread_state *t = own_state();
  if (!t) return rc;
  const int saved_errno = errno;
  const uint64_t was = mask_word(before), given = mask_word(*set);
  t->sig.blocked = was;  // what the kernel says, whatever we missed
  uint64_t now = how == SIG_BLOCK ? was | given : how == SIG_UNBLOCK ? was & ~given : given;
  now &= ~(signal_bit(SIGKILL) | signal_bit(SIGSTOP));
  set_blocked(*t, now, ra);
  errno = saved_errno;
  return rc;
}

// Handler levels that a jump to `env` leaves: every level whose handler's
// frames do not contain the target stack pointer (a jump into a handler's
// own frames stays in it). Comparisons are between addresses on one stack:
// a level's frames run from where the next level interrupted it up to its
// trampoline frame.
uintptr_t jump_target_sp(const __jmp_buf_tag *env) {
#if defined(__x86_64__)
  // glibc mangles the saved stack pointer (PTR_MANGLE: xor with the
  // pointer guard at %fs:0x30, rotate left by 17).
  uintptr_t guard;
  asm("mov %%fs:0x30, %0" : "=r"(guard));
  const uintptr_t v = static_cast<uintptr_t>(env->__jmpbuf[6]);
  return ((v >> 17) | (v << 47)) ^ guard;
#else
  (void)env;
  return 0;  // unknown: the jump leaves every level
#endif
}

__attribute__((noinline)) void before_jump(__jmp_buf_tag *env, uintptr_t ra) {
  if (!g_active) return;
  thread_state *t = t_state;
  if (!t || !t->side_stack_top) return;
  if (t->sig.innermost) {
    const uintptr_t target = jump_target_sp(env);
    uintptr_t low = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    signal_level *l = t->sig.innermost;
    while (l && !(target && target >= low && target <= l->frame)) {
      low = l->interrupted_sp;
      l = l->outer;
    }
    t->sig.innermost = l;
    t->sig.current = l ? l->sig : 0;
  }
  if (env->__mask_was_saved) set_blocked(*t, mask_word(env->__saved_mask), ra);
}

}  // namespace

extern "C" {

LOCKDEP_API int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact) {
  return wrapped_sigaction(sig, act, oldact);
}

// glibc's signal() is BSD's: SA_RESTART, the signal blocked in its handler.
// (siginterrupt() is not followed: the handler is installed restarting.)
LOCKDEP_API sighandler_t signal(int sig, sighandler_t handler) {
  return install(sig, handler, SA_RESTART, true);
}
LOCKDEP_API sighandler_t bsd_signal(int sig, sighandler_t handler) {
  return install(sig, handler, SA_RESTART, true);
}
// System V's: reset on delivery, not blocked in its handler.
LOCKDEP_API sighandler_t sysv_signal(int sig, sighandler_t handler) {
  return install(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}
LOCKDEP_API sighandler_t __sysv_signal(int sig, sighandler_t handler) {
  return install(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}

LOCKDEP_API int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset) {
  return masked(how, set, oldset, LOCKDEP_CALLER, REAL(pthread_sigmask, "pthread_sigmask"));
}
LOCKDEP_API int sigprocmask(int how, const sigset_t *set, sigset_t *oldset) {
  return masked(how, set, oldset, LOCKDEP_CALLER, REAL(sigprocmask, "sigprocmask"));
}

LOCKDEP_API int sigsuspend(const sigset_t *mask) {
  thread_state *t = g_active ? own_state() : nullptr;
  if (!t) return REAL(sigsuspend, "sigsuspend")(mask);
  const uint64_t saved = t->sig.blocked;
  set_blocked(*t, mask_word(*mask), LOCKDEP_CALLER);
  const int rc = REAL(sigsuspend, "sigsuspend")(mask);
  t->sig.blocked = saved;  // errno untouched
  return rc;
}

LOCKDEP_API void siglongjmp(sigjmp_buf env, int val) {
  before_jump(env, LOCKDEP_CALLER);
  REAL(siglongjmp, "siglongjmp")(env, val);
  __builtin_unreachable();
}
LOCKDEP_API void longjmp(jmp_buf env, int val) {
  before_jump(env, LOCKDEP_CALLER);
  REAL(longjmp, "longjmp")(env, val);
  __builtin_unreachable();
}
LOCKDEP_API void _longjmp(jmp_buf env, int val) {
  before_jump(env, LOCKDEP_CALLER);
  REAL(underscore_longjmp, "_longjmp")(env, val);
  __builtin_unreachable();
}
LOCKDEP_API void __longjmp_chk(sigjmp_buf env, int val) {
  before_jump(env, LOCKDEP_CALLER);
  REAL(longjmp_chk, "__longjmp_chk")(env, val);
  __builtin_unreachable();
}

}  // extern "C"
