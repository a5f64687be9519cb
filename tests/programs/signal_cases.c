// Signal handlers that take locks (issue 9, part 2): each case delivers
// its signals with raise(), so where the handler runs is deterministic.
#define _GNU_SOURCE
#include <lockdep/lockdep.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_sig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_outer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_safe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_unsafe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_main_only_lock = PTHREAD_MUTEX_INITIALIZER;

static volatile sig_atomic_t g_handled;

static void install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  sigaction(sig, &sa, NULL);
}

static void block(int sig, int how) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(how, &s, NULL);
}

static void lock_unlock(pthread_mutex_t *m) {
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
}

static void takes_sig_lock(int sig) {
  (void)sig;
  lock_unlock(&g_sig_lock);
  ++g_handled;
}

// A mutex taken in a SIGALRM handler and in main with SIGALRM deliverable.
static int handler_and_main(void) {
  install(SIGALRM, takes_sig_lock, 0);
  lock_unlock(&g_sig_lock);
  raise(SIGALRM);
  return 0;
}

// The same, main blocking SIGALRM around its critical section.
static int main_blocks(void) {
  install(SIGALRM, takes_sig_lock, 0);
  block(SIGALRM, SIG_BLOCK);
  lock_unlock(&g_sig_lock);
  block(SIGALRM, SIG_UNBLOCK);
  raise(SIGALRM);
  return 0;
}

// The handler takes H (g_sig_lock) while main holds L (g_outer_lock);
// main also takes H under L with SIGALRM deliverable.
static int handler_takes_h_main_holds_l(void) {
  install(SIGALRM, takes_sig_lock, 0);
  pthread_mutex_lock(&g_outer_lock);
  lock_unlock(&g_sig_lock);
  raise(SIGALRM);
  pthread_mutex_unlock(&g_outer_lock);
  return 0;
}

static void takes_safe_lock(int sig) {
  (void)sig;
  lock_unlock(&g_safe_lock);
}

// Safe (used in the handler) held, SIGALRM blocked, while taking unsafe
// (held elsewhere with SIGALRM deliverable): found when the dependency is
// recorded.
static int safe_unsafe_dependency(void) {
  install(SIGALRM, takes_safe_lock, 0);
  raise(SIGALRM);
  lock_unlock(&g_unsafe_lock);
  block(SIGALRM, SIG_BLOCK);
  pthread_mutex_lock(&g_safe_lock);
  lock_unlock(&g_unsafe_lock);
  pthread_mutex_unlock(&g_safe_lock);
  block(SIGALRM, SIG_UNBLOCK);
  return 0;
}

// The same pieces in another order: the dependency first, then the
// handler, then unsafe is held with the signal deliverable.
static int safe_unsafe_at_mark(void) {
  install(SIGALRM, takes_safe_lock, 0);
  block(SIGALRM, SIG_BLOCK);
  pthread_mutex_lock(&g_safe_lock);
  lock_unlock(&g_unsafe_lock);
  pthread_mutex_unlock(&g_safe_lock);
  block(SIGALRM, SIG_UNBLOCK);
  raise(SIGALRM);
  lock_unlock(&g_unsafe_lock);
  return 0;
}

// Safe reaches unsafe through a third lock: safe -> outer, then outer ->
// unsafe, all with SIGALRM blocked; unsafe was held with it deliverable.
static int safe_unsafe_chain(void) {
  install(SIGALRM, takes_safe_lock, 0);
  raise(SIGALRM);
  lock_unlock(&g_unsafe_lock);
  block(SIGALRM, SIG_BLOCK);
  pthread_mutex_lock(&g_safe_lock);
  lock_unlock(&g_outer_lock);
  pthread_mutex_unlock(&g_safe_lock);
  pthread_mutex_lock(&g_outer_lock);
  lock_unlock(&g_unsafe_lock);
  pthread_mutex_unlock(&g_outer_lock);
  block(SIGALRM, SIG_UNBLOCK);
  return 0;
}

static volatile int g_trylock_failed, g_trylock_succeeded;

static void trylocks_sig_lock(int sig) {
  (void)sig;
  if (pthread_mutex_trylock(&g_sig_lock) == 0) {
    ++g_trylock_succeeded;
    pthread_mutex_unlock(&g_sig_lock);
  } else {
    ++g_trylock_failed;
  }
}

// A handler that only trylocks: it cannot deadlock, even when the signal
// arrives while main holds the lock.
static int trylock_in_handler(void) {
  install(SIGALRM, trylocks_sig_lock, 0);
  pthread_mutex_lock(&g_sig_lock);
  raise(SIGALRM);
  pthread_mutex_unlock(&g_sig_lock);
  raise(SIGALRM);
  printf("trylock failed %d, succeeded %d\n", g_trylock_failed, g_trylock_succeeded);
  return 0;
}

static void siginfo_handler(int sig, siginfo_t *info, void *uc) {
  (void)sig;
  (void)uc;
  g_handled = info->si_signo;
}

