#include "core/pools.hpp"

#include <cstdio>

#include "core/config.hpp"
#include "core/pool_options.hpp"
#include "report/report.hpp"

namespace lockdep {

std::atomic<bool> g_enabled{true};

namespace {

constexpr uint32_t kCapacity[] = {
    kMaxClasses,     kMaxDependencies,      kMaxChains,    kMaxChainHlocks,
    kMaxStackTraces, kMaxStackTraceEntries, kMaxLockDepth,
};
constexpr const char *kNames[] = {
    "MAX_LOCKDEP_KEYS", "MAX_LOCKDEP_ENTRIES",     "MAX_LOCKDEP_CHAINS", "MAX_LOCKDEP_CHAIN_HLOCKS",
    "MAX_STACK_TRACES", "MAX_STACK_TRACE_ENTRIES", "MAX_LOCK_DEPTH",
};
static_assert(sizeof kCapacity / sizeof kCapacity[0] == static_cast<int>(pool::count_));

std::atomic<uint32_t> g_limits[static_cast<int>(pool::count_)];

}  // namespace

const char *pool_name(pool p) { return kNames[static_cast<int>(p)]; }

uint32_t pool_limit(pool p) {
  const uint32_t l = g_limits[static_cast<int>(p)].load(std::memory_order_relaxed);
  return l ? l : kCapacity[static_cast<int>(p)];
}

void set_pool_limit(pool p, uint32_t limit) {
  const uint32_t cap = kCapacity[static_cast<int>(p)];
  g_limits[static_cast<int>(p)].store(limit < cap ? limit : cap, std::memory_order_relaxed);
}

void pool_exhausted(pool p) {
  char line[80];
  std::snprintf(line, sizeof line, "BUG: %s too low!", pool_name(p));
  if (!turn_off(line)) return;
  if (const char *option = pool_option_name(p)) {
    char hint[200];
    std::snprintf(hint, sizeof hint,
                  "lockdep: the limit was %s=%u (at most %u): a larger one keeps checking on",
                  option, pool_limit(p), kCapacity[static_cast<int>(p)]);
    report_line(hint, false);
  }
}

bool turn_off(const char *bug_line) {
  if (!g_enabled.exchange(false)) return false;  // someone else already said it
  report_turn_off(bug_line);
  return true;
}

}  // namespace lockdep
