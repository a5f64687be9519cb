// Lock classes inferred from where a lock comes from (its "site"), and the
// dependency graph between them: the kernel's class-level checking for
// locks that nobody annotated.
//
// The instance level (one class per lock address, validator.cpp) stays
// exact and unchanged. On top of it, each instance class gets a site class
// (from a resolver the preload layer installs, called once per instance,
// under the graph lock, the first time the instance takes part in a new
// dependency), and every new instance dependency between two distinct site
// classes adds the site-class dependency. A cycle through two or more
// distinct site classes that no instance cycle explains is reported.
// Nesting within one site class never is.
#pragma once

#include <cstdint>

#include "core/thread_state.hpp"

namespace lockdep {

enum class site_kind : uint8_t {
  none,           // unknown (a table lost its record): the lock is checked as an instance only
  static_symbol,  // where: the symbol's address (an array is one class)
  heap_block,     // where: allocation call site; offset: the lock in its block; extra: init site
  init_call,      // where: the return address of pthread_*_init
  first_use,      // where: the return address of the first lock call
};

struct site_identity {
  site_kind kind;
  uintptr_t where;
  uintptr_t offset;
  uintptr_t extra;
};

// Fills `out` for the lock keyed `key`, first taken at `first_ip`.
using site_resolver = void (*)(const void *key, uintptr_t first_ip, site_identity *out);
// Installed by the preload layer when classes=site; none means the class
// level is off and the hooks below do nothing.
void set_site_resolver(site_resolver fn);
bool class_level_active();

// Hook (validator, under the graph lock): the instance dependency prev ->
// next of `kind` was just recorded with stack `trace`.
void class_graph_dependency_added(thread_state &t, const held_lock &prev, const held_lock &next,
                                  uint8_t kind, uint32_t trace);

// Hook (validator, under the graph lock): the instance dependency prev ->
// next closes an instance cycle about to be reported. Returns true when the
// report must not be printed because a lock on it is a new lock at the
// address of a dead one (a stack slot reused by another function: std::mutex
// dies without any call); those instance classes are zapped, so that the
// new locks start clean. Otherwise notes that the instance report covers
// the classes of prev and next.
bool class_graph_instance_cycle_is_stale(thread_state &t, const held_lock &prev,
                                         const held_lock &next);

// Code or data of [lo, hi) is unloaded (dlclose): classes named by an
// address there are forgotten, with their dependencies, so that another
// module loaded there starts clean. Takes the graph lock.
void class_graph_forget_range(uintptr_t lo, uintptr_t hi);

struct class_graph_counts {
  uint64_t classes, dependencies, instances_resolved;
  uint64_t searches_over_budget;  // class cycles not looked for to the end
};
class_graph_counts class_graph_stats();  // takes the graph lock

}  // namespace lockdep
