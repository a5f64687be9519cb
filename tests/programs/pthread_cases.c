/* Whole-program test cases in plain C and pthreads, run under `lockdep`.
 * Each case is a function named on the command line. The program knows
 * nothing of lockdep: it is what an unmodified user program looks like. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t g_table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void lock2(pthread_mutex_t *a, pthread_mutex_t *b) {
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
}

static void run_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  pthread_create(&t, NULL, fn, arg);
  pthread_join(t, NULL);
}

/* ---- reported ---------------------------------------------------------- */

NOINLINE static void update_table(void) { lock2(&g_table_lock, &g_stats_lock); }
NOINLINE static void update_stats(void) { lock2(&g_stats_lock, &g_table_lock); }

static int abba_one_thread(void) {
  update_table();
  update_stats();
  return 0;
}

static void *table_thread(void *arg) {
  (void)arg;
  update_table();
  return NULL;
}
static void *stats_thread(void *arg) {
  (void)arg;
  update_stats();
  return NULL;
}

static int abba_two_threads(void) {
  run_thread(table_thread, NULL);
  run_thread(stats_thread, NULL);
  return 0;
}

/* Dining philosophers, one at a time: each takes the left fork, then the
 * right. Never deadlocks here, but could if they sat down together. */
static pthread_mutex_t g_forks[5];
static int g_philosophers;
static void *philosopher(void *arg) {
  const int i = (int)(long)arg;
  lock2(&g_forks[i], &g_forks[(i + 1) % g_philosophers]);
  return NULL;
}
static int philosophers(int n) {
  g_philosophers = n;
  for (int i = 0; i < n; ++i) pthread_mutex_init(&g_forks[i], NULL);
  for (int i = 0; i < n; ++i) run_thread(philosopher, (void *)(long)i);
  return 0;
}
static int cycle3(void) { return philosophers(3); }
static int cycle5(void) { return philosophers(5); }

static int cycle_1000(void) {
  enum { N = 1200 };
  pthread_mutex_t *locks = calloc(N, sizeof *locks);
  for (int i = 0; i < N; ++i) pthread_mutex_init(&locks[i], NULL);
  for (int i = 0; i + 1 < N; ++i) lock2(&locks[i], &locks[i + 1]);
  lock2(&locks[N - 1], &locks[0]);
  return 0;
}

static pthread_rwlock_t g_rw_a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t g_rw_b = PTHREAD_RWLOCK_INITIALIZER;
static int rwlock_writer_cycle(void) {
  pthread_rwlock_wrlock(&g_rw_a); /* writer A, then B */
  pthread_rwlock_wrlock(&g_rw_b);
  pthread_rwlock_unlock(&g_rw_b);
  pthread_rwlock_unlock(&g_rw_a);
  pthread_rwlock_wrlock(&g_rw_b); /* B, then a reader of A: waits for the writer */
  pthread_rwlock_rdlock(&g_rw_a);
  pthread_rwlock_unlock(&g_rw_a);
  pthread_rwlock_unlock(&g_rw_b);
  return 0;
}

static pthread_mutex_t g_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_io_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_queue_cv = PTHREAD_COND_INITIALIZER;
NOINLINE static void wait_for_work(void) {
  /* Holds io while waiting on queue: re-taking queue after the wait is
   * io -> queue, the reverse of the order below. */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 1000000;
  if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  pthread_cond_timedwait(&g_queue_cv, &g_queue_lock, &ts);
}
static int condvar_cycle(void) {
  pthread_mutex_lock(&g_queue_lock);
  pthread_mutex_lock(&g_io_lock);
  wait_for_work();
  pthread_mutex_unlock(&g_io_lock);
  pthread_mutex_unlock(&g_queue_lock);
  return 0;
}

static int timedlock_cycle(void) {
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 5;
  pthread_mutex_timedlock(&a, &ts);
  pthread_mutex_timedlock(&b, &ts);
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  pthread_mutex_timedlock(&b, &ts);
  pthread_mutex_timedlock(&a, &ts);
  pthread_mutex_unlock(&a);
  pthread_mutex_unlock(&b);
  return 0;
}

static pthread_spinlock_t g_spin_a, g_spin_b;
static int spinlock_cycle(void) {
  pthread_spin_init(&g_spin_a, 0);
  pthread_spin_init(&g_spin_b, 0);
  pthread_spin_lock(&g_spin_a);
  pthread_spin_lock(&g_spin_b);
  pthread_spin_unlock(&g_spin_b);
  pthread_spin_unlock(&g_spin_a);
  pthread_spin_lock(&g_spin_b);
  pthread_spin_lock(&g_spin_a);
  pthread_spin_unlock(&g_spin_a);
  pthread_spin_unlock(&g_spin_b);
  return 0;
}

