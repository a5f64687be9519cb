#include "core/pools.hpp"

#include <cstdio>

#include "core/config.hpp"
#include "core/fast_path.hpp"
#include "core/pool_options.hpp"
#include "report/report.hpp"

namespace lockdep {

std::atomic<bool> g_enabled{true};

namespace {

constexpr const char *kNames[] = {
    "MAX_LOCKDEP_KEYS", "MAX_LOCKDEP_ENTRIES",     "MAX_LOCKDEP_CHAINS", "MAX_LOCKDEP_CHAIN_HLOCKS",
    "MAX_STACK_TRACES", "MAX_STACK_TRACE_ENTRIES", "MAX_LOCK_DEPTH",
};

}  // namespace

std::atomic<uint32_t> g_pool_limits[static_cast<int>(pool::count_)];

const char *pool_name(pool p) { return kNames[static_cast<int>(p)]; }

void set_pool_limit(pool p, uint32_t limit) {
  const uint32_t cap = pool_capacity(p);
  g_pool_limits[static_cast<int>(p)].store(limit < cap ? limit : cap, std::memory_order_relaxed);
  fast_path_invalidate();  // its steps were remembered under the old depth limit
}

void pool_exhausted(pool p) {
  char line[80];
  std::snprintf(line, sizeof line, "BUG: %s too low!", pool_name(p));
  if (!turn_off(line)) return;
  if (const char *option = pool_option_name(p)) {
    char hint[200];
    std::snprintf(hint, sizeof hint,
                  "lockdep: the limit was %s=%u (at most %u): a larger one keeps checking on",
                  option, pool_limit(p), pool_capacity(p));
    report_line(hint, false);
  }
}

bool turn_off(const char *bug_line) {
  if (!g_enabled.exchange(false)) return false;  // someone else already said it
  report_turn_off(bug_line);
  return true;
}

}  // namespace lockdep
