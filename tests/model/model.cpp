// The rules (the kernel's lockdep, Documentation/locking/lockdep-design.rst,
// as this project's validator states them):
//
// - A lock's class is its map's key and the sum of the map's and the
//   acquisition's subclass; a map without a key is its own class.
// - Each thread has a stack of held locks. A reentrant acquisition of an
//   instance the thread holds only counts one more hold.
// - A trylock is pushed and checks nothing: it cannot block.
// - Recursive locking (AA): the class is already held by this thread. A
//   recursive read of a class held for reading (read or recursive read) is
//   allowed and then adds no dependency. A recursive-locking report adds no
//   dependency either.
// - Otherwise a dependency is added from the nearest held lock that is not a
//   trylock, and from every trylock above it, to the new lock, each with
//   its kind: -(EN)->, -(ER)->, -(SN)->, -(SR)-> (held Exclusive / Shared,
//   new lock Recursive reader / Not).
// - A dependency that would close a strong cycle is reported and not added.
//   A cycle is strong unless somewhere in it an -(*R)-> dependency is
//   followed by an -(S*)-> one (the recursive reader at the junction can
//   enter while the other side's reader holds it).
// - Gate locks (guard sets): each pair of classes with a dependency keeps
//   the locks that guarded it at every observation: held for writing, of a
//   live class that is a keyless map's own, not one of the pair, at most
//   the first four from the bottom of the stack. A cycle counts only if it
//   can be cut into two runs of consecutive dependencies (the new one in
//   one of them) that share no guard; a dependency with a guard that died
//   is not used in cycles, and its next observation starts its guards
//   afresh. When an observation shrinks a pair's guards, cycles through
//   the pair are checked again (reported, nothing removed).
// - Each problem (kind and the two classes) is reported once; each bad
//   unlock once per map.
// - Unregistering a key forgets every class of the key (all subclasses) and
//   every dependency that names one; resetting a keyless map forgets its
//   classes the same way; resetting a keyed map does nothing. Locks held of
//   a forgotten class stay on the stack but count for nothing.
//
// Not modelled (and kept out of the traces): lockdep_off(), pool exhaustion,
// subclasses past the limit, freeing memory (preload), thread exit,
// concurrency (steps run one at a time), report text beyond the kind and the
// two locks, and the chain cache as such: the model re-checks every
// acquisition, so the test shows that caching never changes a result.
//
// With a chain_cache mode, the model also skips the checks of a held stack
// (classes and modes, bottom to top) that was checked before, as the
// validator's chain cache once did, and so copies its two former defects
// (fixed; their traces are tests/model/regressions/chain_key_ignores_trylock
// and rejected_dependency_cached): the stack's key ignored the trylock
// flag, though which dependencies a stack adds depends on it; and a stack
// was cached even when one of its dependencies was rejected for closing a
// cycle, so once the cycle's other dependencies were forgotten, that order
// was never recorded. kKeyIgnoresTrylock and kCachesRejected copy one
// each; difftest --chain-cache (kValidatorCache) copies both, to show that
// a regression of either is what a mismatch is.
//
// A recursive read of a class held for reading adds no dependency here, as
// in the validator and in kernels before 5.10 (check_deadlock() returned
// 2); today's kernel lets it add them (the check `continue`s and returns 1),
// which records e.g. B->A for A(read), B, A(recursive read). The model
// keeps the validator's rule; changing both is a decision, not a bug fix.
//
// Like the kernel, dependencies come only from the nearest non-trylock:
// with recursive readers that is incomplete (A, then B as a recursive
// reader, then C records A->B and B->C, a path that is not strong, but no
// A->C), and the model keeps that rule, since it is the one the validator
// states.
#include "model.hpp"

#include <functional>

