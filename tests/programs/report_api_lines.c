/* The C API with LOCKDEP_THIS_IP, built -O0 -g by reports_tests.cmake: the
 * address is looked up as is, so the report names the line of the call
 * itself (one byte before the label lies in the previous statement). Keep
 * the line numbers: the tests assert them. */
#include <lockdep/lockdep.h>
#include <stdio.h>

static struct lockdep_class_key g_key_a, g_key_b;
static struct lockdep_map g_a, g_b;

int main(void) {
  lockdep_init_map(&g_a, "api_a", &g_key_a, 0);
  lockdep_init_map(&g_b, "api_b", &g_key_b, 0);
  lockdep_acquire(&g_a, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP);
  lockdep_acquire(&g_b, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP);
  lockdep_release(&g_b, LOCKDEP_THIS_IP);
  lockdep_release(&g_a, LOCKDEP_THIS_IP);
  puts("a then b");
  lockdep_acquire(&g_b, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP); /* line 19 */
  lockdep_acquire(&g_a, 0, 0, LOCKDEP_WRITE, LOCKDEP_THIS_IP); /* line 20: the report */
  lockdep_release(&g_a, LOCKDEP_THIS_IP);
  lockdep_release(&g_b, LOCKDEP_THIS_IP);
  return 0;
}
