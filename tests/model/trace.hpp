// Traces for the differential test: a sequence of lock API calls made by a
// few logical threads, in the order they must run. The same trace drives the
// reference model (model.hpp) and the real validator (runner.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace difftest {

inline constexpr int kMaxThreads = 4;
inline constexpr int kMaxMaps = 12;
inline constexpr int kMaxKeys = 6;
inline constexpr int kMaxSubclass = 3;  // map subclass and acquire subclass each below this
inline constexpr int kMaxHeldPerThread = 32;

enum class op : uint8_t { init, acquire, release, reg, unreg, reset };

struct step {
  int thread = 0;
  op what = op::acquire;
  int map = 0;   // init, acquire, release, reset
  int key = -1;  // init (-1: no key, the map is its own class), reg, unreg
  int sub = 0;   // init: the map's subclass; acquire: the acquisition's
  int mode = 0;  // acquire: 0 write, 1 read, 2 recursive read
  bool trylock = false;
  bool reentrant = false;
};

struct trace {
  int threads = 1;
  std::vector<step> steps;
};

// One line per step, e.g. "1 acquire 3 sub 0 rr try".
std::string format(const trace &t);
std::string format_step(const step &s);
std::optional<trace> parse(const std::string &text, std::string *error);

// Any bytes make a trace (for the fuzzer): 4 bytes a step.
trace decode(const uint8_t *data, size_t size);

// A random trace, dense in repeated classes, reads, trylocks and forgetting.
trace generate(std::mt19937_64 &rng);

// The name the runner and the model give a map at its n-th init (n from 1).
std::string map_name(int map, int n);

// Steps that make no sense whatever the validator does are skipped by both
// sides alike: using a map never initialised, a subclass sum at or past the
// limit, more than kMaxHeldPerThread held locks. Returns one flag per step.
std::vector<bool> valid_steps(const trace &t);

}  // namespace difftest