/* A real deadlock: both threads take their first lock, meet, and each
 * blocks on the other's. The report must come out before the hang. */
static pthread_barrier_t g_barrier;
static pthread_mutex_t g_left = PTHREAD_MUTEX_INITIALIZER, g_right = PTHREAD_MUTEX_INITIALIZER;
static void *left_then_right(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_left);
  pthread_barrier_wait(&g_barrier);
  pthread_mutex_lock(&g_right);
  return NULL;
}
static void *right_then_left(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_right);
  pthread_barrier_wait(&g_barrier);
  usleep(100000); /* let the other thread block first */
  pthread_mutex_lock(&g_left);
  return NULL;
}
static int real_deadlock(void) {
  pthread_t t1, t2;
  pthread_barrier_init(&g_barrier, NULL, 2);
  pthread_create(&t1, NULL, left_then_right, NULL);
  pthread_create(&t2, NULL, right_then_left, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  puts("not reached");
  return 0;
}

static int aa_normal(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  fputs("locking again\n", stderr);
  pthread_mutex_lock(&m); /* hangs forever, after the report */
  return 0;
}

static int aa_errorcheck(void) {
  pthread_mutex_t m;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&m, &attr);
  pthread_mutex_lock(&m);
  const int rc = pthread_mutex_lock(&m);
  printf("second lock: %s\n", rc == EDEADLK ? "EDEADLK" : "?");
  pthread_mutex_unlock(&m);
  pthread_mutex_lock(&m); /* still works: the failed lock was taken back */
  pthread_mutex_unlock(&m);
  return rc == EDEADLK ? 0 : 1;
}

static int unlock_not_held(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_unlock(&m);
  return 0;
}

static int destroy_held(void) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  pthread_mutex_lock(&m);
  pthread_mutex_destroy(&m);
  return 0;
}

struct connection {
  char name[16];
  pthread_mutex_t lock;
};
NOINLINE static void close_connection(struct connection *c) { free(c); }
static int free_held(void) {
  struct connection *c = malloc(sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  pthread_mutex_lock(&c->lock);
  close_connection(c); /* still locked */
  return 0;
}

static void *exit_holding(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "holder");
  pthread_mutex_lock(&g_stats_lock);
  return NULL;
}
static int thread_exit_holding(void) {
  pthread_t t;
  pthread_create(&t, NULL, exit_holding, NULL);
  pthread_join(t, NULL);
  return 0;
}

/* The plugin takes its own lock and calls back into us. */
static pthread_mutex_t g_registry_lock = PTHREAD_MUTEX_INITIALIZER;
void host_register(void) {
  pthread_mutex_lock(&g_registry_lock);
  pthread_mutex_unlock(&g_registry_lock);
}
static int dlopen_cycle(const char *plugin_path) {
  void *h = dlopen(plugin_path, RTLD_NOW);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  void (*plugin_locked_call)(void (*)(void)) =
      (void (*)(void (*)(void)))dlsym(h, "plugin_locked_call");
  void (*plugin_lock)(void) = (void (*)(void))dlsym(h, "plugin_lock");
  plugin_locked_call(host_register); /* plugin lock -> registry lock */
  pthread_mutex_lock(&g_registry_lock);
  plugin_lock(); /* registry lock -> plugin lock */
  pthread_mutex_unlock(&g_registry_lock);
  return 0;
}

/* A robust mutex whose owner died is handed over with EOWNERDEAD: still an
 * acquisition, and robust mutexes are ordered like any other. */
static pthread_mutex_t g_robust_a, g_robust_b;
static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_robust_a);
  return NULL; /* owner dies */
}
static int robust_cycle(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&g_robust_a, &attr);
  pthread_mutex_init(&g_robust_b, &attr);
  run_thread(die_holding, NULL);
  const int rc = pthread_mutex_lock(&g_robust_a);
  printf("after owner died: %s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : "?");
  pthread_mutex_consistent(&g_robust_a);
  pthread_mutex_lock(&g_robust_b);
  pthread_mutex_unlock(&g_robust_b);
  pthread_mutex_unlock(&g_robust_a);
  lock2(&g_robust_b, &g_robust_a);
  return rc == EOWNERDEAD ? 0 : 1;
}

/* Writer-preferring rwlocks queue readers behind a waiting writer, so two
 * readers in opposite orders can deadlock with two writers. */
static int writer_preferring_read_read(void) {
  pthread_rwlock_t a, b;
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&a, &attr);
  pthread_rwlock_init(&b, &attr);
  pthread_rwlock_rdlock(&a);
  pthread_rwlock_rdlock(&b);
  pthread_rwlock_unlock(&b);
  pthread_rwlock_unlock(&a);
  pthread_rwlock_rdlock(&b);
  pthread_rwlock_rdlock(&a);
  pthread_rwlock_unlock(&a);
  pthread_rwlock_unlock(&b);
  return 0;
}

