/* Whole-program cases of lock misuse that Helgrind and ThreadSanitizer
 * report: exits holding locks, locks used after destroy, condition
 * variables used wrongly, robust mutexes, C11 <threads.h>, repeated misuse,
 * thread cancellation. Each case is a function named on the command line;
 * the program knows nothing of lockdep. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void lock2(pthread_mutex_t *a, pthread_mutex_t *b) {
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
}

static struct timespec in_ms(int ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += ms * 1000000L;
  while (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  return ts;
}

/* Blocks until `waiter` is inside pthread_cond_wait on a mutex `m` that it
 * held before: the wait has released `m` only once the waiter is queued. */
static void until_waiting(int *ready, pthread_mutex_t *m) {
  while (!__atomic_load_n(ready, __ATOMIC_ACQUIRE)) usleep(100);
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
}

/* ---- exit holding locks ------------------------------------------------ */

static pthread_mutex_t g_main_lock = PTHREAD_MUTEX_INITIALIZER;
static int main_returns_holding(void) {
  pthread_mutex_lock(&g_main_lock);
  return 0; /* main returns with g_main_lock held */
}
static int main_exits_holding(void) {
  pthread_mutex_lock(&g_main_lock);
  exit(0);
}

/* A worker still holds a lock when the process starts exiting, and ends
 * during the exit (here: joined by an atexit handler), as runtimes such as
 * HotSpot do with their VM thread. */
static pthread_mutex_t g_worker_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_worker_holds, g_worker_go;
static pthread_t g_worker;
static void *hold_until_exit(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_worker_lock);
  __atomic_store_n(&g_worker_holds, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&g_worker_go, __ATOMIC_ACQUIRE)) usleep(100);
  return NULL; /* ends with g_worker_lock held, while the process exits */
}
static void release_worker(void) {
  __atomic_store_n(&g_worker_go, 1, __ATOMIC_RELEASE);
  pthread_join(g_worker, NULL);
  puts("worker ended during exit");
}
static void start_holding_worker(void) {
  atexit(release_worker);
  pthread_create(&g_worker, NULL, hold_until_exit, NULL);
  while (!__atomic_load_n(&g_worker_holds, __ATOMIC_ACQUIRE)) usleep(100);
}
static int worker_holds_during_exit(void) {
  start_holding_worker();
  exit(0);
}
static int worker_holds_during_return(void) {
  start_holding_worker();
  return 0;
}

/* ---- lock used after destroy -------------------------------------------- */

static int use_after_destroy(void) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  const int rc = pthread_mutex_lock(&m); /* glibc: EINVAL */
  printf("lock after destroy: %s\n", rc == EINVAL ? "EINVAL" : rc ? "error" : "0");
  return 0;
}

/* Legitimate: re-initialised by assignment (as std::mutex and
 * PTHREAD_MUTEX_INITIALIZER do, without pthread_mutex_init), and memory
 * freed then reallocated holding a new lock. */
static int destroy_then_static_reinit(void) {
  for (int round = 0; round < 3; ++round) {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
  }
  pthread_mutex_t *p = malloc(sizeof *p);
  pthread_mutex_init(p, NULL);
  pthread_mutex_lock(p);
  pthread_mutex_unlock(p);
  pthread_mutex_destroy(p);
  void *old = p;
  free(p);
  pthread_mutex_t *q = malloc(sizeof *q);
  const pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
  memcpy(q, &init, sizeof init);
  pthread_mutex_lock(q);
  pthread_mutex_unlock(q);
  printf("address reused: %s\n", (void *)q == old ? "yes" : "no");
  free(q);
  return 0;
}

/* ---- condition variables ------------------------------------------------ */

static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;

NOINLINE static int wait_unheld(pthread_mutex_t *m) {
  struct timespec ts = in_ms(1);
  return pthread_cond_timedwait(&g_cv, m, &ts);
}
static int cond_wait_unheld(void) {
  pthread_mutex_t m;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&m, &attr);
  const int rc = wait_unheld(&m); /* an error-checking mutex: EPERM, not re-taken */
  printf("wait without the mutex: %s\n", rc == EPERM ? "EPERM" : "?");
  pthread_mutex_lock(&m); /* not held: no recursive locking */
  pthread_mutex_unlock(&m);
  return 0;
}

static pthread_mutex_t g_m1 = PTHREAD_MUTEX_INITIALIZER, g_m2 = PTHREAD_MUTEX_INITIALIZER;
static int g_waiting, g_woken;
static void *wait_with_m1(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_m1);
  __atomic_store_n(&g_waiting, 1, __ATOMIC_RELEASE);
  while (!g_woken) pthread_cond_wait(&g_cv, &g_m1);
  pthread_mutex_unlock(&g_m1);
  return NULL;
}
NOINLINE static void wait_with_m2(void) {
  pthread_mutex_lock(&g_m2);
  struct timespec ts = in_ms(1);
  pthread_cond_timedwait(&g_cv, &g_m2, &ts);
  pthread_mutex_unlock(&g_m2);
}
static int cond_two_mutexes(void) {
  pthread_t t;
  pthread_create(&t, NULL, wait_with_m1, NULL);
  until_waiting(&g_waiting, &g_m1);
  wait_with_m2(); /* while the other thread waits with g_m1 */
  pthread_mutex_lock(&g_m1);
  g_woken = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_m1);
  pthread_join(t, NULL);
  return 0;
}
/* Legitimate: one mutex after another, never both at once. */
static int cond_mutexes_in_turn(void) {
  wait_with_m2();
  pthread_mutex_lock(&g_m1);
  struct timespec ts = in_ms(1);
  pthread_cond_timedwait(&g_cv, &g_m1, &ts);
  pthread_mutex_unlock(&g_m1);
  wait_with_m2();
  return 0;
}

