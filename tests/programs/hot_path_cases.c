/* The lock fast path (src/core/fast_path.hpp) against what it must not
 * skip: steps remembered before a lock's class died, and a new thread's
 * first lock.
 * And the memory that lock churn costs.
 *   hot_path_cases reinit_reversed|exit_in_reused_block|trylock_then_lock
 *   hot_path_cases churn_rss ITERATIONS LIMIT_MIB */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static pthread_mutex_t g_a, g_b;

static void a_then_b(void) {
  pthread_mutex_lock(&g_a);
  pthread_mutex_lock(&g_b);
  pthread_mutex_unlock(&g_b);
  pthread_mutex_unlock(&g_a);
}

/* a -> b, many times (fast path); both destroyed and made again at the same
 * addresses (new classes); b -> a; then a -> b once more closes a cycle of
 * the new classes, which a step remembered for the old ones would hide. */
static int reinit_reversed(void) {
  pthread_mutex_init(&g_a, NULL);
  pthread_mutex_init(&g_b, NULL);
  for (int i = 0; i < 100; ++i) a_then_b();
  pthread_mutex_destroy(&g_a);
  pthread_mutex_destroy(&g_b);
  pthread_mutex_init(&g_a, NULL);
  pthread_mutex_init(&g_b, NULL);
  pthread_mutex_lock(&g_b);
  pthread_mutex_lock(&g_a);
  pthread_mutex_unlock(&g_a);
  pthread_mutex_unlock(&g_b);
  a_then_b();
  return 0;
}

static pthread_mutex_t g_m = PTHREAD_MUTEX_INITIALIZER;

static void *lock_unlock_often(void *arg) {
  (void)arg;
  for (int i = 0; i < 100; ++i) {
    pthread_mutex_lock(&g_m);
    pthread_mutex_unlock(&g_m);
  }
  return NULL;
}

static void *lock_and_end(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_m);
  return NULL; /* ends holding g_m: reported */
}

/* The second thread gets the first one's per-thread block, whose fast path
 * knows g_m: its first lock must still arm the thread-exit check. */
static int exit_in_reused_block(void) {
  pthread_t t;
  pthread_create(&t, NULL, lock_unlock_often, NULL);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, lock_and_end, NULL);
  pthread_join(t, NULL);
  return 0;
}

/* A trylock's step and a blocking lock's step of the same lock differ: a
 * trylock adds no dependency into the tried lock, a lock does. */
static int trylock_then_lock(void) {
  pthread_mutex_init(&g_a, NULL);
  pthread_mutex_init(&g_b, NULL);
  for (int i = 0; i < 100; ++i) {
    pthread_mutex_lock(&g_a);
    if (pthread_mutex_trylock(&g_b) == 0) pthread_mutex_unlock(&g_b);
    pthread_mutex_unlock(&g_a);
  }
  pthread_mutex_lock(&g_b);
  pthread_mutex_lock(&g_a); /* b -> a: no cycle, a -> b was a trylock */
  pthread_mutex_unlock(&g_a);
  pthread_mutex_unlock(&g_b);
  a_then_b(); /* a -> b blocking: closes b -> a */
  return 0;
}

/* Locks made, taken under a global lock and destroyed, one at a time: the
 * validator's memory must follow the live set (one or two locks), not the
 * number of locks ever made. Exits 1 when the max RSS passes the limit. */
static pthread_mutex_t g_global = PTHREAD_MUTEX_INITIALIZER;
static int churn_rss(long n, long limit_mib) {
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
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("max rss %ld KiB after %ld locks\n", ru.ru_maxrss, n);
  return ru.ru_maxrss > limit_mib * 1024 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "churn_rss") && argc == 4) return churn_rss(atol(argv[2]), atol(argv[3]));
  if (!strcmp(argv[1], "reinit_reversed")) return reinit_reversed();
  if (!strcmp(argv[1], "exit_in_reused_block")) return exit_in_reused_block();
  if (!strcmp(argv[1], "trylock_then_lock")) return trylock_then_lock();
  fprintf(stderr, "unknown case %s\n", argv[1]);
  return 2;
}
