// Capacities of the static pools. Every pool lives in zero-initialised
// storage, so a slot costs resident memory only once it is touched; the
// numbers are sized for per-instance mode in real servers (one class per
// live pthread lock, hundreds of thousands of them).
#pragma once

#include <cstdint>

namespace lockdep {

inline constexpr uint32_t kMaxSubclasses = 8;  // LOCKDEP_MAX_SUBCLASSES
inline constexpr uint32_t kMaxClassesBits = 20;
inline constexpr uint32_t kMaxClasses = 1u << kMaxClassesBits;
inline constexpr uint32_t kClassHashSize = 1u << 20;

inline constexpr uint32_t kMaxDependencies = 1u << 22;  // 10^6 classes, 4 each
inline constexpr uint32_t kDependencyHashSize = 1u << 22;

inline constexpr uint32_t kMaxChains = 1u << 20;
inline constexpr uint32_t kChainHashSize = 1u << 20;
inline constexpr uint32_t kMaxChainHlocks = 1u << 22;

inline constexpr uint32_t kMaxStackTraces = 1u << 18;
inline constexpr uint32_t kMaxStackTraceEntries = 1u << 22;
inline constexpr uint32_t kStackTraceHashSize = 1u << 18;
inline constexpr uint32_t kMaxStackDepth = 64;
inline constexpr uint32_t kDefaultStackDepth = 24;

// Held locks per thread. The kernel uses 48; userspace code that walks a
// strictly ordered array of locks holds more (valgrind's t2t_laog test
// holds 310), and ThreadSanitizer dies past 128. The stack lives in a
// per-thread block whose pages are faulted in only as deep as it grows, so
// a thread that holds few locks pays for few. Past the limit a thread's
// deeper locks are not tracked (see validator_acquire()).
inline constexpr uint32_t kMaxLockDepth = 1024;

}  // namespace lockdep
