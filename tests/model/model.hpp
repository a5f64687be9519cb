// The reference model: the validator's rules written as plainly as
// possible, with no cache, no hashing and no cleverness, so that it can be
// checked by reading. See model.cpp for the rules and for what it leaves out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "trace.hpp"

namespace difftest {

// A report as both sides describe it: its kind and the locks it names, e.g.
//   "circular next=3(m1.1/1) prev=0(m0.1)"   map index (class name)
//   "recursive next=2(m2.1) prev=2(m2.1)"
//   "unlock m4.2"                             the map's name
using report_list = std::vector<std::string>;

class model {
 public:
  // The validator's chain cache, and its two known defects (model.cpp), for
  // looking past them: 0 (the default) states the rules only.
  enum chain_cache_mode : unsigned {
    kNoCache = 0,
    kCache = 1,                   // a correct cache: changes no result
    kKeyIgnoresTrylock = 1 | 2,   // the key has no trylock bit
    kCachesRejected = 1 | 4,      // cached although a dependency was rejected
    kValidatorCache = 1 | 2 | 4,  // both, as the validator does today
  };
  explicit model(int threads, unsigned chain_cache = kNoCache);
  // Applies one valid step (see valid_steps()) and returns what it reports.
  report_list apply(const step &s);

 private:
  // A class: a key (or a keyless map's own address) and a subclass. When
  // the key is forgotten the class dies, and the same key and subclass make
  // a new class the next time they are used.
  struct lock_class {
    std::string name;  // the map's name at the class's first use, "/sub" added
    bool alive = true;
    bool own_map = false;  // a keyless map's: one lock, so it can guard
  };
  struct held {
    int map;
    int cls;
    int mode;  // 0 write, 1 read, 2 recursive read
    bool trylock;
    int references;  // extra takes of a reentrant lock
  };
  struct map_state {
    bool keyed = false;
    int key = -1;
    int sub = 0;
    int inits = 0;
    std::string name;
  };
  // A dependency "from was held when to was taken", with its kind: whether
  // `from` was held shared (S) or exclusive (E), whether `to` was taken as a
  // recursive reader (R) or not (N).
  struct dep {
    int from, to;
    bool from_shared, to_recursive;
    auto operator<=>(const dep &) const = default;
  };

  // Guard sets: classes, each a class in one life (ids are never reused).
  using guards = std::set<int>;

  int class_of(int map, int sub);
  void forget_owner(bool is_key, int id);
  // False when the dependency closed a cycle and was not added.
  bool add_dependency(const std::vector<held> &stack, const held &prev, const held &next,
                      report_list &out);
  guards stack_guards(const std::vector<held> &stack, const held &prev, const held &next) const;
  bool closes_feasible_cycle(const dep &added, const guards &added_guards) const;
  void report_circular(const held &prev, const held &next, report_list &out);
  std::string lock_text(int map, int cls) const;

  std::vector<std::vector<held>> held_;  // per thread, bottom first
  map_state maps_[kMaxMaps];
  std::vector<lock_class> classes_;
  std::map<std::tuple<bool, int, int>, int> live_;  // (is a key, key or map, subclass) -> class
  std::set<dep> deps_;
  std::map<std::pair<int, int>, guards> guards_;          // by (from, to), whatever the kind
  std::set<std::tuple<std::string, int, int>> reported_;  // kind, class, class
  std::set<int> unlock_reported_;                         // map
  unsigned chain_cache_;
  std::set<std::vector<std::pair<int, int>>> chains_;  // (class, mode) of each held lock
};

}  // namespace difftest
