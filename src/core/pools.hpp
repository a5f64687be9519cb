// Pool limits and what happens when one runs out: the kernel's BUG line, the
// validator turns itself off, and the host program runs on unharmed.
#pragma once

#include <atomic>
#include <cstdint>

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

// The effective limit of a pool; equal to its static capacity except in
// tests, which lower it to reach exhaustion quickly.
uint32_t pool_limit(pool p);
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
