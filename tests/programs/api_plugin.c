/* A plugin that annotates its own locks through the lockdep API, linked to
 * liblockdep.so and loaded with dlopen() by a host that was not started
 * under lockdep (or by Python's ctypes). */
#include <lockdep/lockdep.h>

static struct lockdep_class_key g_cache_key, g_index_key;
static struct lockdep_map g_cache, g_index;

static void take_both(struct lockdep_map *a, struct lockdep_map *b) {
  lockdep_acquire(a, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(b, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(b, 0);
  lockdep_release(a, 0);
}

/* Returns the number of reports printed: 1 for the inversion. */
unsigned long plugin_abba(void) {
  lockdep_init_map(&g_cache, "plugin_cache", &g_cache_key, 0);
  lockdep_init_map(&g_index, "plugin_index", &g_index_key, 0);
  take_both(&g_cache, &g_index);
  take_both(&g_index, &g_cache);
  return (unsigned long)lockdep_report_count();
}
