/* A downstream program that annotates two locks of its own with the C API and
 * takes them in both orders: lockdep must report the cycle. */
#include <lockdep/lockdep.h>
#include <pthread.h>
#include <stdio.h>

static struct lockdep_class_key accounts_key, audit_key;
static struct lockdep_map accounts = LOCKDEP_MAP_INIT("accounts", &accounts_key, 0);
static struct lockdep_map audit = LOCKDEP_MAP_INIT("audit", &audit_key, 0);
static pthread_mutex_t accounts_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t audit_mutex = PTHREAD_MUTEX_INITIALIZER;

static void take(struct lockdep_map *map, pthread_mutex_t *m) {
  lockdep_acquire(map, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP);
  pthread_mutex_lock(m);
}

static void drop(struct lockdep_map *map, pthread_mutex_t *m) {
  lockdep_release(map, LOCKDEP_THIS_IP);
  pthread_mutex_unlock(m);
}

int main(void) {
  take(&accounts, &accounts_mutex);
  take(&audit, &audit_mutex);
  lockdep_assert_held(&audit);
  drop(&audit, &audit_mutex);
  drop(&accounts, &accounts_mutex);

  take(&audit, &audit_mutex);
  take(&accounts, &accounts_mutex);
  drop(&accounts, &accounts_mutex);
  drop(&audit, &audit_mutex);
  printf("reports: %llu\n", (unsigned long long)lockdep_report_count());
  return 0;
}
