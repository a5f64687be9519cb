/* Compiled with -Wpedantic -Werror against include/ as a plain (not system)
 * include directory: the C header is clean in strict ISO C, macros too. */
#include <lockdep/lockdep.h>

static struct lockdep_class_key pedantic_key;
static struct lockdep_map pedantic_map = LOCKDEP_MAP_INIT("pedantic", &pedantic_key, 0);

void lockdep_pedantic_c(void);
void lockdep_pedantic_c(void) {
  lockdep_acquire(&pedantic_map, LOCKDEP_SINGLE_DEPTH_NESTING, LOCKDEP_TRY, LOCKDEP_READ,
                  LOCKDEP_THIS_IP);
  lockdep_assert_held(&pedantic_map);
  lockdep_release(&pedantic_map, LOCKDEP_RET_IP);
}
