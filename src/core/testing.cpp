#include "core/testing.hpp"

#include "core/chain_cache.hpp"
#include "core/class_registry.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"
#include "core/thread_state.hpp"

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

void reenable() {
  for (int p = 0; p < static_cast<int>(pool::count_); ++p) set_pool_limit(static_cast<pool>(p), 0);
  current_thread().held.clear();
  current_thread().untracked = 0;
  g_enabled = true;
}

namespace {

// Under the graph lock: the class in this slot is the one its key finds.
bool live(uint32_t idx) {
  rcu_read_guard rcu;
  lock_class *c = class_at(idx);
  return c->key && class_lookup(c->key, c->subclass) == c;
}

}  // namespace

uint64_t dependencies_naming_dead_classes() {
  graph_guard guard;
  uint64_t n = 0;
  for (uint32_t from = 0; from < kMaxClasses; ++from)
    for (uint32_t id = first_dependency_from(from); id; id = dependency_at(id).after_next)
      if (!live(from) || !live(dependency_at(id).to)) ++n;
  return n;
}

uint64_t chain_slots_naming_dead_classes() {
  graph_guard guard;
  uint64_t n = 0;
  for (uint32_t idx = 0; idx < kMaxClasses; ++idx)
    if (chain_cache_names_class(idx) && !live(idx)) ++n;
  return n;
}

}  // namespace lockdep::testing
