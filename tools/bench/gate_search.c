/* What gate locks cost the cycle check, through the C API (no preload).
 *
 *   gate_search ladder K [mixed]   K layers of two locks, every lock of a
 *       layer taken after every lock of the one before, all under one gate
 *       (with "mixed", also under a second lock of their own layer); then
 *       the last layer before the first, under the gate: 2^K gated cycles,
 *       none feasible. Prints the time of that one acquisition and the
 *       search's steps; "mixed" makes every path's guards different, the
 *       case the search's budget bounds.
 *   gate_search growth N [gated]   N dependencies i -> i+1 added in
 *       descending order (each new one in front of a growing chain); with
 *       "gated", after one gated inversion, which puts a dependency against
 *       the topological order. Prints nanoseconds per new dependency. */
#include <lockdep/lockdep.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct lockdep_map *g_maps;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void L(long i) { lockdep_acquire(&g_maps[i], 0, 0, LOCKDEP_WRITE, 0); }
static void U(long i) { lockdep_release(&g_maps[i], 0); }

static void init_maps(long n) {
  g_maps = calloc((size_t)n, sizeof *g_maps);
  for (long i = 0; i < n; ++i) lockdep_init_map(&g_maps[i], "gate_search", NULL, 0);
}

static int ladder(long k, int mixed) {
  const long gate = 0, n = 1 + 2 * k;
  init_maps(n + k);
  for (long layer = 0; layer + 1 < k; ++layer)
    for (long a = 0; a < 2; ++a)
      for (long b = 0; b < 2; ++b) {
        L(gate);
        if (mixed) L(n + layer); /* a second guard, one per layer */
        L(1 + 2 * layer + a), L(1 + 2 * (layer + 1) + b);
        U(1 + 2 * (layer + 1) + b), U(1 + 2 * layer + a);
        if (mixed) U(n + layer);
        U(gate);
      }
  const uint64_t t0 = now_ns();
  L(gate), L(n - 1), L(1);
  const uint64_t t1 = now_ns();
  U(1), U(n - 1), U(gate);
  printf("ladder%s %ld layers: closing acquisition %.1f us, reports %llu\n", mixed ? " mixed" : "",
         k, (t1 - t0) / 1e3, (unsigned long long)lockdep_report_count());
  fflush(stdout);
  lockdep_print_stats(); /* the "gated cycles" line: the search's steps */
  return 0;
}

static int growth(long n, int gated) {
  init_maps(n + 4);
  if (gated) { /* 0 is the gate; 1 -> 2 and 2 -> 1 under it */
    L(0), L(1), L(2), U(2), U(1), U(0);
    L(0), L(2), L(1), U(1), U(2), U(0);
  }
  const uint64_t t0 = now_ns();
  for (long i = n; i >= 1; --i) {
    L(i + 2), L(i + 3);
    U(i + 3), U(i + 2);
  }
  const uint64_t t1 = now_ns();
  printf("growth %ld desc%s: %.0f ns per new dependency, reports %llu\n", n,
         gated ? " after a gated inversion" : "", (double)(t1 - t0) / (double)n,
         (unsigned long long)lockdep_report_count());
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "ladder"))
    return ladder(atol(argv[2]), argc > 3 && !strcmp(argv[3], "mixed"));
  if (argc >= 3 && !strcmp(argv[1], "growth"))
    return growth(atol(argv[2]), argc > 3 && !strcmp(argv[3], "gated"));
  fprintf(stderr, "usage: %s ladder K | growth N [gated]\n", argv[0]);
  return 2;
}
