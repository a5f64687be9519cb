/* Whole-program cases for gate locks (issue 9, part 1): an inversion whose
 * every occurrence is taken under one common exclusive lock cannot
 * deadlock and is not reported; one ungated occurrence is. The program
 * knows nothing of lockdep. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t g_gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t g_rw_gate = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t g_start;

static void lock2(pthread_mutex_t *x, pthread_mutex_t *y) {
  pthread_mutex_lock(x);
  pthread_mutex_lock(y);
  pthread_mutex_unlock(y);
  pthread_mutex_unlock(x);
}

/* Under the gate: inner order x, y. */
static void gated(pthread_mutex_t *x, pthread_mutex_t *y) {
  pthread_mutex_lock(&g_gate);
  lock2(x, y);
  pthread_mutex_unlock(&g_gate);
}

struct order {
  pthread_mutex_t *x, *y;
};

/* Waits for every thread to start, then takes its inner order under the
 * gate, many times, so the threads really run at once. */
static void *gated_worker(void *arg) {
  const struct order *o = arg;
  pthread_barrier_wait(&g_start);
  for (int i = 0; i < 1000; ++i) gated(o->x, o->y);
  return NULL;
}

static int run_gated_threads(const struct order *orders, int n) {
  pthread_t t[8];
  pthread_barrier_init(&g_start, NULL, (unsigned)n);
  for (int i = 0; i < n; ++i) pthread_create(&t[i], NULL, gated_worker, (void *)&orders[i]);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&g_start);
  return 0;
}

/* Thread 1: G, A, B; thread 2: G, B, A. */
static int two_threads(void) {
  const struct order o[] = {{&g_a, &g_b}, {&g_b, &g_a}};
  return run_gated_threads(o, 2);
}

/* Three threads under G with inner orders A,B / B,A / A,B. */
static int three_threads(void) {
  const struct order o[] = {{&g_a, &g_b}, {&g_b, &g_a}, {&g_a, &g_b}};
  return run_gated_threads(o, 3);
}

NOINLINE static void ungated_step(void) { lock2(&g_b, &g_a); }

/* G;A;B, then G;B;A (both gated: quiet), then B;A without G: reported
 * there. */
static int ungated_after_gated(void) {
  gated(&g_a, &g_b);
  gated(&g_b, &g_a);
  printf("gated steps done\n");
  fflush(stdout);
  ungated_step();
  return 0;
}

NOINLINE static void read_gated(pthread_mutex_t *x, pthread_mutex_t *y) {
  pthread_rwlock_rdlock(&g_rw_gate);
  lock2(x, y);
  pthread_rwlock_unlock(&g_rw_gate);
}

static void *read_gated_b_a(void *arg) {
  (void)arg;
  read_gated(&g_b, &g_a);
  return NULL;
}

/* Both orders under the read side of a rwlock: two readers can both be
 * inside, so it guards nothing. */
static int read_gate(void) {
  read_gated(&g_a, &g_b);
  pthread_t t;
  pthread_create(&t, NULL, read_gated_b_a, NULL);
  pthread_join(t, NULL);
  return 0;
}

NOINLINE static void c_then_a(void) { lock2(&g_c, &g_a); }

/* G, A, B, C records A->B under G and B->C under G and A; then C, A
 * without G. A thread holding G, A, B waiting for C and one holding C
 * waiting for A deadlock: the two gated dependencies are one thread's. */
static int gated_stack_then_ungated(void) {
  pthread_mutex_lock(&g_gate);
  pthread_mutex_lock(&g_a);
  pthread_mutex_lock(&g_b);
  pthread_mutex_lock(&g_c);
  pthread_mutex_unlock(&g_c);
  pthread_mutex_unlock(&g_b);
  pthread_mutex_unlock(&g_a);
  pthread_mutex_unlock(&g_gate);
  c_then_a();
  return 0;
}

/* The gate taken with trylock guards as well as a blocking one. */
static int trylock_gate(void) {
  for (int i = 0; i < 2; ++i) {
    if (pthread_mutex_trylock(&g_gate) != 0) return 1;
    if (i == 0)
      lock2(&g_a, &g_b);
    else
      lock2(&g_b, &g_a);
    pthread_mutex_unlock(&g_gate);
  }
  return 0;
}

/* A gate destroyed and initialised again is another lock: what was
 * observed under the old one is set aside, and the same protocol under the
 * new one stays quiet. */
static int gate_reinitialised(void) {
  gated(&g_a, &g_b);
  pthread_mutex_destroy(&g_gate);
  pthread_mutex_init(&g_gate, NULL);
  gated(&g_b, &g_a);
  gated(&g_a, &g_b);
  gated(&g_b, &g_a);
  return 0;
}

/* Gated everywhere, then the inner order taken under a second lock that
 * is not the gate: reported. */
static int other_lock_is_no_gate(void) {
  gated(&g_a, &g_b);
  pthread_mutex_lock(&g_c);
  lock2(&g_b, &g_a);
  pthread_mutex_unlock(&g_c);
  return 0;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(void);
  } cases[] = {
      {"two_threads", two_threads},
      {"three_threads", three_threads},
      {"ungated_after_gated", ungated_after_gated},
      {"read_gate", read_gate},
      {"gated_stack_then_ungated", gated_stack_then_ungated},
      {"trylock_gate", trylock_gate},
      {"gate_reinitialised", gate_reinitialised},
      {"other_lock_is_no_gate", other_lock_is_no_gate},
  };
  if (argc == 2)
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
      if (!strcmp(argv[1], cases[i].name)) return cases[i].fn();
  fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 2;
}