/* Initialises mutexes the way std::mutex does: no pthread_mutex_init(). */
static void static_init(pthread_mutex_t *m, int n) {
  const pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < n; ++i) memcpy(&m[i], &init, sizeof init);
}

/* Locks in memory that realloc() moved away from, or that munmap() removed,
 * are forgotten: new locks at those addresses start clean. */
static int realloc_forgets(void) {
  pthread_mutex_t *v = malloc(2 * sizeof *v);
  pthread_mutex_init(&v[0], NULL);
  pthread_mutex_init(&v[1], NULL);
  lock2(&v[0], &v[1]);
  void *old = v;
  char *other = malloc(64); /* keeps realloc from growing in place */
  pthread_mutex_t *moved = realloc(v, 4096 * sizeof *moved);
  printf("moved: %s\n", (void *)moved != old ? "yes" : "no");
  pthread_mutex_t *again = malloc(2 * sizeof *again); /* likely the old block */
  printf("old address reused: %s\n", (void *)again == old ? "yes" : "no");
  static_init(again, 2); /* no init call: only realloc() told lockdep */
  lock2(&again[1], &again[0]);
  free(again);
  free(moved);
  free(other);
  return 0;
}

/* glibc's realloc(p, 0) frees p. */
static int realloc_zero_forgets(void) {
  pthread_mutex_t *v = malloc(2 * sizeof *v);
  pthread_mutex_init(&v[0], NULL);
  pthread_mutex_init(&v[1], NULL);
  lock2(&v[0], &v[1]);
  void *old = v;
  void *gone = realloc(v, 0);
  pthread_mutex_t *again = malloc(2 * sizeof *again);
  printf("freed: %s, old address reused: %s\n", gone ? "no" : "yes",
         (void *)again == old ? "yes" : "no");
  static_init(again, 2);
  lock2(&again[1], &again[0]);
  free(again);
  return 0;
}

static int munmap_forgets(void) {
  const size_t len = 1 << 16;
  pthread_mutex_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pthread_mutex_init(&m[0], NULL);
  pthread_mutex_init(&m[1], NULL);
  lock2(&m[0], &m[1]);
  munmap(m, len);
  pthread_mutex_t *n = mmap(m, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("same address: %s\n", n == m ? "yes" : "no");
  static_init(n, 2); /* no init call: only munmap() told lockdep */
  lock2(&n[1], &n[0]);
  return n == m ? 0 : 1;
}

static int munmap_held(void) {
  pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pthread_mutex_init(m, NULL);
  pthread_mutex_lock(m);
  munmap(m, 4096);
  return 0;
}

/* ---- clean ------------------------------------------------------------- */

static pthread_mutex_t g_ordered[3] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                       PTHREAD_MUTEX_INITIALIZER};
static long g_counter;
static void *ordered_worker(void *arg) {
  const int iterations = (int)(long)arg;
  for (int i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&g_ordered[0]);
    pthread_mutex_lock(&g_ordered[1 + i % 2]);
    ++g_counter;
    pthread_mutex_unlock(&g_ordered[1 + i % 2]);
    pthread_mutex_unlock(&g_ordered[0]);
  }
  return NULL;
}
static int consistent_order(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, ordered_worker, (void *)100000L);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  printf("counter=%ld\n", g_counter);
  return g_counter == 400000 ? 0 : 1;
}

static int trylock_inversion(void) {
  pthread_mutex_lock(&g_table_lock);
  if (pthread_mutex_trylock(&g_stats_lock) == 0) pthread_mutex_unlock(&g_stats_lock);
  pthread_mutex_unlock(&g_table_lock);
  lock2(&g_stats_lock, &g_table_lock);
  return 0;
}

static int read_read_inversion(void) {
  pthread_rwlock_rdlock(&g_rw_a);
  pthread_rwlock_rdlock(&g_rw_b);
  pthread_rwlock_unlock(&g_rw_b);
  pthread_rwlock_unlock(&g_rw_a);
  pthread_rwlock_rdlock(&g_rw_b);
  pthread_rwlock_rdlock(&g_rw_a);
  pthread_rwlock_unlock(&g_rw_a);
  pthread_rwlock_unlock(&g_rw_b);
  return 0;
}

static int recursive_relock(void) {
  static pthread_mutex_t m = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  pthread_mutex_lock(&m);
  pthread_mutex_lock(&m);
  pthread_mutex_lock(&g_table_lock);
  pthread_mutex_unlock(&g_table_lock);
  pthread_mutex_unlock(&m);
  pthread_mutex_unlock(&m);
  return 0;
}

