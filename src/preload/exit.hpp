// Held locks at the end of a thread or of the process.
#pragma once

#include "core/thread_state.hpp"

namespace lockdep::preload {

// A thread is ending (its exit hook runs): report the locks it holds,
// unless the process is already exiting.
void thread_exit_check(thread_state &t);

// Drops the robust mutexes the calling thread holds from its held stack: the
// next owner is told with EOWNERDEAD, by design.
void forget_held_robust_mutexes(thread_state &t);

}  // namespace lockdep::preload
