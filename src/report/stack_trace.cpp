#include "report/stack_trace.hpp"

#include <libunwind.h>

#include <algorithm>
#include <cstring>

#include "core/config.hpp"
#include "core/pools.hpp"
#include "core/thread_state.hpp"
#include "support/options.hpp"

namespace lockdep {
namespace {

struct trace_record {
  uint32_t hash_next;
  uint32_t offset;
  uint32_t n;
  uint32_t hash;
};

uintptr_t g_entries[kMaxStackTraceEntries];
uint32_t g_entries_used;
trace_record g_traces[kMaxStackTraces + 1];  // [0] unused: 0 means "none"
uint32_t g_traces_used;
uint32_t g_trace_hash[kStackTraceHashSize];

uintptr_t g_hidden_lo, g_hidden_hi;  // set once, before any thread but main runs

uint32_t hash_frames(const uintptr_t *frames, uint32_t n) {
  uint64_t h = 0xcbf29ce484222325ull ^ n;
  for (uint32_t i = 0; i < n; ++i) h = (h ^ frames[i]) * 0x100000001b3ull;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

uint32_t capture_stack(uintptr_t *frames, uint32_t max) {
  uintptr_t raw[kMaxStackDepth + 32];
  const int got = unw_backtrace(reinterpret_cast<void **>(raw), kMaxStackDepth + 32);
  if (got <= 0) return 0;
  // Start at the frame the validator was entered from, so that reports show
  // the program's frames, not ours, however the compiler inlined them.
  uint32_t start = 0;
  const uintptr_t entry = current_thread().entry_ra;
  if (entry) {
    for (int i = 0; i < got; ++i)
      if (raw[i] == entry) {
        start = static_cast<uint32_t>(i);
        break;
      }
  }
  uint32_t n = 0;
  for (uint32_t i = start; i < static_cast<uint32_t>(got) && n < max; ++i)
    if (raw[i] < g_hidden_lo || raw[i] >= g_hidden_hi) frames[n++] = raw[i];
  return n;
}

void hide_frames_in(uintptr_t lo, uintptr_t hi) {
  g_hidden_lo = lo;
  g_hidden_hi = hi;
}

uint32_t save_trace(const uintptr_t *frames, uint32_t n) {
  const uint32_t h = hash_frames(frames, n);
  uint32_t &bucket = g_trace_hash[h & (kStackTraceHashSize - 1)];
  for (uint32_t id = bucket; id; id = g_traces[id].hash_next) {
    const trace_record &t = g_traces[id];
    if (t.hash == h && t.n == n &&
        std::memcmp(&g_entries[t.offset], frames, n * sizeof(uintptr_t)) == 0)
      return id;
  }
  if (g_traces_used >= pool_limit(pool::stack_traces)) {
    pool_exhausted(pool::stack_traces);
    return 0;
  }
  if (g_entries_used + n > pool_limit(pool::stack_trace_entries)) {
    pool_exhausted(pool::stack_trace_entries);
    return 0;
  }
  const uint32_t id = ++g_traces_used;
  g_traces[id] = {bucket, g_entries_used, n, h};
  std::memcpy(&g_entries[g_entries_used], frames, n * sizeof(uintptr_t));
  g_entries_used += n;
  bucket = id;
  return id;
}

uint32_t save_current_trace() {
  uintptr_t frames[kMaxStackDepth];
  const uint32_t n = capture_stack(frames, current_options().stack_depth);
  return save_trace(frames, n);
}

static_assert(kCapturedFrames == kMaxStackDepth);
void capture_current_stack(captured_stack &out) {
  out.n = capture_stack(out.frames, current_options().stack_depth);
}

trace_view trace_at(uint32_t id) {
  if (!id) return {nullptr, 0};
  return {&g_entries[g_traces[id].offset], g_traces[id].n};
}

trace_counts trace_pool_counts() { return {g_traces_used, g_entries_used}; }

}  // namespace lockdep
