/* A plugin loaded with dlopen(): its lock takes part in a cycle with the
 * host's. */
#include <pthread.h>

static pthread_mutex_t g_plugin_lock = PTHREAD_MUTEX_INITIALIZER;

void plugin_locked_call(void (*callback)(void)) {
  pthread_mutex_lock(&g_plugin_lock);
  callback();
  pthread_mutex_unlock(&g_plugin_lock);
}

void plugin_lock(void) {
  pthread_mutex_lock(&g_plugin_lock);
  pthread_mutex_unlock(&g_plugin_lock);
}
