/* ABBA with debug info, for the report tests (reports_tests.cmake): the
 * tests assert the exact source lines below, so keep them where they are. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_second = PTHREAD_MUTEX_INITIALIZER;

static inline __attribute__((always_inline)) void take_second(void) {
  pthread_mutex_lock(&g_second); /* line 11: inlined into second_then_first */
}

__attribute__((noinline)) static void first_then_second(void) {
  pthread_mutex_lock(&g_first);
  pthread_mutex_lock(&g_second); /* line 16 */
  pthread_mutex_unlock(&g_second);
  pthread_mutex_unlock(&g_first);
}

__attribute__((noinline)) static void second_then_first(void) {
  take_second();                /* line 22 */
  pthread_mutex_lock(&g_first); /* line 23: the report's lock */
  pthread_mutex_unlock(&g_first);
  pthread_mutex_unlock(&g_second);
}

static void *thread_main(void *arg) {
  (void)arg;
  second_then_first();
  return NULL;
}

int main(int argc, char **argv) {
  first_then_second();
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);
  if (argc > 1 && !strcmp(argv[1], "twice")) first_then_second();
  puts("report_lines done");
  return 0;
}
