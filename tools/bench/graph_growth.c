/* Cost per new dependency as the graph grows: N per-instance locks through
 * the C API (no preload), dependencies added as a chain (i -> i+1) or a
 * random DAG (4 edges from each i to random later locks), in ascending or
 * descending order of i. Prints CPU nanoseconds per new dependency; "close"
 * then takes the last lock before the first, which closes a cycle through
 * every chain link and must be reported.
 *   graph_growth N chain|dag asc|desc [close] */
#include <lockdep/lockdep.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static struct lockdep_map *g_maps;

static uint64_t next_random(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void take_pair(long a, long b) {
  lockdep_acquire(&g_maps[a], 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&g_maps[b], 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&g_maps[b], 0);
  lockdep_release(&g_maps[a], 0);
}

/* CPU time of the process (user + system), not wall time: the machine is
 * shared, and the validator's helper thread counts too. */
static double now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: graph_growth N chain|dag asc|desc [close]\n");
    return 2;
  }
  const long n = atol(argv[1]);
  const int dag = strcmp(argv[2], "dag") == 0;
  const int desc = strcmp(argv[3], "desc") == 0;
  const int close_cycle = argc > 4 && strcmp(argv[4], "close") == 0;
  if (n < 2) return 2;
  g_maps = calloc((size_t)n, sizeof *g_maps);
  if (!g_maps) return 1;
  for (long i = 0; i < n; ++i) lockdep_init_map(&g_maps[i], "growth", NULL, 0);

  uint64_t seed = 0x9E3779B97F4A7C15ull;
  long edges = 0;
  const double start = now();
  for (long k = 0; k < n - 1; ++k) {
    const long i = desc ? n - 2 - k : k;
    if (!dag) {
      take_pair(i, i + 1);
      ++edges;
      continue;
    }
    for (int e = 0; e < 4; ++e) {
      const long j = i + 1 + (long)(next_random(&seed) % (uint64_t)(n - 1 - i));
      take_pair(i, j);
      ++edges;
    }
  }
  const double elapsed = now() - start;
  struct lockdep_stats st;
  lockdep_get_stats(&st);
  printf("graph_growth n=%ld %s %s: %ld edges, %.0f ns per edge, %llu dependencies, enabled=%d\n",
         n, dag ? "dag" : "chain", desc ? "desc" : "asc", edges, elapsed * 1e9 / (double)edges,
         (unsigned long long)st.dependencies, st.enabled);
  fflush(stdout);
  if (close_cycle) take_pair(n - 1, 0);
  return 0;
}
