// Shared by the unit tests: locks described through the C API only (no real
// lock is needed to validate an order), and the reports each test printed.
#pragma once

#include <lockdep/lockdep.h>

#include <string>

namespace test {

struct lock {
  explicit lock(const char *name, const lockdep_class_key *key = nullptr, unsigned subclass = 0) {
    lockdep_init_map(&map, name, key, subclass);
  }
  // Stack addresses are reused by later tests: forget this instance.
  ~lock() { lockdep_reset_map(&map); }
  lock(const lock &) = delete;
  lock &operator=(const lock &) = delete;
  lockdep_map map;
};

inline void L(lock &l, unsigned subclass = 0) {
  lockdep_acquire(&l.map, subclass, 0, LOCKDEP_WRITE, 0);
}
inline void RL(lock &l) { lockdep_acquire(&l.map, 0, 0, LOCKDEP_READ_RECURSIVE, 0); }
inline void RLN(lock &l) { lockdep_acquire(&l.map, 0, 0, LOCKDEP_READ, 0); }
inline void TL(lock &l) { lockdep_acquire(&l.map, 0, LOCKDEP_TRY, LOCKDEP_WRITE, 0); }
inline void U(lock &l) { lockdep_release(&l.map, 0); }

// Reports go to a per-process file; each capture sees what was printed
// after it was made.
class reports {
 public:
  reports();
  std::string text() const;  // printed since construction
  uint64_t count() const { return lockdep_report_count() - start_count_; }

 private:
  long start_offset_;
  uint64_t start_count_;
};

// Occurrences of `needle` in `hay`.
size_t count_of(const std::string &hay, const std::string &needle);

extern const char *const kCircular;
extern const char *const kRecursive;
extern const char *const kUnlock;

}  // namespace test
