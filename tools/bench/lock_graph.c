/* A big lock graph built by a plain pthread program, for the benchmark
 * table (tools/bench/table.sh): N heap mutexes, each pair taken nested
 * (a then b) once, as a chain (i -> i+1) or a random DAG (4 edges from each
 * i to random later locks), visiting i in ascending or descending order.
 * Then one acquisition closes a cycle, which a lock-order checker must
 * report: in the chain lock[N-1] before lock[N-9] (a 9-lock cycle), in the
 * DAG lock[N-1] before lock[0] (every lock reaches lock[N-1]).
 * The same binary runs bare and under `lockdep --`; lock_graph_tsan is the
 * same source built with -fsanitize=thread.
 *   lock_graph N chain|dag asc|desc
 * Prints "lock_graph n=N SHAPE ORDER edges=E ns_per_edge=X seconds=S" (CPU
 * time of the building loop per pair taken, and its wall time), then the
 * closing pair, then "cpu_total=S", the CPU time of the whole process. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static pthread_mutex_t *g_locks;

static uint64_t next_random(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void take_pair_of(pthread_mutex_t *locks, long a, long b) {
  pthread_mutex_lock(&locks[a]);
  pthread_mutex_lock(&locks[b]);
  pthread_mutex_unlock(&locks[b]);
  pthread_mutex_unlock(&locks[a]);
}

static void take_pair(long a, long b) { take_pair_of(g_locks, a, b); }

/* The first dependencies a tool records cost more than the rest (its
 * stack-trace machinery and tables warm up): a graph of other locks is
 * built first, so that the cost per dependency of small graphs compares
 * with that of big ones. */
enum { WARMUP_LOCKS = 256 };
static void warm_up(void) {
  static pthread_mutex_t locks[WARMUP_LOCKS];
  for (long i = 0; i < WARMUP_LOCKS; ++i) pthread_mutex_init(&locks[i], NULL);
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  for (long i = 0; i + 1 < WARMUP_LOCKS; ++i) {
    take_pair_of(locks, i, i + 1);
    take_pair_of(locks, i, i + 1 + (long)(next_random(&seed) % (uint64_t)(WARMUP_LOCKS - 1 - i)));
  }
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static double wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: lock_graph N chain|dag asc|desc\n");
    return 2;
  }
  const long n = atol(argv[1]);
  const int dag = strcmp(argv[2], "dag") == 0;
  const int desc = strcmp(argv[3], "desc") == 0;
  if (n < 10) return 2;
  g_locks = calloc((size_t)n, sizeof *g_locks);
  if (!g_locks) return 1;
  for (long i = 0; i < n; ++i) pthread_mutex_init(&g_locks[i], NULL);

  warm_up();
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  long edges = 0;
  const double cpu0 = cpu_seconds(), wall0 = wall_seconds();
  for (long k = 0; k < n - 1; ++k) {
    const long i = desc ? n - 2 - k : k;
    if (!dag) {
      take_pair(i, i + 1);
      ++edges;
      continue;
    }
    for (int e = 0; e < 4; ++e) {
      take_pair(i, i + 1 + (long)(next_random(&seed) % (uint64_t)(n - 1 - i)));
      ++edges;
    }
  }
  const double cpu = cpu_seconds() - cpu0, wall = wall_seconds() - wall0;
  printf("lock_graph n=%ld %s %s edges=%ld ns_per_edge=%.1f seconds=%.3f\n", n,
         dag ? "dag" : "chain", desc ? "desc" : "asc", edges, cpu * 1e9 / (double)edges, wall);
  fflush(stdout);

  const long first = dag ? 0 : n - 9;
  take_pair(n - 1, first);
  printf("closed: lock[%ld] then lock[%ld]\n", n - 1, first);
  printf("cpu_total=%.3f\n", cpu_seconds());
  return 0;
}
