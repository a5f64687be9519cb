// The cost of the validator through its public API, against a bare pthread
// mutex measured in the same run.
#include <benchmark/benchmark.h>
#include <lockdep/lockdep.h>
#include <pthread.h>

namespace {

pthread_mutex_t g_outer = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_inner = PTHREAD_MUTEX_INITIALIZER;

void bare_pthread_pair(benchmark::State &state) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
  }
}
BENCHMARK(bare_pthread_pair);

// A lock+unlock pair annotated through the API; after the first round the
// held stack is a chain cache hit every time.
void api_pair_cache_hit(benchmark::State &state) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  lockdep_map map;
  lockdep_init_map(&map, "bench", nullptr, 0);
  for (auto _ : state) {
    lockdep_acquire(&map, 0, 0, LOCKDEP_WRITE, 0);
    pthread_mutex_lock(&m);
    lockdep_release(&map, 0);
    pthread_mutex_unlock(&m);
  }
  lockdep_reset_map(&map);
}
BENCHMARK(api_pair_cache_hit);

void bare_pthread_nested(benchmark::State &state) {
  for (auto _ : state) {
    pthread_mutex_lock(&g_outer);
    pthread_mutex_lock(&g_inner);
    pthread_mutex_unlock(&g_inner);
    pthread_mutex_unlock(&g_outer);
  }
}
BENCHMARK(bare_pthread_nested);

// Two nested locks: the inner acquisition's chain has two entries.
void api_nested_cache_hit(benchmark::State &state) {
  static lockdep_class_key outer_key, inner_key;
  lockdep_map outer, inner;
  lockdep_init_map(&outer, "outer", &outer_key, 0);
  lockdep_init_map(&inner, "inner", &inner_key, 0);
  for (auto _ : state) {
    lockdep_acquire(&outer, 0, 0, LOCKDEP_WRITE, 0);
    pthread_mutex_lock(&g_outer);
    lockdep_acquire(&inner, 0, 0, LOCKDEP_WRITE, 0);
    pthread_mutex_lock(&g_inner);
    lockdep_release(&inner, 0);
    pthread_mutex_unlock(&g_inner);
    lockdep_release(&outer, 0);
    pthread_mutex_unlock(&g_outer);
  }
}
BENCHMARK(api_nested_cache_hit);

// Register a key, take a lock of it once (new class, new dependency, new
// chain), unregister (zap, pending bitmap, call_rcu when none in flight).
void register_use_unregister(benchmark::State &state) {
  static lockdep_class_key outer_key;
  static lockdep_class_key keys[64];
  lockdep_map outer;
  lockdep_init_map(&outer, "outer", &outer_key, 0);
  size_t i = 0;
  for (auto _ : state) {
    lockdep_class_key &k = keys[i++ % 64];
    lockdep_register_key(&k);
    lockdep_map m;
    lockdep_init_map(&m, "churn", &k, 0);
    lockdep_acquire(&outer, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_acquire(&m, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(&m, 0);
    lockdep_release(&outer, 0);
    lockdep_unregister_key(&k);
  }
  lockdep_barrier();
}
BENCHMARK(register_use_unregister);

// Register and unregister alone: a class that is never taken.
void register_unregister_unused(benchmark::State &state) {
  static lockdep_class_key key;
  lockdep_map m;
  lockdep_init_map(&m, "unused", &key, 0);
  for (auto _ : state) {
    lockdep_register_key(&key);
    lockdep_unregister_key(&key);
  }
}
BENCHMARK(register_unregister_unused);

}  // namespace

BENCHMARK_MAIN();
