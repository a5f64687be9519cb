#include "report/reported_classes.hpp"

#include <atomic>

#include "report/stack_trace.hpp"
#include "support/options.hpp"

namespace lockdep {
namespace {

reported_class g_reported[kMaxReportedClasses];
// Entries below it are written (release), read without the report lock.
std::atomic<uint32_t> g_count;

reported_dependency g_deps[kMaxReportedDependencies];  // under the graph lock
uint32_t g_dep_count;

bool named(reported_class c) {
  const uint32_t n = g_count.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n; ++i)
    if (g_reported[i].idx == c.idx && g_reported[i].generation == c.generation) return true;
  return false;
}

}  // namespace

void remember_reported_class(uint32_t class_idx, uint32_t generation) {
  const uint32_t n = g_count.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; ++i)
    if (g_reported[i].idx == class_idx && g_reported[i].generation == generation) return;
  if (n == kMaxReportedClasses) return;
  g_reported[n] = {class_idx, generation};
  g_count.store(n + 1, std::memory_order_release);
}

const reported_class *reported_classes(uint32_t *n) {
  *n = g_count.load(std::memory_order_acquire);
  return g_reported;
}

void remember_reported_dependency(reported_class from, reported_class to, uint8_t kind) {
  if (g_dep_count == kMaxReportedDependencies || !named(from) || !named(to)) return;
  reported_dependency &d = g_deps[g_dep_count];
  d.from = from;
  d.to = to;
  d.kind = kind;
  d.n = capture_stack(d.frames, current_options().stack_depth);
  ++g_dep_count;
}

const reported_dependency *reported_dependencies(uint32_t *n) {
  *n = g_dep_count;
  return g_deps;
}

}  // namespace lockdep
