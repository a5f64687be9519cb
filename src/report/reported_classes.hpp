// What reports named, remembered for the graph dump (which highlights it):
// the lock classes, and the dependencies that closed a reported cycle (the
// validator keeps those out of the graph, so the graph alone would show no
// cycle). Fixed tables: past their size, later ones are not remembered and
// the dump highlights fewer.
#pragma once

#include <cstdint>

#include "core/config.hpp"

namespace lockdep {

inline constexpr uint32_t kMaxReportedClasses = 4096;

// Under the report lock, while a report is printed.
void remember_reported_class(uint32_t class_idx, uint32_t generation);

struct reported_class {
  uint32_t idx, generation;  // the slot and its life: a reused slot is another class
};
// The classes remembered so far (the first `*n` entries of the table).
const reported_class *reported_classes(uint32_t *n);

inline constexpr uint32_t kMaxReportedDependencies = 128;

struct reported_dependency {
  reported_class from, to;
  uint8_t kind;  // kDep* bit of dependency_graph.hpp
  uint32_t n;    // frames
  uintptr_t frames[kMaxStackDepth];
};

// Under the graph lock, right after a circular report, from the validator:
// the dependency from -> to that would have closed the cycle, with the
// calling thread's stack. Kept only when the report was printed (both
// classes were named), not when it was suppressed.
void remember_reported_dependency(reported_class from, reported_class to, uint8_t kind);
// Under the graph lock.
const reported_dependency *reported_dependencies(uint32_t *n);

}  // namespace lockdep
