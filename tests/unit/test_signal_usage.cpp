// The signal-safety rules of core/signal_usage.hpp, driven through the C
// API with the thread's signal context set by hand (as the preload layer's
// handler trampoline and mask wrappers set it).
#include <signal.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/signal_usage.hpp"
#include "support.hpp"

using namespace test;

namespace {

const char *const kInconsistent = "WARNING: inconsistent lock state";
const char *const kSignalOrder = "WARNING: signal-safe -> signal-unsafe lock order detected";

// `sig` has a handler installed while this lives.
struct handled {
  explicit handled(int s) : sig(s) { lockdep::set_signal_handled(sig, true); }
  ~handled() { lockdep::set_signal_handled(sig, false); }
  int sig;
};

// The calling thread runs a handler for `sig` (which is blocked in it)
// while this lives.
struct in_handler {
  explicit in_handler(int sig) : saved(lockdep::current_thread().sig) {
    lockdep::signal_state &s = lockdep::current_thread().sig;
    s.current = sig;
    s.blocked |= lockdep::signal_bit(sig);
  }
  ~in_handler() { lockdep::current_thread().sig = saved; }
  lockdep::signal_state saved;
};

// The calling thread blocks `sig` while this lives.
struct blocked {
  explicit blocked(int sig) : saved(lockdep::current_thread().sig.blocked) {
    lockdep::current_thread().sig.blocked |= lockdep::signal_bit(sig);
  }
  ~blocked() { lockdep::current_thread().sig.blocked = saved; }
  uint64_t saved;
};

}  // namespace

TEST_CASE("a lock taken in a handler and held with its signal deliverable") {
  handled h(SIGUSR1);
  lock a("sig_a");
  reports r;
  {
    in_handler in(SIGUSR1);
    L(a), U(a);
  }
  L(a), U(a);
  CHECK(count_of(r.text(), kInconsistent) == 1);
  CHECK(count_of(r.text(), "inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage.") == 1);
}

TEST_CASE("the signal blocked around the critical section: clean") {
  handled h(SIGUSR1);
  lock a("sig_b");
  reports r;
  {
    in_handler in(SIGUSR1);
    L(a), U(a);
  }
  {
    blocked b(SIGUSR1);
    L(a), U(a);
  }
  CHECK(r.count() == 0);
}

TEST_CASE("a signal without a handler cannot interrupt with a lock") {
  lock a("sig_c");
  reports r;
  {
    in_handler in(SIGUSR2);  // a handler that ran once, since uninstalled
    L(a), U(a);
  }
  L(a), U(a);
  CHECK(r.count() == 0);
}

TEST_CASE("recursive readers in a handler and outside: clean; a writer conflicts") {
  handled h(SIGUSR1);
  lock a("sig_rw");
  reports r;
  {
    in_handler in(SIGUSR1);
    RL(a), U(a);
  }
  RL(a), U(a);
  CHECK(r.count() == 0);
  L(a), U(a);
  CHECK(count_of(r.text(), "inconsistent {IN-SIGUSR1-R} -> {SIGUSR1-ON-W} usage.") == 1);
}

TEST_CASE("non-recursive readers count as writers") {
  handled h(SIGUSR1);
  lock a("sig_rn");
  reports r;
  {
    in_handler in(SIGUSR1);
    RLN(a), U(a);
  }
  RLN(a), U(a);
  CHECK(count_of(r.text(), kInconsistent) == 1);
}

TEST_CASE("a trylock in a handler does not make the lock used in it") {
  handled h(SIGUSR1);
  lock a("sig_try");
  reports r;
  {
    in_handler in(SIGUSR1);
    TL(a), U(a);
  }
  L(a), U(a);
  CHECK(r.count() == 0);
}

TEST_CASE("a forgotten lock's usage does not carry over to the next lock there") {
  handled h(SIGUSR1);
  reports r;
  {
    lock a("sig_forgotten");
    in_handler in(SIGUSR1);
    L(a), U(a);
  }                         // forgotten
  lock b("sig_forgotten");  // most likely at the same address
  L(b), U(b);
  CHECK(r.count() == 0);
}

TEST_CASE("signal-safe -> signal-unsafe, found when the dependency is recorded") {
  handled h(SIGUSR1);
  lock safe("sig_safe"), unsafe("sig_unsafe");
  reports r;
  {
    in_handler in(SIGUSR1);
    L(safe), U(safe);
  }
  L(unsafe), U(unsafe);
  {
    blocked b(SIGUSR1);
    L(safe), L(unsafe), U(unsafe), U(safe);
  }
  CHECK(count_of(r.text(), kSignalOrder) == 1);
  CHECK(count_of(r.text(), kInconsistent) == 0);
}

TEST_CASE("signal-safe -> signal-unsafe, found when a lock becomes unsafe") {
  handled h(SIGUSR1);
  lock safe("sig_safe2"), unsafe("sig_unsafe2");
  reports r;
  {
    blocked b(SIGUSR1);
    L(safe), L(unsafe), U(unsafe), U(safe);
  }
  {
    in_handler in(SIGUSR1);
    L(safe), U(safe);
  }
  CHECK(r.count() == 0);
  L(unsafe), U(unsafe);
  CHECK(count_of(r.text(), kSignalOrder) == 1);
  CHECK(count_of(r.text(), "just changed the state of lock:") == 1);
}

TEST_CASE("a mask that opens while locks are held marks them") {
  handled h(SIGUSR1);
  lock a("sig_opened");
  reports r;
  {
    in_handler in(SIGUSR1);
    L(a), U(a);
  }
  lockdep::thread_state &t = lockdep::current_thread();
  const uint64_t before = t.sig.blocked;
  t.sig.blocked |= lockdep::signal_bit(SIGUSR1);
  L(a);
  CHECK(r.count() == 0);
  {
    lockdep::validator_entry e(0);  // as pthread_sigmask(SIG_UNBLOCK) does
    REQUIRE(e);
    lockdep::signal_mask_changed(t, before);
  }
  U(a);
  CHECK(count_of(r.text(), "lets SIGUSR1 in while holding:") == 1);
}
