/* The C API called with bad arguments: a NULL map, a NULL stats pointer, a
 * map that lockdep_init_map() never saw. Each is refused with one line per
 * call site and the program goes on. */
#include <lockdep/lockdep.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  for (int i = 0; i < 3; ++i) { /* the same call sites, three times */
    lockdep_init_map(NULL, "null", NULL, 0);
    lockdep_acquire(NULL, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(NULL, 0);
    lockdep_assert_held(NULL);
    lockdep_reset_map(NULL);
    lockdep_get_stats(NULL);
  }
  struct lockdep_map garbage;
  memset(&garbage, 0xa5, sizeof garbage);
  lockdep_release(&garbage, 0);
  lockdep_acquire(&garbage, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_assert_held(&garbage);
  lockdep_reset_map(&garbage);

  /* Checking still works. */
  static struct lockdep_class_key ka, kb;
  struct lockdep_map a, b;
  lockdep_init_map(&a, "a", &ka, 0);
  lockdep_init_map(&b, "b", &kb, 0);
  lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&b, 0);
  lockdep_release(&a, 0);
  lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&a, 0);
  lockdep_release(&b, 0);
  struct lockdep_stats s;
  lockdep_get_stats(&s);
  printf("validator on: %d\n", s.enabled);
  return 0;
}
