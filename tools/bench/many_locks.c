/* A many-lock server: THREADS threads each repeatedly take a random
 * ascending subset (1-4 locks) of NLOCKS mutexes, for SECONDS; prints the
 * operations per second (wall) and the process CPU time per operation. The order is always
 * consistent (no report is due); "inject" adds one real inversion, which must be reported once.
 *   many_locks NLOCKS THREADS SECONDS [inject]
 *
 * The inversion goes through a lock the workers never take, X: X before
 * lock 0 and lock 0 before lock NLOCKS-1 at the start, NLOCKS-1 before X
 * while the workers run. It cannot deadlock for real (taking lock 1 before
 * lock 0 could: a worker holding 0 waits for 1 while main, holding 1 and
 * printing its report, then waits for 0). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t *g_locks;
static long g_nlocks;
static atomic_int g_stop;
static atomic_long g_ops;

static uint64_t next_random(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int by_value(const void *a, const void *b) {
  const long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static void *worker(void *arg) {
  uint64_t seed = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1);
  long ops = 0;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    long picked[4];
    const int k = 1 + (int)(next_random(&seed) % 4);
    int n = 0;
    while (n < k) {
      const long v = (long)(next_random(&seed) % (uint64_t)g_nlocks);
      int dup = 0;
      for (int i = 0; i < n; ++i) dup |= picked[i] == v;
      if (!dup) picked[n++] = v;
    }
    qsort(picked, (size_t)n, sizeof picked[0], by_value);
    for (int i = 0; i < n; ++i) pthread_mutex_lock(&g_locks[picked[i]]);
    for (int i = n; i-- > 0;) pthread_mutex_unlock(&g_locks[picked[i]]);
    ++ops;
  }
  atomic_fetch_add(&g_ops, ops);
  return NULL;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void take_pair(long first, long second) {
  pthread_mutex_lock(&g_locks[first]);
  pthread_mutex_lock(&g_locks[second]);
  pthread_mutex_unlock(&g_locks[second]);
  pthread_mutex_unlock(&g_locks[first]);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: many_locks NLOCKS THREADS SECONDS [inject]\n");
    return 2;
  }
  g_nlocks = atol(argv[1]);
  const int threads = atoi(argv[2]);
  const double seconds = atof(argv[3]);
  const int inject = argc > 4 && !strcmp(argv[4], "inject");
  if (g_nlocks < 4) {
    fprintf(stderr, "many_locks: NLOCKS must be at least 4 (subsets of up to 4 locks)\n");
    return 2;
  }
  const long x = g_nlocks; /* lock X: only main takes it */
  g_locks = calloc((size_t)g_nlocks + 1, sizeof *g_locks);
  for (long i = 0; i <= g_nlocks; ++i) pthread_mutex_init(&g_locks[i], NULL);
  if (inject) {
    take_pair(x, 0);
    take_pair(0, g_nlocks - 1);
  }

  pthread_t *t = calloc((size_t)threads, sizeof *t);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const double cpu0 = cpu_seconds();
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
  usleep((useconds_t)(seconds * 1e6));
  if (inject) take_pair(g_nlocks - 1, x);
  atomic_store(&g_stop, 1);
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double cpu = cpu_seconds() - cpu0;
  const double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  const double ops = (double)atomic_load(&g_ops);
  printf("%ld locks, %d threads: %.0f operations/s, %.0f ns CPU per operation\n", g_nlocks, threads,
         ops / elapsed, ops > 0 ? cpu * 1e9 / ops : 0.0);
  return 0;
}