static int destroy_reinit(void) {
  pthread_mutex_t a, b;
  pthread_mutex_init(&a, NULL);
  pthread_mutex_init(&b, NULL);
  lock2(&a, &b);
  pthread_mutex_destroy(&b);
  pthread_mutex_init(&b, NULL); /* a new lock that happens to live here */
  lock2(&b, &a);
  pthread_mutex_destroy(&a);
  pthread_mutex_destroy(&b);
  return 0;
}

static int ordered_array(void) {
  enum { N = 200 };
  static pthread_mutex_t locks[N];
  for (int i = 0; i < N; ++i) pthread_mutex_init(&locks[i], NULL);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < N; ++i) pthread_mutex_lock(&locks[i]);
    for (int i = N - 1; i >= 0; --i) pthread_mutex_unlock(&locks[i]);
  }
  for (int i = 0; i + 7 < N; i += 7) lock2(&locks[i], &locks[i + 7]);
  return 0;
}

static volatile int g_stop;
static void *busy_locker(void *arg) {
  (void)arg;
  while (!g_stop) lock2(&g_ordered[0], &g_ordered[1]);
  return NULL;
}
/* fork() while other threads lock: the child must find a working validator
 * (it can take locks; with `abba` it reports an inversion of its own). */
static int fork_case(int child_abba) {
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, busy_locker, NULL);
  usleep(20000);
  int status = 0;
  for (int round = 0; round < 5; ++round) {
    const pid_t pid = fork();
    if (pid == 0) {
      /* Not g_ordered: a parent thread may have held those at the fork. */
      update_table();
      if (child_abba && round == 4) update_stats();
      _exit(7);
    }
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 7) return 1;
  }
  g_stop = 1;
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  puts("children ok");
  return 0;
}
static int fork_clean(void) { return fork_case(0); }
static int fork_child_abba(void) { return fork_case(1); }

/* ---- churn ------------------------------------------------------------- */

static pthread_mutex_t g_global = PTHREAD_MUTEX_INITIALIZER;
static void *churner(void *arg) {
  const long n = (long)arg;
  for (long i = 0; i < n; ++i) {
    pthread_mutex_t *m = malloc(sizeof *m);
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(&g_global);
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_unlock(&g_global);
    pthread_mutex_destroy(m);
    free(m);
  }
  return NULL;
}
static int churn(long per_thread) {
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, churner, (void *)per_thread);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  return 0;
}

/* With early_thread.so preloaded: its thread predates main() and maybe
 * lockdep's own initialisation. */
static int early_thread(void) {
  int *go = (int *)dlsym(RTLD_DEFAULT, "early_thread_go");
  int *done = (int *)dlsym(RTLD_DEFAULT, "early_thread_done");
  if (!go || !done) {
    fputs("early_thread.so is not preloaded\n", stderr);
    return 1;
  }
  __atomic_store_n(go, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(done, __ATOMIC_SEQ_CST)) usleep(1000);
  return 0;
}

struct named_case {
  const char *name;
  int (*fn)(void);
};

static const struct named_case kCases[] = {
    {"abba_one_thread", abba_one_thread},
    {"abba_two_threads", abba_two_threads},
    {"cycle3", cycle3},
    {"cycle5", cycle5},
    {"cycle_1000", cycle_1000},
    {"rwlock_writer_cycle", rwlock_writer_cycle},
    {"condvar_cycle", condvar_cycle},
    {"timedlock_cycle", timedlock_cycle},
    {"spinlock_cycle", spinlock_cycle},
    {"real_deadlock", real_deadlock},
    {"aa_normal", aa_normal},
    {"aa_errorcheck", aa_errorcheck},
    {"unlock_not_held", unlock_not_held},
    {"destroy_held", destroy_held},
    {"free_held", free_held},
    {"thread_exit_holding", thread_exit_holding},
    {"consistent_order", consistent_order},
    {"trylock_inversion", trylock_inversion},
    {"read_read_inversion", read_read_inversion},
    {"recursive_relock", recursive_relock},
    {"destroy_reinit", destroy_reinit},
    {"ordered_array", ordered_array},
    {"fork_clean", fork_clean},
    {"fork_child_abba", fork_child_abba},
    {"early_thread", early_thread},
    {"robust_cycle", robust_cycle},
    {"writer_preferring_read_read", writer_preferring_read_read},
    {"realloc_forgets", realloc_forgets},
    {"munmap_forgets", munmap_forgets},
    {"realloc_zero_forgets", realloc_zero_forgets},
    {"munmap_held", munmap_held},
};

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "dlopen_cycle")) return dlopen_cycle(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "churn")) return churn(atol(argv[2]));
  for (size_t i = 0; argc >= 2 && i < sizeof kCases / sizeof kCases[0]; ++i)
    if (!strcmp(argv[1], kCases[i].name)) return kCases[i].fn();
  fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 2;
}
