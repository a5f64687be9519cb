#include "core/class_registry.hpp"

#include <atomic>
#include <cstring>

#include "core/address_index.hpp"
#include "core/chain_cache.hpp"
#include "core/deferred_free.hpp"
#include "core/dependency_graph.hpp"
#include "core/fast_path.hpp"
#include "core/graph_lock.hpp"
#include "core/pools.hpp"

namespace lockdep {
namespace {

lock_class g_classes[kMaxClasses];
cds_hlist_head g_class_hash[kClassHashSize];

// Slots that may be handed out. Set lazily so that the zero-initialised
// storage holds no state that must be built at load time.
static_bitmap<kMaxClasses> g_free;
bool g_free_ready;
// Every slot below it is taken: slots are handed out lowest first, so the
// slots in use (and the memory behind them and behind every per-class
// array) stay as compact as the live classes, however many come and go.
uint32_t g_lowest_free;
uint32_t g_in_use;
uint64_t g_registered, g_zapped, g_freed;

// By key alone: every subclass of a key shares a bucket, so one walk finds
// them all (forgetting memory asks "any class keyed here?" per address).
uint32_t class_hash(const void *key) {
  uint64_t h = reinterpret_cast<uintptr_t>(key) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0x94D049BB133111EBull;
  return static_cast<uint32_t>(h >> 32) & (kClassHashSize - 1);
}

// Keys whose zap had to wait (zap_key_deferred()).
constexpr uint32_t kDeferredKeys = 64;
std::atomic<const void *> g_deferred_keys[kDeferredKeys];
std::atomic<uint32_t> g_deferred_count;

void ensure_free_bitmap() {
  if (g_free_ready) return;
  g_free.set_first(kMaxClasses);
  g_free_ready = true;
}

lock_class *register_locked(const void *key, uint32_t subclass, const char *name, uintptr_t ip) {
  if (lock_class *c = class_lookup(key, subclass)) return c;
  if (!validator_enabled()) return nullptr;
  ensure_free_bitmap();
  const uint32_t limit = pool_limit(pool::classes);
  uint32_t idx =
      g_in_use < limit ? g_free.find_next_set(g_lowest_free) : static_bitmap<kMaxClasses>::npos;
  if (idx == static_bitmap<kMaxClasses>::npos) {
    pool_exhausted(pool::classes);
    return nullptr;
  }
  address_index_add(reinterpret_cast<uintptr_t>(key));
  g_free.clear(idx);
  g_lowest_free = idx + 1;
  ++g_in_use;
  ++g_registered;

  lock_class *c = &g_classes[idx];
  // A new generation: records of the slot's earlier occupants never match.
  __atomic_store_n(&c->generation, c->generation + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&c->key, key, __ATOMIC_RELAXED);
  c->subclass = subclass;
  c->first_ip = ip;
  std::strncpy(c->name, name ? name : "", kClassNameLen - 1);
  c->name[kClassNameLen - 1] = '\0';
  cds_hlist_add_head_rcu(&c->hash_node, &g_class_hash[class_hash(key)]);
  return c;
}

}  // namespace

lock_class *class_lookup(const void *key, uint32_t subclass) {
  lock_class *c;
  cds_hlist_for_each_entry_rcu_2(c, &g_class_hash[class_hash(key)], hash_node) {
    if (read_class_key(c) == key && c->subclass == subclass) return c;
  }
  return nullptr;
}

bool class_key_in_use(const void *key) {
  lock_class *c;
  cds_hlist_for_each_entry_rcu_2(c, &g_class_hash[class_hash(key)], hash_node) {
    if (read_class_key(c) == key) return true;
  }
  return false;
}

bool class_live(uint32_t idx, uint32_t generation) {
  const lock_class *c = &g_classes[idx];
  return c->generation == generation && c->key;
}

lock_class *class_lookup_or_register(const void *key, uint32_t subclass, const char *name,
                                     uintptr_t ip) {
  if (lock_class *c = class_lookup(key, subclass)) return c;
  graph_guard guard(graph_guard::yield_to_fork);
  if (!guard) return nullptr;
  zap_deferred_keys();  // a deferred zap of this very key must not hit the new class
  return register_locked(key, subclass, name, ip);
}

lock_class *class_at(uint32_t idx) { return &g_classes[idx]; }
uint32_t class_index(const lock_class *c) { return static_cast<uint32_t>(c - g_classes); }

void zap_class(lock_class *c) {
  const uint32_t idx = class_index(c);
  cds_hlist_del_rcu(&c->hash_node);
  address_index_remove(reinterpret_cast<uintptr_t>(c->key));
  // Key first, then the generation with release: a reader that sees the
  // new generation sees the cleared key (class_generation_for()).
  __atomic_store_n(&c->key, nullptr, __ATOMIC_RELAXED);
  __atomic_store_n(&c->generation, c->generation + 1, __ATOMIC_RELEASE);
  dependency_graph_remove_class(idx);
  chain_cache_invalidate_class(idx);
  fast_path_invalidate();  // after its chains and dependencies are gone
  defer_free_class(idx);
  --g_in_use;
  ++g_zapped;
}

void zap_key_locked(const void *key) {
  // No RCU needed: writers are excluded.
  for (uint32_t sub = 0; sub < kMaxSubclasses; ++sub)
    if (lock_class *c = class_lookup(key, sub)) zap_class(c);
}

void zap_key(const void *key) {
  graph_guard guard;
  zap_deferred_keys();
  zap_key_locked(key);
}

bool zap_key_deferred(const void *key) {
  for (auto &slot : g_deferred_keys) {
    const void *expected = nullptr;
    if (slot.compare_exchange_strong(expected, key)) {
      g_deferred_count.fetch_add(1);
      return true;
    }
  }
  return false;
}

void zap_deferred_keys() {
  if (!g_deferred_count.load(std::memory_order_relaxed)) return;
  for (auto &slot : g_deferred_keys) {
    if (const void *key = slot.exchange(nullptr)) {
      g_deferred_count.fetch_sub(1);
      zap_key_locked(key);
    }
  }
}

void release_class_slots(static_bitmap<kMaxClasses> &pending) {
  ensure_free_bitmap();
  const uint32_t lowest = pending.find_first_set();
  if (lowest < g_lowest_free) g_lowest_free = lowest;
  g_freed += g_free.move_from(pending);
}

class_counts class_registry_counts() {
  ensure_free_bitmap();
  return {g_in_use, g_free.count(), g_registered, g_zapped, g_freed};
}

}  // namespace lockdep

namespace lockdep {
bool class_slot_free(uint32_t idx) {
  ensure_free_bitmap();
  return g_free.test(idx);
}
}  // namespace lockdep
