/* libsuppress_plugin.so: an inversion inside a library, for suppressions
 * by module. */
#include <pthread.h>

static pthread_mutex_t g_plugin_first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_plugin_second = PTHREAD_MUTEX_INITIALIZER;

static void __attribute__((noinline)) plugin_both(pthread_mutex_t *a, pthread_mutex_t *b) {
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
}

void plugin_invert(void) {
  plugin_both(&g_plugin_first, &g_plugin_second);
  plugin_both(&g_plugin_second, &g_plugin_first);
}
