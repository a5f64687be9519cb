// Stack traces: captured with libunwind only when a new dependency is
// recorded (or a report is printed), and kept once each in a deduplicated
// static pool. Symbolization happens only when a report is printed.
#pragma once

#include <cstdint>

namespace lockdep {

// Frames of the calling thread, starting at the caller of the validator's
// entry point (the frames inside lockdep are left out). Returns the count.
uint32_t capture_stack(uintptr_t *frames, uint32_t max);

// Frames in [lo, hi) are left out of every captured stack: the preload
// layer's own frames that sit between the program's (its wrapper of main).
void hide_frames_in(uintptr_t lo, uintptr_t hi);

// Under the graph lock. Returns a trace id, or 0 when the pool is exhausted
// (the BUG line has been printed).
uint32_t save_trace(const uintptr_t *frames, uint32_t n);
// Captures and saves the calling thread's stack.
uint32_t save_current_trace();

// The calling thread's stack, captured without any lock and saved later.
inline constexpr uint32_t kCapturedFrames = 64;  // kMaxStackDepth
struct captured_stack {
  uintptr_t frames[kCapturedFrames];
  uint32_t n;
};
void capture_current_stack(captured_stack &out);

struct trace_view {
  const uintptr_t *frames;
  uint32_t n;
};
trace_view trace_at(uint32_t id);

struct trace_counts {
  uint64_t traces, entries;
};
trace_counts trace_pool_counts();

}  // namespace lockdep
