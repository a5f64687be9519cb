// Pool limits and what happens when one runs out: the kernel's BUG line, the
// validator turns itself off, and the host program runs on unharmed.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/config.hpp"

namespace lockdep {

enum class pool : int {
  classes,
  dependencies,
  chains,
  chain_hlocks,
  stack_traces,
  stack_trace_entries,
  lock_depth,
  count_
};

// Name as printed: "BUG: <name> too low!".
const char *pool_name(pool p);

// Limits set by set_pool_limit(); 0: the static capacity.
extern std::atomic<uint32_t> g_pool_limits[static_cast<int>(pool::count_)];
inline constexpr uint32_t kPoolCapacity[] = {
    kMaxClasses,     kMaxDependencies,      kMaxChains,    kMaxChainHlocks,
    kMaxStackTraces, kMaxStackTraceEntries, kMaxLockDepth,
};
static_assert(sizeof kPoolCapacity / sizeof kPoolCapacity[0] == static_cast<int>(pool::count_));
inline uint32_t pool_capacity(pool p) { return kPoolCapacity[static_cast<int>(p)]; }

// The effective limit of a pool; equal to its static capacity except in
// tests, which lower it to reach exhaustion quickly. Inline: the lock fast
// path checks the depth limit.
inline uint32_t pool_limit(pool p) {
  const uint32_t l = g_pool_limits[static_cast<int>(p)].load(std::memory_order_relaxed);
  return __builtin_expect(l == 0, 1) ? pool_capacity(p) : l;
}
void set_pool_limit(pool p, uint32_t limit);

// Prints the BUG lines once and turns the validator off.
void pool_exhausted(pool p);

// Prints `bug_line` and "turning off the locking correctness validator."
// once, and turns the validator off: for misuse it cannot recover from.
// False when the validator was off already (nothing printed).
bool turn_off(const char *bug_line);

extern std::atomic<bool> g_enabled;
inline bool validator_enabled() { return g_enabled.load(std::memory_order_relaxed); }

}  // namespace lockdep