// sigaction()'s old action is the user's, whatever lockdep installs.
static int oldact_roundtrip(void) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = siginfo_handler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR1);
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  if (sigaction(SIGALRM, &sa, NULL) != 0) return 1;
  memset(&old, 0, sizeof old);
  if (sigaction(SIGALRM, NULL, &old) != 0) return 1;
  const int flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND;
  if (old.sa_sigaction != siginfo_handler) return puts("oldact: handler differs"), 1;
  if ((old.sa_flags & flags) != (SA_SIGINFO | SA_RESTART)) return puts("oldact: flags differ"), 1;
  if (!sigismember(&old.sa_mask, SIGUSR1)) return puts("oldact: mask differs"), 1;
  // Installing the old action again installs the same handler.
  if (sigaction(SIGALRM, &old, NULL) != 0) return 1;
  raise(SIGALRM);
  if (g_handled != SIGALRM) return puts("siginfo handler not called"), 1;
  // A plain handler through signal(): signal() returns the previous one.
  if ((void *)signal(SIGALRM, takes_sig_lock) != (void *)siginfo_handler)
    return puts("signal: previous handler differs"), 1;
  if (signal(SIGALRM, SIG_IGN) != takes_sig_lock) return puts("signal: handler differs"), 1;
  if (signal(SIGALRM, SIG_DFL) != SIG_IGN) return puts("signal: SIG_IGN differs"), 1;
  puts("oldact ok");
  return 0;
}

// SA_RESETHAND: the handler runs once, the disposition is SIG_DFL again,
// and a lock the handler took is not in danger any more.
static int resethand(void) {
  install(SIGALRM, takes_sig_lock, SA_RESETHAND);
  raise(SIGALRM);
  struct sigaction old;
  sigaction(SIGALRM, NULL, &old);
  if (old.sa_handler != SIG_DFL) return puts("not reset"), 1;
  lock_unlock(&g_sig_lock);
  printf("reset ok, handled %d\n", g_handled);
  return 0;
}

static sigjmp_buf g_jump;

static void jumps_out(int sig) {
  (void)sig;
  lock_unlock(&g_sig_lock);
  siglongjmp(g_jump, 1);
}

// A handler left by siglongjmp(): what main takes next is not taken in
// the handler.
static int siglongjmp_then_lock(void) {
  install(SIGALRM, jumps_out, 0);
  if (sigsetjmp(g_jump, 1) == 0) raise(SIGALRM);
  lock_unlock(&g_main_only_lock);
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  lock_unlock(&g_main_only_lock);
  puts("jumped out");
  return 0;
}

static jmp_buf g_plain_jump;

static void longjmps_out(int sig) {
  (void)sig;
  lock_unlock(&g_sig_lock);
  longjmp(g_plain_jump, 1);
}

// longjmp() from setjmp() keeps the handler's mask: SIGALRM stays blocked
// after the jump, so main taking the handler's lock is safe until it
// unblocks SIGALRM; and the jump left the handler.
static int longjmp_keeps_mask(void) {
  install(SIGALRM, longjmps_out, 0);
  if (setjmp(g_plain_jump) == 0) raise(SIGALRM);
  lock_unlock(&g_sig_lock);
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  printf("SIGALRM blocked after longjmp: %d\n", sigismember(&now, SIGALRM));
  // Out of the handler: g_main_only_lock, with SIGALRM deliverable, is not
  // taken in it.
  block(SIGALRM, SIG_UNBLOCK);
  lock_unlock(&g_main_only_lock);
  return 0;
}

// SA_NODEFER: the handler can interrupt itself while it holds its lock.
static int nodefer(void) {
  install(SIGALRM, takes_sig_lock, SA_NODEFER);
  raise(SIGALRM);
  return 0;
}

// Without SA_NODEFER the same handler is fine.
static int defer(void) {
  install(SIGALRM, takes_sig_lock, 0);
  raise(SIGALRM);
  raise(SIGALRM);
  return 0;
}

// The lock is taken with SIGALRM blocked, and SIGALRM is unblocked while
// it is held.
static int unblock_while_holding(void) {
  install(SIGALRM, takes_sig_lock, 0);
  block(SIGALRM, SIG_BLOCK);
  pthread_mutex_lock(&g_sig_lock);
  block(SIGALRM, SIG_UNBLOCK);
  pthread_mutex_unlock(&g_sig_lock);
  raise(SIGALRM);
  return 0;
}

static void *locks_sig_lock(void *arg) {
  (void)arg;
  lock_unlock(&g_sig_lock);
  return NULL;
}

// A thread starts with its creator's mask: SIGALRM blocked.
static int thread_inherits_mask(void) {
  install(SIGALRM, takes_sig_lock, 0);
  block(SIGALRM, SIG_BLOCK);
  pthread_t th;
  pthread_create(&th, NULL, locks_sig_lock, NULL);
  pthread_join(th, NULL);
  block(SIGALRM, SIG_UNBLOCK);
  raise(SIGALRM);
  return 0;
}

static struct lockdep_class_key g_annotated_key;
static struct lockdep_map g_annotated;

static void takes_annotated(int sig) {
  (void)sig;
  lockdep_acquire(&g_annotated, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP);
  lockdep_release(&g_annotated, LOCKDEP_THIS_IP);
}

