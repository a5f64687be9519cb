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
  // nullptr once zapped (the kernel's zap_class() does the same): a reader
  // that found the class just before the unlink sees that it is gone.
  // Read without the graph lock: use class_key() and class_generation().
  const void *key;
  uint32_t subclass;
  // Bumped when the class is registered and when it is zapped, so a held
  // lock or cached chain that carries an older value refers to a class that
  // no longer exists, and a slot's next occupant never matches it.
  uint32_t generation;
  uintptr_t first_ip;        // where it was first taken: names unnamed locks
  char name[kClassNameLen];  // empty: named from key and first_ip when printed
};

// Under rcu_read_lock(): the live class for (key, subclass), or nullptr.
lock_class *class_lookup(const void *key, uint32_t subclass);
// Under rcu_read_lock(): does any subclass of `key` have a live class?
bool class_key_in_use(const void *key);

inline const void *read_class_key(const lock_class *c) {
  return __atomic_load_n(&c->key, __ATOMIC_RELAXED);
}
inline uint32_t read_class_generation(const lock_class *c) {
  return __atomic_load_n(&c->generation, __ATOMIC_ACQUIRE);
}

// Under rcu_read_lock(), for a class found by `key`: the generation to
// record for a lock taken now, and whether the class was still live when
// it was read. A record of a class that died is stale from birth: no later
// generation of the slot can equal it.
inline uint32_t class_generation_for(const lock_class *c, const void *key, bool &live) {
  const uint32_t gen = read_class_generation(c);  // acquire: a zap's cleared key is seen below
  live = read_class_key(c) == key;
  return gen;
}

// Under the graph lock: is the class a lock recorded with (idx, generation)
// still the one in that slot?
bool class_live(uint32_t idx, uint32_t generation);

// Looks up, registering on a miss (takes the graph lock then). Returns
// nullptr when the pool is exhausted (the validator is then off), or while a
// fork is being prepared (see g_fork_in_progress).
lock_class *class_lookup_or_register(const void *key, uint32_t subclass, const char *name,
                                     uintptr_t ip);

lock_class *class_at(uint32_t idx);
uint32_t class_index(const lock_class *c);

// Under the graph lock: unlink, drop dependencies and chains, park the slot.
void zap_class(lock_class *c);
// Zaps every subclass of `key`; takes the graph lock.
void zap_key(const void *key);
void zap_key_locked(const void *key);  // under the graph lock

// For a thread that may be inside the validator already (a signal handler
// that interrupted it, perhaps with the graph lock held): zap_key() later,
// at the next use of the graph lock by any validator path. False when the
// queue is full.
bool zap_key_deferred(const void *key);
// Under the graph lock: run the deferred zaps.
void zap_deferred_keys();

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
