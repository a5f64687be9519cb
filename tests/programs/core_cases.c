/* Whole-program cases for the validator's core edges, run under `lockdep`:
 * threads with the smallest stacks glibc allows, and deep lock nesting. The
 * program knows nothing of lockdep. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
enum { kMany = 1100 };

static pthread_mutex_t g_first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_second = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_many[kMany];

static void lock2(pthread_mutex_t *a, pthread_mutex_t *b) {
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
}

/* Holds the first n locks of g_many at once, in order, then releases them. */
static void hold_nested(int n) {
  for (int i = 0; i < n; ++i) pthread_mutex_lock(&g_many[i]);
  for (int i = n - 1; i >= 0; --i) pthread_mutex_unlock(&g_many[i]);
}

NOINLINE static void first_then_second(void) { lock2(&g_first, &g_second); }
NOINLINE static void second_then_first(void) { lock2(&g_second, &g_first); }

/* A lock/unlock, an inversion (a report printed from this thread), and
 * deep nesting, all on a small stack. */
static void *small_stack_work(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_first);
  pthread_mutex_unlock(&g_first);
  first_then_second();
  second_then_first();
  hold_nested(300);
  return NULL;
}

static int run_with_stack(size_t size) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int rc = pthread_attr_setstacksize(&attr, size);
  pthread_t t;
  if (rc == 0) rc = pthread_create(&t, &attr, small_stack_work, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    printf("pthread_create with a %zu-byte stack: %s\n", size, strerror(rc));
    return 1;
  }
  pthread_join(t, NULL);
  printf("%zu-byte stack: ok\n", size);
  return 0;
}

static int small_stacks(void) {
  int failed = run_with_stack(PTHREAD_STACK_MIN);
  failed |= run_with_stack(PTHREAD_STACK_MIN + 16384);
  return failed;
}

/* A correct program that holds n locks at once, in a consistent order. */
static int deep_nesting(int n) {
  for (int round = 0; round < 3; ++round) hold_nested(n);
  printf("held %d locks\n", n);
  return 0;
}

/* Past the tracked depth the deeper locks go unchecked, but the thread stays
 * consistent (their unlocks are fine) and checking goes on. */
static int past_depth_limit(void) {
  hold_nested(kMany);
  hold_nested(kMany);
  first_then_second();
  second_then_first();
  printf("still running\n");
  return 0;
}

static void *lock_once(void *arg) {
  pthread_mutex_lock(&g_first);
  pthread_mutex_unlock(&g_first);
  return arg;
}

static int mapping_count(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  int n = 0;
  char line[512];
  while (fgets(line, sizeof line, f)) ++n;
  fclose(f);
  return n;
}

/* Thousands of short-lived threads: each one's validator state is taken
 * back at its exit and reused, so the address space does not grow. */
static int thread_churn(void) {
  int counts[3];
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      pthread_t t[4];
      for (int j = 0; j < 4; ++j) pthread_create(&t[j], NULL, lock_once, NULL);
      for (int j = 0; j < 4; ++j) pthread_join(t[j], NULL);
    }
    counts[round] = mapping_count();
  }
  printf("mappings after each round: %d %d %d: %s\n", counts[0], counts[1], counts[2],
         counts[1] == counts[0] && counts[2] == counts[0] ? "stable" : "growing");
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 0; i < kMany; ++i) pthread_mutex_init(&g_many[i], NULL);
  const char *name = argc > 1 ? argv[1] : "";
  if (!strcmp(name, "small_stacks")) return small_stacks();
  if (!strcmp(name, "deep_nesting")) return deep_nesting(argc > 2 ? atoi(argv[2]) : 310);
  if (!strcmp(name, "past_depth_limit")) return past_depth_limit();
  if (!strcmp(name, "thread_churn")) return thread_churn();
  fprintf(stderr, "unknown case '%s'\n", name);
  return 2;
}
