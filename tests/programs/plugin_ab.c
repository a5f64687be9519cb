/* A plugin with two static locks, taken in the order its caller asks:
 * loaded and unloaded many times, each load taking one order only. */
#include <pthread.h>

static pthread_mutex_t g_plugin_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_plugin_b = PTHREAD_MUTEX_INITIALIZER;

void plugin_take(int b_first) {
  pthread_mutex_t *first = b_first ? &g_plugin_b : &g_plugin_a;
  pthread_mutex_t *second = b_first ? &g_plugin_a : &g_plugin_b;
  pthread_mutex_lock(first);
  pthread_mutex_lock(second);
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
}
