#include "core/fast_path.hpp"

namespace lockdep {
namespace {

constexpr uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::atomic<uint64_t> g_fast_salt{mix(0)};

void fast_path_invalidate() {
  // A read-modify-write, so that a reader that sees the latest salt sees
  // every earlier invalidation's work too (a set_pool_limit() may race
  // with a zap).
  uint64_t salt = g_fast_salt.load(std::memory_order_relaxed);
  while (!g_fast_salt.compare_exchange_weak(salt, mix(salt), std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
  }
}

}  // namespace lockdep
