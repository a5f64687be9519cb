/* Loads a plugin with dlopen() and calls one of its functions; the host
 * itself knows nothing of lockdep. Runs the call on a new thread too, which
 * gets its per-thread state after the plugin was loaded. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static unsigned long (*g_fn)(void);
static unsigned long g_thread_result;

static void *call_on_thread(void *arg) {
  (void)arg;
  g_thread_result = g_fn();
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  g_fn = (unsigned long (*)(void))dlsym(h, argv[2]);
  if (!g_fn) return 1;
  const unsigned long reports = g_fn();
  pthread_t t;
  pthread_create(&t, NULL, call_on_thread, NULL);
  pthread_join(t, NULL);
  printf("reports: %lu, on a thread: %lu\n", reports, g_thread_result);
  return 0;
}
