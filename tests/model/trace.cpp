#include "trace.hpp"

#include <algorithm>
#include <sstream>

namespace difftest {
namespace {

const char *const kModes[] = {"w", "r", "rr"};

int pick(std::mt19937_64 &rng, int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
bool chance(std::mt19937_64 &rng, int percent) { return pick(rng, 100) < percent; }

}  // namespace

std::string map_name(int map, int n) { return "m" + std::to_string(map) + "." + std::to_string(n); }

std::string format_step(const step &s) {
  std::string out = std::to_string(s.thread) + " ";
  switch (s.what) {
    case op::init:
      out += "init " + std::to_string(s.map) +
             (s.key < 0 ? std::string(" nokey") : " key " + std::to_string(s.key)) + " sub " +
             std::to_string(s.sub);
      break;
    case op::acquire:
      out += "acquire " + std::to_string(s.map) + " sub " + std::to_string(s.sub) + " " +
             kModes[s.mode];
      if (s.trylock) out += " try";
      if (s.reentrant) out += " reent";
      break;
    case op::release:
      out += "release " + std::to_string(s.map);
      break;
    case op::reg:
      out += "register " + std::to_string(s.key);
      break;
    case op::unreg:
      out += "unregister " + std::to_string(s.key);
      break;
    case op::reset:
      out += "reset " + std::to_string(s.map);
      break;
  }
  return out;
}

std::string format(const trace &t) {
  std::string out = "threads " + std::to_string(t.threads) + "\n";
  for (const step &s : t.steps) out += format_step(s) + "\n";
  return out;
}

std::optional<trace> parse(const std::string &text, std::string *error) {
  trace t;
  std::istringstream lines(text);
  std::string line;
  int lineno = 0;
  auto fail = [&](const std::string &why) {
    if (error) *error = "line " + std::to_string(lineno) + ": " + why + ": '" + line + "'";
    return std::nullopt;
  };
  auto in_range = [](int v, int lo, int hi) { return v >= lo && v < hi; };
  while (std::getline(lines, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == "threads") {
      if (!(words >> t.threads) || !in_range(t.threads, 1, kMaxThreads + 1))
        return fail("bad thread count");
      continue;
    }
    step s;
    try {
      s.thread = std::stoi(first);
    } catch (...) {
      return fail("expected a thread number");
    }
    if (!in_range(s.thread, 0, t.threads)) return fail("thread out of range");
    std::string what, word;
    words >> what;
    if (what == "init") {
      s.what = op::init;
      words >> s.map >> word;
      if (word == "key") {
        words >> s.key >> word;
        if (!in_range(s.key, 0, kMaxKeys)) return fail("key out of range");
      } else if (word == "nokey") {
        words >> word;
      } else {
        return fail("expected 'key N' or 'nokey'");
      }
      if (word != "sub" || !(words >> s.sub)) return fail("expected 'sub N'");
    } else if (what == "acquire") {
      s.what = op::acquire;
      words >> s.map >> word >> s.sub;
      if (word != "sub") return fail("expected 'sub N'");
      words >> word;
      if (word == "w")
        s.mode = 0;
      else if (word == "r")
        s.mode = 1;
      else if (word == "rr")
        s.mode = 2;
      else
        return fail("mode must be w, r or rr");
      while (words >> word) {
        if (word == "try")
          s.trylock = true;
        else if (word == "reent")
          s.reentrant = true;
        else
          return fail("unknown flag");
      }
    } else if (what == "release" || what == "reset") {
      s.what = what == "release" ? op::release : op::reset;
      words >> s.map;
    } else if (what == "register" || what == "unregister") {
      s.what = what == "register" ? op::reg : op::unreg;
      if (!(words >> s.key) || !in_range(s.key, 0, kMaxKeys)) return fail("key out of range");
    } else {
      return fail("unknown operation");
    }
    if (!in_range(s.map, 0, kMaxMaps)) return fail("map out of range");
    if (!in_range(s.sub, 0, kMaxSubclass)) return fail("subclass out of range");
    t.steps.push_back(s);
  }
  return t;
}

trace decode(const uint8_t *data, size_t size) {
  trace t;
  if (!size) return t;
  t.threads = 1 + data[0] % kMaxThreads;
  for (size_t i = 1; i + 4 <= size; i += 4) {
    const uint8_t a = data[i], b = data[i + 1], c = data[i + 2], d = data[i + 3];
    step s;
    s.thread = a % t.threads;
    const int kind = (a >> 2) % 16;
    s.map = b % kMaxMaps;
    s.key = c % kMaxKeys;
    s.sub = (c >> 4) % kMaxSubclass;
    s.mode = d % 3;
    s.trylock = d & 4;
    s.reentrant = d & 8;
    if (kind < 2) {
      s.what = op::init;
      if (d & 16) s.key = -1;
    } else if (kind < 9) {
      s.what = op::acquire;
    } else if (kind < 13) {
      s.what = op::release;
    } else if (kind == 13) {
      s.what = op::reg;
    } else if (kind == 14) {
      s.what = op::unreg;
    } else {
      s.what = op::reset;
    }
    t.steps.push_back(s);
  }
  return t;
}

std::vector<bool> valid_steps(const trace &t) {
  std::vector<bool> ok(t.steps.size(), true);
  bool init[kMaxMaps] = {};
  int map_sub[kMaxMaps] = {};
  std::vector<int> held[kMaxThreads];  // maps acquired and not yet released
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const step &s = t.steps[i];
    std::vector<int> &h = held[s.thread];
    switch (s.what) {
      case op::init:
        init[s.map] = true;
        map_sub[s.map] = s.sub;
        break;
      case op::acquire:
        if (!init[s.map] || map_sub[s.map] + s.sub >= 8 ||
            static_cast<int>(h.size()) >= kMaxHeldPerThread)
          ok[i] = false;
        else
          h.push_back(s.map);
        break;
      case op::release:
        if (!init[s.map]) {
          ok[i] = false;
          break;
        }
        for (size_t j = h.size(); j-- > 0;)
          if (h[j] == s.map) {
            h.erase(h.begin() + static_cast<std::ptrdiff_t>(j));
            break;
          }
        break;
      case op::reset:
        ok[i] = init[s.map];
        break;
      case op::reg:
      case op::unreg:
        break;
    }
  }
  return ok;
}

// Random traces are built from "patterns": nested acquisitions that a
// thread repeats, sometimes with one lock's mode or trylock flag changed, so
// that the same held stacks come back (the chain cache's business) before
// and after keys and maps are forgotten. Single random operations (bad
// unlocks, re-inits, out-of-order releases) are mixed in.
trace generate(std::mt19937_64 &rng) {
  trace t;
  t.threads = 1 + pick(rng, kMaxThreads);
  const int maps = 2 + pick(rng, chance(rng, 50) ? 4 : kMaxMaps - 1);
  const int keys = 1 + pick(rng, kMaxKeys);
  const int steps = 8 + pick(rng, chance(rng, 70) ? 60 : 160);
  // Per trace, how often each thing happens: some traces are all reads,
  // some all trylocks, some churn keys.
  const int p_read = pick(rng, 60), p_try = pick(rng, 35), p_reent = pick(rng, 15);
  const int p_forget = pick(rng, 15), p_key = 30 + pick(rng, 71), p_sub = pick(rng, 25);
  const int p_mutate = pick(rng, 60), p_misc = pick(rng, 25);
  auto random_init = [&](int m) {
    step s;
    s.thread = pick(rng, t.threads);
    s.what = op::init;
    s.map = m;
    s.key = chance(rng, p_key) ? pick(rng, keys) : -1;
    s.sub = chance(rng, p_sub) ? 1 + pick(rng, kMaxSubclass - 1) : 0;
    return s;
  };
  auto random_acquire = [&](int thread) {
    step s;
    s.thread = thread;
    s.what = op::acquire;
    s.map = pick(rng, maps);
    s.sub = chance(rng, p_sub) ? 1 + pick(rng, kMaxSubclass - 1) : 0;
    s.mode = chance(rng, p_read) ? 1 + pick(rng, 2) : 0;
    s.trylock = chance(rng, p_try);
    s.reentrant = chance(rng, p_reent);
    return s;
  };
  std::vector<std::vector<step>> patterns(static_cast<size_t>(1 + pick(rng, 5)));
  for (auto &p : patterns) {
    const int n = 2 + pick(rng, 3);
    for (int k = 0; k < n; ++k) p.push_back(random_acquire(0));
  }
  for (int m = 0; m < maps; ++m) t.steps.push_back(random_init(m));

  struct thread_plan {
    std::vector<step> todo;  // the rest of the current episode
    std::vector<int> held;
  };
  std::vector<thread_plan> plan(static_cast<size_t>(t.threads));
  while (static_cast<int>(t.steps.size()) < steps + maps) {
    const int th = pick(rng, t.threads);
    thread_plan &tp = plan[static_cast<size_t>(th)];
    if (!tp.todo.empty()) {
      step s = tp.todo.front();
      tp.todo.erase(tp.todo.begin());
      t.steps.push_back(s);
      continue;
    }
    step s;
    s.thread = th;
    const int r = pick(rng, 100);
    if (r < p_forget) {
      const int f = pick(rng, 4);
      if (f == 0) {
        s.what = op::reset;
        s.map = pick(rng, maps);
      } else {
        s.what = f == 1 ? op::reg : op::unreg;
        s.key = pick(rng, keys);
      }
      t.steps.push_back(s);
    } else if (r < p_forget + p_misc) {
      const int f = pick(rng, 4);
      if (f == 0) {
        t.steps.push_back(random_init(pick(rng, maps)));
      } else if (f == 1 && !tp.held.empty()) {
        // Out of order: a lock below the top.
        const size_t j = static_cast<size_t>(pick(rng, static_cast<int>(tp.held.size())));
        s.what = op::release;
        s.map = tp.held[j];
        tp.held.erase(tp.held.begin() + static_cast<std::ptrdiff_t>(j));
        t.steps.push_back(s);
      } else if (f == 2) {
        s.what = op::release;  // usually a bad unlock
        s.map = pick(rng, maps);
        t.steps.push_back(s);
      } else if (tp.held.size() < 8) {
        s = random_acquire(th);  // stays held across episodes
        tp.held.push_back(s.map);
        t.steps.push_back(s);
      }
    } else {
      // An episode: a pattern (maybe changed a little), then its releases.
      std::vector<step> acq =
          patterns[static_cast<size_t>(pick(rng, static_cast<int>(patterns.size())))];
      if (chance(rng, p_mutate)) {
        step &m = acq[static_cast<size_t>(pick(rng, static_cast<int>(acq.size())))];
        switch (pick(rng, 4)) {
          case 0:
            m.trylock = !m.trylock;
            break;
          case 1:
            m.mode = pick(rng, 3);
            break;
          case 2:
            m.sub = pick(rng, kMaxSubclass);
            break;
          default:
            m.map = pick(rng, maps);
            break;
        }
      }
      if (chance(rng, 30)) std::reverse(acq.begin(), acq.end());
      for (step &a : acq) a.thread = th;
      tp.todo = acq;
      for (size_t k = acq.size(); k-- > 0;) {
        step rel;
        rel.thread = th;
        rel.what = op::release;
        rel.map = acq[k].map;
        tp.todo.push_back(rel);
      }
    }
  }
  return t;
}

}  // namespace difftest
