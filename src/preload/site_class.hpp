// The site class of a preloaded lock (see core/class_graph.hpp): static
// storage by its symbol, a heap lock by its block's allocation site and
// offset, else the call site of pthread_*_init, else its first lock call.
#pragma once

#include <cstdint>

namespace lockdep::preload {

// pthread_*_init / mtx_init of `lock` called from `ip`; and destroyed.
void note_lock_init(const void *lock, uintptr_t ip);
void note_lock_destroy(const void *lock);
// Memory [lo, hi) is released: locks there lose their init sites (only
// pages known to have held locks are looked at).
void forget_init_sites(uintptr_t lo, uintptr_t hi);

}  // namespace lockdep::preload
