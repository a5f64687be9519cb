// The RCU flavour. urcu-bp ("bulletproof") needs no thread registration from
// the host: a library preloaded into a program it does not control cannot ask
// every thread to call rcu_register_thread(). _LGPL_SOURCE inlines the read
// side, which liburcu's licence allows.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu-bp.h>
#include <urcu/rcuhlist.h>

namespace lockdep {

struct rcu_read_guard {
  rcu_read_guard() { urcu_bp_read_lock(); }
  ~rcu_read_guard() { urcu_bp_read_unlock(); }
  rcu_read_guard(const rcu_read_guard &) = delete;
  rcu_read_guard &operator=(const rcu_read_guard &) = delete;
};

}  // namespace lockdep
