#include "core/misuse.hpp"

#include <atomic>

#include "report/report.hpp"
#include "report/symbolize.hpp"

namespace lockdep {
namespace {

// Epochs of lock addresses, hashed: a collision only makes a repeated
// misuse count as new once more, never hides one.
constexpr uint32_t kEpochSlots = 1u << 12;
std::atomic<uint32_t> g_epochs[kEpochSlots];

std::atomic<uint32_t> &epoch_of(const void *lock) {
  const uint64_t h = reinterpret_cast<uintptr_t>(lock) * 0x9E3779B97F4A7C15ull;
  return g_epochs[h >> (64 - 12)];
}

// "addr (name)": a lock without a symbol is named after the function that
// uses it here, as the validator names unnamed classes.
void lock_line(report_writer &w, const void *lock, uintptr_t ip) {
  char name[192];
  describe_lock(reinterpret_cast<uintptr_t>(lock), ip, name, sizeof name);
  w.printed_name(name);
  w.print("%p (%s)", lock, name);
}

void footer(report_writer &w, const thread_state &t) {
  w.print("\nother info that might help us debug this:\n");
  w.held_locks(t);
  w.print("\nstack backtrace:\n");
  w.current_stack();
}

// "comm/tid is waiting on condition variable: ADDR (NAME), at: SITE".
void cond_line(report_writer &w, const void *cond, uintptr_t ip) {
  w.thread_ident();
  w.print(" is waiting on condition variable:\n");
  w.print("%p (", cond);
  w.lock_name_of(cond, nullptr);
  w.print("), at: ");
  w.ip(ip);
}

}  // namespace

void lock_reinitialised(const void *lock) {
  epoch_of(lock).fetch_add(1, std::memory_order_relaxed);
}

uint64_t lock_identity(const void *lock) {
  const uint64_t epoch = epoch_of(lock).load(std::memory_order_relaxed);
  return reinterpret_cast<uintptr_t>(lock) ^ (epoch * 0xBF58476D1CE4E5B9ull);
}

uint64_t held_lock_identity(const held_lock &h) {
  const uint64_t cls = (uint64_t{h.class_generation} << 32) | h.class_idx;
  return lock_identity(h.instance) ^ (cls * 0x94D049BB133111EBull);
}

void report_used_after_destroy(thread_state &t, const void *lock, uintptr_t ip) {
  if (!report_wanted_here(kUsedAfterDestroy, lock_identity(lock), 0)) return;
  run_on_side_stack(t, [&] {
    for (report_writer w("WARNING: lock used after destroy!"); w.next_pass();) {
      w.thread_ident();
      w.print(" is trying to use lock:\n");
      lock_line(w, lock, ip);
      w.print(", at: ");
      w.ip(ip);
      w.print("\nbut the lock was destroyed and not initialised again!\n");
      footer(w, t);
    }
  });
}

void report_cond_without_mutex(thread_state &t, const void *cond, const void *mutex, uintptr_t ip) {
  if (!report_wanted_here(kCondWithoutMutex, lock_identity(mutex),
                          reinterpret_cast<uintptr_t>(cond)))
    return;
  run_on_side_stack(t, [&] {
    for (report_writer w("WARNING: condition variable waited on without its mutex held!");
         w.next_pass();) {
      cond_line(w, cond, ip);
      w.print("\nwith mutex:\n");
      lock_line(w, mutex, ip);
      w.print("\nbut does not hold that mutex!\n");
      footer(w, t);
    }
  });
}

void report_cond_two_mutexes(thread_state &t, const void *cond, const void *mutex,
                             const void *other, uintptr_t ip) {
  const auto a = reinterpret_cast<uintptr_t>(mutex), b = reinterpret_cast<uintptr_t>(other);
  if (!report_wanted_here(kCondTwoMutexes, reinterpret_cast<uintptr_t>(cond),
                          (a < b ? a : b) * 31 + (a < b ? b : a)))
    return;
  run_on_side_stack(t, [&] {
    for (report_writer w("WARNING: condition variable used with two different mutexes!");
         w.next_pass();) {
      cond_line(w, cond, ip);
      w.print("\nwith mutex:\n%p (", mutex);
      w.lock_name_of(mutex, nullptr);
      w.print(")\nwhile other threads wait on it with mutex:\n%p (", other);
      w.lock_name_of(other, nullptr);
      w.print(")\n\nPOSIX leaves concurrent waits with different mutexes undefined.\n");
      footer(w, t);
    }
  });
}

}  // namespace lockdep
