/* How much of a thread's stack the validator uses, measured: a thread on a
 * stack pre-filled with a pattern runs one scenario through the API; the
 * deepest byte changed, below the thread function's frame, is printed.
 * Scenarios: 0 lock/unlock (first use), 1 a new dependency (a stack trace
 * is captured), 2 an ABBA report, 3 1,100 locks nested (past the depth
 * limit), 4 a bad unlock report. Built and run by tools/stack_usage.sh. */
#define _GNU_SOURCE
#include <lockdep/lockdep.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
enum { SZ = 256 * 1024 };
static unsigned char *g_stack;
static uintptr_t g_entry_sp;
static struct lockdep_map a, b, many[1100];
static struct lockdep_class_key ka, kb, km[1100];
static int g_mode;
static void *work(void *arg) {
  volatile char here;
  g_entry_sp = (uintptr_t)&here;
  switch (g_mode) {
    case 0:
      lockdep_acquire(&a, 0, 0, 0, 0);
      lockdep_release(&a, 0);
      break;
    case 1:
      lockdep_acquire(&a, 0, 0, 0, 0);
      lockdep_acquire(&b, 0, 0, 0, 0);
      lockdep_release(&b, 0);
      lockdep_release(&a, 0);
      break;
    case 2:
      lockdep_acquire(&a, 0, 0, 0, 0);
      lockdep_acquire(&b, 0, 0, 0, 0);
      lockdep_release(&b, 0);
      lockdep_release(&a, 0);
      lockdep_acquire(&b, 0, 0, 0, 0);
      lockdep_acquire(&a, 0, 0, 0, 0);
      lockdep_release(&a, 0);
      lockdep_release(&b, 0);
      break;
    case 3:
      for (int i = 0; i < 1100; ++i) lockdep_acquire(&many[i], 0, 0, 0, 0);
      for (int i = 1099; i >= 0; --i) lockdep_release(&many[i], 0);
      break;
    case 4:
      lockdep_release(&a, 0);
      break;
  }
  return arg;
}
int main(int argc, char **argv) {
  g_mode = atoi(argv[1]);
  lockdep_init_map(&a, NULL, &ka, 0);
  lockdep_init_map(&b, NULL, &kb, 0);
  for (int i = 0; i < 1100; ++i) lockdep_init_map(&many[i], "m", &km[i], 0);
  g_stack = aligned_alloc(4096, SZ);
  memset(g_stack, 0xa5, SZ);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstack(&at, g_stack, SZ);
  pthread_t t;
  pthread_create(&t, &at, work, NULL);
  pthread_join(t, NULL);
  size_t i = 0;
  while (i < SZ && g_stack[i] == 0xa5) ++i;
  printf("scenario %d: %ld bytes below the thread function's frame\n", g_mode,
         (long)(g_entry_sp - (uintptr_t)(g_stack + i)));
  return 0;
}