/* A timed wait with an invalid time fails at once with EINVAL: the mutex was
 * never released, so nothing was re-taken under g_m2. */
static int cond_timedwait_einval(void) {
  pthread_mutex_lock(&g_m1);
  pthread_mutex_lock(&g_m2);
  struct timespec bad = {0, -1};
  const int rc = pthread_cond_timedwait(&g_cv, &g_m1, &bad);
  struct timespec bad_clock = in_ms(1);
  const int rc2 = pthread_cond_clockwait(&g_cv, &g_m1, CLOCK_PROCESS_CPUTIME_ID, &bad_clock);
  printf("timedwait: %s, clockwait: %s\n", rc == EINVAL ? "EINVAL" : "?",
         rc2 == EINVAL ? "EINVAL" : "?");
  pthread_mutex_unlock(&g_m2);
  pthread_mutex_unlock(&g_m1);
  return 0;
}

/* ---- robust mutexes ----------------------------------------------------- */

static pthread_mutex_t g_robust, g_plain = PTHREAD_MUTEX_INITIALIZER;
static void *die_holding_both(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_plain);
  pthread_mutex_lock(&g_robust);
  return NULL; /* the robust one is the EOWNERDEAD protocol; the plain one is a bug */
}
static int robust_owner_dies(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&g_robust, &attr);
  pthread_t t;
  pthread_create(&t, NULL, die_holding_both, NULL);
  pthread_join(t, NULL);
  const int rc = pthread_mutex_lock(&g_robust);
  printf("next owner: %s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : "?");
  pthread_mutex_consistent(&g_robust);
  pthread_mutex_unlock(&g_robust);
  return 0;
}

/* ---- C11 <threads.h> ---------------------------------------------------- */

static mtx_t g_ca, g_cb;
static cnd_t g_ccv;
NOINLINE static void c11_a_then_b(void) {
  struct timespec ts = in_ms(1000);
  mtx_lock(&g_ca);
  mtx_timedlock(&g_cb, &ts);
  mtx_unlock(&g_cb);
  mtx_unlock(&g_ca);
}
NOINLINE static void c11_b_then_a(void) {
  mtx_lock(&g_cb);
  mtx_lock(&g_ca);
  mtx_unlock(&g_ca);
  mtx_unlock(&g_cb);
}
static int c11_abba(void) {
  mtx_init(&g_ca, mtx_plain);
  mtx_init(&g_cb, mtx_timed);
  c11_a_then_b();
  c11_b_then_a();
  mtx_destroy(&g_ca);
  mtx_destroy(&g_cb);
  return 0;
}
/* Holds b while waiting on a: re-taking a after the wait is b -> a. */
static int c11_cnd_cycle(void) {
  mtx_init(&g_ca, mtx_plain);
  mtx_init(&g_cb, mtx_plain);
  cnd_init(&g_ccv);
  c11_a_then_b();
  mtx_lock(&g_ca);
  mtx_lock(&g_cb);
  struct timespec ts = in_ms(1);
  const int rc = cnd_timedwait(&g_ccv, &g_ca, &ts);
  printf("cnd_timedwait: %s\n", rc == thrd_timedout ? "timedout" : "?");
  mtx_unlock(&g_cb);
  mtx_unlock(&g_ca);
  return 0;
}
static int c11_misuse(void) {
  mtx_init(&g_ca, mtx_plain);
  cnd_init(&g_ccv);
  struct timespec ts = in_ms(1);
  cnd_timedwait(&g_ccv, &g_ca, &ts); /* without the mutex */
  mtx_unlock(&g_ca);                 /* a plain mutex was re-taken by the wait */
  mtx_init(&g_cb, mtx_plain);
  mtx_destroy(&g_cb);
  const int rc = mtx_trylock(&g_cb); /* after destroy */
  printf("trylock after destroy: %s\n", rc == thrd_error ? "thrd_error" : "?");
  return 0;
}
/* Trylock adds no edge into the tried lock, as with pthreads. */
static int c11_trylock_inversion(void) {
  mtx_init(&g_ca, mtx_plain);
  mtx_init(&g_cb, mtx_plain);
  c11_a_then_b();
  mtx_lock(&g_cb);
  if (mtx_trylock(&g_ca) == thrd_success) mtx_unlock(&g_ca);
  mtx_unlock(&g_cb);
  return 0;
}