namespace difftest {

model::model(int threads, unsigned chain_cache)
    : held_(static_cast<size_t>(threads)), chain_cache_(chain_cache) {}

int model::class_of(int map, int sub) {
  const map_state &m = maps_[map];
  const int total = m.sub + sub;
  const auto owner = std::make_tuple(m.keyed, m.keyed ? m.key : map, total);
  if (auto it = live_.find(owner); it != live_.end()) return it->second;
  lock_class c;
  c.own_map = !m.keyed;
  c.name = m.name;
  if (total) c.name += "/" + std::to_string(total);
  classes_.push_back(c);
  const int id = static_cast<int>(classes_.size()) - 1;
  live_[owner] = id;
  return id;
}

void model::forget_owner(bool is_key, int id) {
  for (int sub = 0; sub < 8; ++sub) {
    auto it = live_.find(std::make_tuple(is_key, id, sub));
    if (it == live_.end()) continue;
    const int cls = it->second;
    classes_[static_cast<size_t>(cls)].alive = false;
    live_.erase(it);
    for (auto d = deps_.begin(); d != deps_.end();)
      d = (d->from == cls || d->to == cls) ? deps_.erase(d) : std::next(d);
    for (auto g = guards_.begin(); g != guards_.end();)
      g = (g->first.first == cls || g->first.second == cls) ? guards_.erase(g) : std::next(g);
    for (auto c = chains_.begin(); c != chains_.end();) {
      bool has = false;
      for (const auto &[k, mode] : *c) has |= k == cls;
      c = has ? chains_.erase(c) : std::next(c);
    }
  }
}

std::string model::lock_text(int map, int cls) const {
  return std::to_string(map) + "(" + classes_[static_cast<size_t>(cls)].name + ")";
}

// The locks that guard prev -> next: held for writing, of a live class
// that is one lock's own (a keyless map), not one of the two ends; the
// first four from the bottom of the stack (the validator's room).
model::guards model::stack_guards(const std::vector<held> &stack, const held &prev,
                                  const held &next) const {
  guards out;
  for (const held &h : stack) {
    if (out.size() == 4) break;
    const lock_class &c = classes_[static_cast<size_t>(h.cls)];
    if (h.mode != 0 || !c.alive || !c.own_map || h.cls == prev.cls || h.cls == next.cls) continue;
    out.insert(h.cls);
  }
  return out;
}

// Exhaustive depth-first search for a path from added.to back to
// added.from that, closed by `added`, makes a strong cycle which is also
// feasible: it can be cut into two runs of consecutive dependencies
// (the one holding `added`, and another) that share no guard. A path
// visits each (class, reached only by recursive reads) state at most once;
// the kinds of one pair of classes count together (from a state, a pair
// leads to the better of its kinds), and a dependency with a guard that
// died is not used.
bool model::closes_feasible_cycle(const dep &added, const guards &added_guards) const {
  std::map<std::pair<int, int>, unsigned> kinds;  // 1 SR, 2 ER, 4 SN, 8 EN
  for (const dep &d : deps_)
    kinds[{d.from, d.to}] |= 1u << ((!d.from_shared) + ((!d.to_recursive) << 1));
  auto dead = [&](const guards &g) {
    for (int c : g)
      if (!classes_[static_cast<size_t>(c)].alive) return true;
    return false;
  };
  auto shares = [](const guards &a, const guards &b) {
    for (int c : a)
      if (b.count(c)) return true;
    return false;
  };
  std::set<std::pair<int, bool>> on_path;
  // part 0: before the cut-out run, 1: in it, 2: after it.
  std::function<bool(int, bool, int, const guards &, const guards &)> walk =
      [&](int cls, bool xr, int part, const guards &rest, const guards &run) {
        on_path.insert({cls, xr});
        for (const auto &[pair, all] : kinds) {
          if (pair.first != cls) continue;
          const unsigned usable = xr ? all & ~(1u | 4u) : all;  // -(*R)-> -(S*)-> breaks
          if (!usable) continue;
          const bool to_xr = !(usable & (4u | 8u));
          const guards &g = guards_.at(pair);
          if (dead(g)) continue;
          for (int p = part; p <= std::min(part + 1, 2); ++p) {
            if (shares(g, p == 1 ? rest : run)) continue;
            if (pair.second == added.from && p >= 1 && (!added.from_shared || !to_xr)) return true;
            if (on_path.count({pair.second, to_xr})) continue;
            guards more_rest = rest, more_run = run;
            (p == 1 ? more_run : more_rest).insert(g.begin(), g.end());
            if (walk(pair.second, to_xr, p, more_rest, more_run)) return true;
          }
        }
        on_path.erase({cls, xr});
        return false;
      };
  return walk(added.to, added.to_recursive, 0, added_guards, {});
}

void model::report_circular(const held &prev, const held &next, report_list &out) {
  if (reported_.insert({"circular", prev.cls, next.cls}).second)
    out.push_back("circular next=" + lock_text(next.map, next.cls) +
                  " prev=" + lock_text(prev.map, prev.cls));
}

bool model::add_dependency(const std::vector<held> &stack, const held &prev, const held &next,
                           report_list &out) {
  const dep d{prev.cls, next.cls, prev.mode != 0, next.mode == 2};
  const guards now = stack_guards(stack, prev, next);
  const auto known = guards_.find({prev.cls, next.cls});
  if (known != guards_.end()) {
    // Observed again: the guard set is what every observation had (all
    // afresh when one of its guards died). When it shrank, cycles through
    // the pair are checked again, kind by kind.
    guards &g = known->second;
    bool dead = false;
    for (int c : g) dead |= !classes_[static_cast<size_t>(c)].alive;
    guards kept;
    for (int c : g)
      if (now.count(c)) kept.insert(c);
    if (dead || kept.size() != g.size()) {
      g = dead ? now : kept;
      for (unsigned kind = 1; kind <= 8; kind <<= 1) {
        const dep k{prev.cls, next.cls, !(kind & (2u | 8u)), (kind & (1u | 2u)) != 0};
        if (deps_.count(k) && closes_feasible_cycle(k, g)) {
          report_circular(prev, next, out);
          break;
        }
      }
    }
  }
  if (deps_.count(d)) return true;
  if (closes_feasible_cycle(d, known != guards_.end() ? known->second : now)) {
    report_circular(prev, next, out);
    return false;
  }
  deps_.insert(d);
  if (known == guards_.end()) guards_[{prev.cls, next.cls}] = now;
  return true;
}

report_list model::apply(const step &s) {
  report_list out;
  std::vector<held> &stack = held_[static_cast<size_t>(s.thread)];
  auto alive = [&](const held &h) { return classes_[static_cast<size_t>(h.cls)].alive; };
  switch (s.what) {
    case op::init: {
      map_state &m = maps_[s.map];
      m.keyed = s.key >= 0;
      m.key = s.key;
      m.sub = s.sub;
      m.name = map_name(s.map, ++m.inits);
      break;
    }
    case op::reg:
      break;
    case op::unreg:
      forget_owner(true, s.key);
      break;
    case op::reset:
      if (!maps_[s.map].keyed) forget_owner(false, s.map);
      break;
    case op::release: {
      for (size_t i = stack.size(); i-- > 0;) {
        if (stack[i].map != s.map) continue;
        if (stack[i].references)
          --stack[i].references;
        else
          stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(i));
        return out;
      }
      if (unlock_reported_.insert(s.map).second) out.push_back("unlock " + maps_[s.map].name);
      break;
    }
    case op::acquire: {
      if (s.reentrant) {
        for (size_t i = stack.size(); i-- > 0;)
          if (stack[i].map == s.map) {
            ++stack[i].references;
            return out;
          }
      }
      const held next{s.map, class_of(s.map, s.sub), s.mode, s.trylock, 0};
      bool check = !s.trylock;
      std::vector<std::pair<int, int>> chain;
      if (check && chain_cache_) {
        const bool trylock_bit = (chain_cache_ & kKeyIgnoresTrylock) != kKeyIgnoresTrylock;
        for (const held &h : stack)
          chain.emplace_back(h.cls, h.mode + (trylock_bit && h.trylock ? 3 : 0));
        chain.emplace_back(next.cls, next.mode);
        check = !chains_.count(chain);
      }
      if (check) {
        bool all_added = true;
        bool recursive = false, read_of_read = false;
        for (const held &h : stack) {
          if (!alive(h) || h.cls != next.cls) continue;
          if (next.mode == 2 && h.mode != 0) {
            read_of_read = true;
            continue;
          }
          if (reported_.insert({"recursive", next.cls, next.cls}).second)
            out.push_back("recursive next=" + lock_text(next.map, next.cls) +
                          " prev=" + lock_text(h.map, h.cls));
          recursive = true;
          break;
        }
        if (!recursive && !read_of_read) {
          for (size_t i = stack.size(); i-- > 0;) {
            if (!alive(stack[i])) continue;
            all_added &= add_dependency(stack, stack[i], next, out);
            if (!stack[i].trylock) break;
          }
        }
        if (chain_cache_ && (all_added || (chain_cache_ & kCachesRejected) == kCachesRejected))
          chains_.insert(chain);
      }
      stack.push_back(next);
      break;
    }
  }
  return out;
}

}  // namespace difftest
