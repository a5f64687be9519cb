// Lock classes: a static array, a free bitmap, and a key -> class hash that
// readers walk under RCU without the graph lock.
#pragma once

#include <cstdint>

#include "core/config.hpp"
#include "core/rcu.hpp"
#include "support/bitmap.hpp"

namespace lockdep {

inline constexpr uint32_t kClassNameLen = 56;

struct lock_class {
  cds_hlist_node hash_node;
  const void *key;
  uint32_t subclass;
  // Bumped by zap_class(): a held lock or cache that carries an older value
  // refers to a class that no longer exists.
  uint32_t generation;
  uintptr_t first_ip;        // where it was first taken: names unnamed locks
  char name[kClassNameLen];  // empty: named from key and first_ip when printed
};

// Under rcu_read_lock(): the live class for (key, subclass), or nullptr.
lock_class *class_lookup(const void *key, uint32_t subclass);

// Looks up, registering on a miss (takes the graph lock then). Returns
// nullptr when the pool is exhausted (the validator is then off).
lock_class *class_lookup_or_register(const void *key, uint32_t subclass, const char *name,
                                     uintptr_t ip);

lock_class *class_at(uint32_t idx);
uint32_t class_index(const lock_class *c);

// Under the graph lock: unlink, drop dependencies and chains, park the slot.
void zap_class(lock_class *c);
// Zaps every subclass of `key`; takes the graph lock.
void zap_key(const void *key);

// Under the graph lock, from the RCU callback.
void release_class_slots(static_bitmap<kMaxClasses> &pending);

struct class_counts {
  uint64_t in_use, free, registered, zapped, freed;
};
class_counts class_registry_counts();  // under the graph lock

}  // namespace lockdep

namespace lockdep {
bool class_slot_free(uint32_t idx);  // under the graph lock
}