/* ---- repeated misuse ---------------------------------------------------- */

NOINLINE static void release(pthread_mutex_t *m) { pthread_mutex_unlock(m); }
NOINLINE static void close_reader(pthread_mutex_t *m) { release(m); }
NOINLINE static void close_writer(pthread_mutex_t *m) { release(m); }
static int repeated_misuse(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 3; ++i) close_reader(&m); /* one problem, seen three times */
  close_writer(&m);                             /* the same wrapper, another caller */
  pthread_mutex_t r;
  for (int round = 0; round < 2; ++round) { /* the same place, a new lock each round */
    pthread_mutex_init(&r, NULL);
    pthread_mutex_lock(&r);
    pthread_mutex_unlock(&r);
    close_reader(&r);
    pthread_mutex_destroy(&r);
  }
  return 0;
}

/* ---- thread cancellation ------------------------------------------------ */

static pthread_mutex_t g_wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_xa = PTHREAD_MUTEX_INITIALIZER, g_xb = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_xc = PTHREAD_MUTEX_INITIALIZER, g_xd = PTHREAD_MUTEX_INITIALIZER;
static int g_cancel_ready;
NOINLINE static void cleanup_inverts(void *arg) {
  (void)arg;
  lock2(&g_xb, &g_xa); /* the reverse of main's order */
  pthread_mutex_unlock(&g_wait_lock);
}
NOINLINE static void cleanup_then(void *arg) {
  (void)arg;
  lock2(&g_xd, &g_xc); /* still checked after the first handler */
}
static void *wait_to_be_cancelled(void *arg) {
  (void)arg;
  pthread_cleanup_push(cleanup_then, NULL);
  pthread_mutex_lock(&g_wait_lock);
  pthread_cleanup_push(cleanup_inverts, NULL);
  __atomic_store_n(&g_cancel_ready, 1, __ATOMIC_RELEASE);
  for (;;) pthread_cond_wait(&g_cv, &g_wait_lock);
  pthread_cleanup_pop(1);
  pthread_cleanup_pop(1);
  return NULL;
}
static int cancel_in_cond_wait(void) {
  lock2(&g_xa, &g_xb);
  lock2(&g_xc, &g_xd);
  pthread_t t;
  pthread_create(&t, NULL, wait_to_be_cancelled, NULL);
  until_waiting(&g_cancel_ready, &g_wait_lock);
  pthread_cancel(t);
  void *result;
  pthread_join(t, &result);
  printf("cancelled: %s\n", result == PTHREAD_CANCELED ? "yes" : "no");
  return 0;
}

/* A signal handler that runs while its thread is blocked in
 * pthread_mutex_lock is checked like any other code. */
static pthread_mutex_t g_busy = PTHREAD_MUTEX_INITIALIZER;
static void on_signal(int sig) {
  (void)sig;
  lock2(&g_xb, &g_xa);
}
static void *block_on_busy(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_busy);
  pthread_mutex_unlock(&g_busy);
  return NULL;
}
static int signal_during_blocking_lock(void) {
  signal(SIGUSR1, on_signal);
  lock2(&g_xa, &g_xb);
  pthread_mutex_lock(&g_busy);
  pthread_t t;
  pthread_create(&t, NULL, block_on_busy, NULL);
  /* glibc marks a mutex with sleeping waiters with 2 in its lock word. */
  while (__atomic_load_n(&g_busy.__data.__lock, __ATOMIC_ACQUIRE) != 2) usleep(100);
  pthread_kill(t, SIGUSR1); /* the handler runs inside the real lock call */
  pthread_mutex_unlock(&g_busy);
  pthread_join(t, NULL);
  return 0;
}

struct named_case {
  const char *name;
  int (*fn)(void);
};
static const struct named_case kCases[] = {
    {"main_returns_holding", main_returns_holding},
    {"main_exits_holding", main_exits_holding},
    {"worker_holds_during_exit", worker_holds_during_exit},
    {"worker_holds_during_return", worker_holds_during_return},
    {"use_after_destroy", use_after_destroy},
    {"destroy_then_static_reinit", destroy_then_static_reinit},
    {"cond_wait_unheld", cond_wait_unheld},
    {"cond_two_mutexes", cond_two_mutexes},
    {"cond_mutexes_in_turn", cond_mutexes_in_turn},
    {"cond_timedwait_einval", cond_timedwait_einval},
    {"robust_owner_dies", robust_owner_dies},
    {"c11_abba", c11_abba},
    {"c11_cnd_cycle", c11_cnd_cycle},
    {"c11_misuse", c11_misuse},
    {"c11_trylock_inversion", c11_trylock_inversion},
    {"repeated_misuse", repeated_misuse},
    {"cancel_in_cond_wait", cancel_in_cond_wait},
    {"signal_during_blocking_lock", signal_during_blocking_lock},
};

int main(int argc, char **argv) {
  for (size_t i = 0; argc >= 2 && i < sizeof kCases / sizeof kCases[0]; ++i)
    if (!strcmp(argv[1], kCases[i].name)) return kCases[i].fn();
  fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 2;
}
