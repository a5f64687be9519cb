#include "core/testing.hpp"

#include "core/class_registry.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"

namespace lockdep::testing {

uint32_t class_slot(const void *key, uint32_t subclass) {
  rcu_read_guard rcu;
  const lock_class *c = class_lookup(key, subclass);
  return c ? class_index(c) : UINT32_MAX;
}

bool class_slot_is_free(uint32_t slot) {
  graph_guard guard;
  return class_slot_free(slot);
}

}  // namespace lockdep::testing

#include "core/thread_state.hpp"

namespace lockdep::testing {
void reenable() {
  for (int p = 0; p < static_cast<int>(pool::count_); ++p) set_pool_limit(static_cast<pool>(p), 0);
  current_thread().held.clear();
  g_enabled = true;
}
}  // namespace lockdep::testing
