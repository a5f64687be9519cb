#include "core/chain_cache.hpp"

#include <atomic>
#include <bit>

#include "core/deferred_free.hpp"
#include "core/pools.hpp"
#include "core/rcu.hpp"

namespace lockdep {
namespace {

struct lock_chain {
  cds_hlist_node hash_node;
  uint64_t key;
  uint32_t first_hlock;  // chain_hlock ids, threaded through chain_next
};

// One held lock of one chain. Linked into its class's list too, so zapping
// a class finds the chains that contain it without scanning them all. Never
// read outside the graph lock, so freed at once; only the chain slot, which
// lock-free lookups may be reading, waits for a grace period.
struct chain_hlock {
  uint32_t class_idx;
  uint32_t chain_idx;
  uint32_t chain_next;
  uint32_t class_next, class_prev;
};

lock_chain g_chains[kMaxChains];
cds_hlist_head g_chain_hash[kChainHashSize];
static_bitmap<kMaxChains> g_free;
bool g_free_ready;
uint32_t g_lowest_free;  // lowest first, as class slots (class_registry.cpp)
uint64_t g_in_use;
uint32_t g_chain_high_water;  // above it no slot was ever used
uint64_t g_evictions;

chain_hlock g_hlocks[kMaxChainHlocks + 1];  // [0] unused: 0 means "none"
uint32_t g_class_chains[kMaxClasses];
uint32_t g_hlock_free_list;  // threaded through chain_next
uint32_t g_hlock_high_water = 1;
uint64_t g_hlocks_in_use;

void ensure_free_bitmap() {
  if (g_free_ready) return;
  g_free.set_first(kMaxChains);
  g_free_ready = true;
}

// The hash in use is the first 2^bits buckets of g_chain_hash: it doubles
// as the cache fills, so that a program with few live chains touches few
// of its pages (the chain keys are random, and a full-size table would be
// faulted in page by page). A lookup that races with a doubling may miss;
// a miss only sends the acquisition to the full path, which looks again
// under the graph lock.
constexpr uint32_t kMinChainHashBits = 10;
constexpr uint32_t kMaxChainHashBits = std::countr_zero(kChainHashSize);
std::atomic<uint32_t> g_chain_hash_bits{kMinChainHashBits};

uint32_t chain_bucket(uint64_t key, uint32_t bits) {
  return static_cast<uint32_t>(key >> 20) & ((1u << bits) - 1);
}

// Under the graph lock: every bucket b splits into b and b + 2^bits. Moved
// chains are unlinked and linked again with RCU-safe operations, so a
// reader walking a bucket meanwhile ends in a list that is still
// NULL-terminated (at worst it misses); the new size is published last.
void grow_chain_hash() {
  const uint32_t bits = g_chain_hash_bits.load(std::memory_order_relaxed);
  const uint32_t half = 1u << bits;
  for (uint32_t b = 0; b < half; ++b) {
    for (cds_hlist_node *pos = g_chain_hash[b].next; pos;) {
      cds_hlist_node *next = pos->next;
      const lock_chain *c = caa_container_of(pos, lock_chain, hash_node);
      if (chain_bucket(c->key, bits + 1) != b) {
        cds_hlist_del_rcu(pos);
        // As cds_hlist_add_head_rcu(), but the moved node's link is one a
        // reader may be following: stored as a shared word.
        cds_hlist_head &to = g_chain_hash[b + half];
        // (__atomic stores rather than liburcu's macros: clang rejects the
        // macros' volatile assignment expressions in C++20.)
        __atomic_store_n(&pos->next, to.next, __ATOMIC_RELAXED);
        pos->prev = reinterpret_cast<cds_hlist_node *>(&to);
        if (to.next) to.next->prev = pos;
        // Publishes the node, as rcu_assign_pointer() does.
        __atomic_store_n(&to.next, pos, __ATOMIC_RELEASE);
      }
      pos = next;
    }
  }
  g_chain_hash_bits.store(bits + 1, std::memory_order_release);
}

void free_hlock(uint32_t id) {
  chain_hlock &h = g_hlocks[id];
  if (h.class_prev)
    g_hlocks[h.class_prev].class_next = h.class_next;
  else
    g_class_chains[h.class_idx] = h.class_next;
  if (h.class_next) g_hlocks[h.class_next].class_prev = h.class_prev;
  h = chain_hlock{};
  h.chain_next = g_hlock_free_list;
  g_hlock_free_list = id;
  --g_hlocks_in_use;
}

void zap_chain(uint32_t chain_idx) {
  lock_chain &c = g_chains[chain_idx];
  cds_hlist_del_rcu(&c.hash_node);
  for (uint32_t id = c.first_hlock; id;) {
    const uint32_t next = g_hlocks[id].chain_next;
    free_hlock(id);
    id = next;
  }
  c.first_hlock = 0;
  defer_free_chain(chain_idx);
  --g_in_use;
}

// Every cached chain, in one pass over the slots: chains in use have
// hlocks, chains already waiting for their grace period have none.
void evict_all_chains() {
  const uint32_t high = g_chain_high_water;
  for (uint32_t i = 0; i < high; ++i)
    if (g_chains[i].first_hlock) zap_chain(i);
  g_lowest_free = 0;
  ++g_evictions;
}

}  // namespace

bool chain_lookup(uint64_t key) {
  lock_chain *c;
  const uint32_t bits = g_chain_hash_bits.load(std::memory_order_acquire);
  cds_hlist_for_each_entry_rcu_2(c, &g_chain_hash[chain_bucket(key, bits)], hash_node) {
    if (c->key == key) return true;
  }
  return false;
}

bool chain_add(uint64_t key, const uint64_t *ids, uint32_t n) {
  ensure_free_bitmap();
  uint32_t idx = g_in_use < pool_limit(pool::chains) ? g_free.find_next_set(g_lowest_free)
                                                     : static_bitmap<kMaxChains>::npos;
  const bool hlocks_full = g_hlocks_in_use + n > pool_limit(pool::chain_hlocks);
  if (idx == static_bitmap<kMaxChains>::npos || g_in_use >= pool_limit(pool::chains) ||
      hlocks_full) {
    // A cache, not state: forget every cached stack (each is validated
    // again on its next use). The slots come back after a grace period;
    // until then stacks are validated but not cached.
    if (g_in_use) evict_all_chains();
    return false;
  }
  g_free.clear(idx);
  g_lowest_free = idx + 1;
  if (g_chain_high_water <= idx) g_chain_high_water = idx + 1;
  ++g_in_use;

  lock_chain &c = g_chains[idx];
  c.key = key;
  c.first_hlock = 0;
  uint32_t *link = &c.first_hlock;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t id;
    if (g_hlock_free_list) {
      id = g_hlock_free_list;
      g_hlock_free_list = g_hlocks[id].chain_next;
    } else {
      id = g_hlock_high_water++;
    }
    ++g_hlocks_in_use;
    chain_hlock &h = g_hlocks[id];
    h.class_idx = hlock_class(ids[i]);
    h.chain_idx = idx;
    h.chain_next = 0;
    h.class_prev = 0;
    h.class_next = g_class_chains[h.class_idx];
    if (h.class_next) g_hlocks[h.class_next].class_prev = id;
    g_class_chains[h.class_idx] = id;
    *link = id;
    link = &h.chain_next;
  }
  const uint32_t bits = g_chain_hash_bits.load(std::memory_order_relaxed);
  cds_hlist_add_head_rcu(&c.hash_node, &g_chain_hash[chain_bucket(key, bits)]);
  if (g_in_use > (uint64_t{2} << bits) && bits < kMaxChainHashBits) grow_chain_hash();
  return true;
}

void chain_cache_invalidate_class(uint32_t class_idx) {
  // Each zap removes at least this class's entry from its own list.
  while (g_class_chains[class_idx]) zap_chain(g_hlocks[g_class_chains[class_idx]].chain_idx);
}

bool chain_cache_names_class(uint32_t class_idx) { return g_class_chains[class_idx] != 0; }

void release_chain_slots(static_bitmap<kMaxChains> &pending) {
  ensure_free_bitmap();
  const uint32_t lowest = pending.find_first_set();
  if (lowest < g_lowest_free) g_lowest_free = lowest;
  g_free.move_from(pending);
}

chain_counts chain_cache_counts() { return {g_in_use, g_hlocks_in_use, g_evictions}; }

}  // namespace lockdep