// An annotated lock (the C API) in a handler and in main.
static int api_in_handler(void) {
  lockdep_init_map(&g_annotated, "annotated_lock", &g_annotated_key, 0);
  install(SIGUSR1, takes_annotated, 0);
  raise(SIGUSR1);
  lockdep_acquire(&g_annotated, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP);
  lockdep_release(&g_annotated, LOCKDEP_THIS_IP);
  return 0;
}

static void usr1_takes_sig_lock(int sig) {
  (void)sig;
  lock_unlock(&g_sig_lock);
}

static void alrm_raises_usr1(int sig) {
  (void)sig;
  lock_unlock(&g_outer_lock);
  raise(SIGUSR1);
}

// Nested handlers: SIGUSR1's runs inside SIGALRM's. g_sig_lock is used in
// the SIGUSR1 handler only; main holds it with SIGALRM deliverable and
// SIGUSR1 blocked: clean. g_outer_lock is used in the SIGALRM handler.
static int nested_handlers(void) {
  install(SIGALRM, alrm_raises_usr1, 0);
  install(SIGUSR1, usr1_takes_sig_lock, 0);
  raise(SIGALRM);
  block(SIGUSR1, SIG_BLOCK);
  lock_unlock(&g_sig_lock);
  block(SIGUSR1, SIG_UNBLOCK);
  return 0;
}

static void segv_jumps_out(int sig) {
  (void)sig;
  lock_unlock(&g_sig_lock);
  siglongjmp(g_jump, 1);
}

// A fault's signal (SIGSEGV) arrives only at a faulting instruction of the
// thread itself, not while main holds the lock: as JVMs use it.
static int segv_handler(void) {
  install(SIGSEGV, segv_jumps_out, SA_NODEFER);
  lock_unlock(&g_sig_lock);
  if (sigsetjmp(g_jump, 1) == 0) raise(SIGSEGV);
  lock_unlock(&g_sig_lock);
  puts("recovered");
  return 0;
}

// The signal arrives while main holds the handler's lock: the report comes
// before the handler blocks for ever.
static int real_deadlock(void) {
  install(SIGALRM, takes_sig_lock, 0);
  pthread_mutex_lock(&g_sig_lock);
  raise(SIGALRM);
  pthread_mutex_unlock(&g_sig_lock);
  return 0;
}

// A handler on an alternate signal stack left by siglongjmp(): the jump
// target is on another stack than the handler's frames.
static int altstack_siglongjmp(void) {
  static char stack[64 * 1024];
  stack_t ss;
  ss.ss_sp = stack;
  ss.ss_size = sizeof stack;
  ss.ss_flags = 0;
  sigaltstack(&ss, NULL);
  install(SIGALRM, jumps_out, SA_ONSTACK);
  if (sigsetjmp(g_jump, 1) == 0) raise(SIGALRM);
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  lock_unlock(&g_main_only_lock);
  puts("jumped out");
  return 0;
}

static pthread_mutex_t g_errorcheck_lock;

static void takes_errorcheck_lock(int sig) {
  (void)sig;
  if (pthread_mutex_lock(&g_errorcheck_lock) == 0) pthread_mutex_unlock(&g_errorcheck_lock);
}

// sigsuspend() lets SIGALRM in while main holds the handler's lock (an
// error-checking mutex: the handler's lock fails with EDEADLK, no hang).
static int sigsuspend_holding(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&g_errorcheck_lock, &a);
  install(SIGALRM, takes_errorcheck_lock, 0);
  block(SIGALRM, SIG_BLOCK);
  pthread_mutex_lock(&g_errorcheck_lock);
  raise(SIGALRM);  // pending until sigsuspend()
  sigset_t none;
  sigemptyset(&none);
  sigsuspend(&none);
  pthread_mutex_unlock(&g_errorcheck_lock);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  static const struct {
    const char *name;
    int (*fn)(void);
  } cases[] = {
      {"handler_and_main", handler_and_main},
      {"main_blocks", main_blocks},
      {"handler_takes_h_main_holds_l", handler_takes_h_main_holds_l},
      {"safe_unsafe_dependency", safe_unsafe_dependency},
      {"safe_unsafe_at_mark", safe_unsafe_at_mark},
      {"safe_unsafe_chain", safe_unsafe_chain},
      {"trylock_in_handler", trylock_in_handler},
      {"oldact_roundtrip", oldact_roundtrip},
      {"resethand", resethand},
      {"siglongjmp_then_lock", siglongjmp_then_lock},
      {"longjmp_keeps_mask", longjmp_keeps_mask},
      {"nodefer", nodefer},
      {"defer", defer},
      {"unblock_while_holding", unblock_while_holding},
      {"thread_inherits_mask", thread_inherits_mask},
      {"api_in_handler", api_in_handler},
      {"nested_handlers", nested_handlers},
      {"segv_handler", segv_handler},
      {"real_deadlock", real_deadlock},
      {"altstack_siglongjmp", altstack_siglongjmp},
      {"sigsuspend_holding", sigsuspend_holding},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
    if (!strcmp(argv[1], cases[i].name)) return cases[i].fn();
  return 2;
}
