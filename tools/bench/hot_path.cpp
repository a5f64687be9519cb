// The lock fast path of an unmodified program, for `lockdep --` against a
// bare run: one worker thread takes uncontended locks that the validator has
// seen before (every acquisition after the first round is a chain-cache
// hit). Prints the thread's CPU time per lock+unlock pair in nanoseconds.
//   hot_path pair|nested4|std_mutex ITERATIONS
#include <pthread.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

pthread_mutex_t g_m[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                          PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
std::mutex g_std;
long g_count;

struct run {
  const char *mode;
  long iterations;
  long pairs;
};

// The lock calls must not be folded away: the counter is a global.
void pair(long n) {
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&g_m[0]);
    ++g_count;
    pthread_mutex_unlock(&g_m[0]);
  }
}

void nested4(long n) {
  for (long i = 0; i < n; ++i) {
    for (auto &m : g_m) pthread_mutex_lock(&m);
    ++g_count;
    for (int j = 3; j >= 0; --j) pthread_mutex_unlock(&g_m[j]);
  }
}

void std_mutex(long n) {
  for (long i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> guard(g_std);
    ++g_count;
  }
}

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void *worker(void *arg) {
  auto *r = static_cast<run *>(arg);
  void (*fn)(long) = std::strcmp(r->mode, "nested4") == 0     ? nested4
                     : std::strcmp(r->mode, "std_mutex") == 0 ? std_mutex
                                                              : pair;
  r->pairs = std::strcmp(r->mode, "nested4") == 0 ? 4 : 1;
  fn(1000);  // warm up: classes, chains and caches exist from here on
  const double t0 = thread_cpu_ns();
  fn(r->iterations);
  const double t1 = thread_cpu_ns();
  std::printf("%.2f\n", (t1 - t0) / static_cast<double>(r->iterations * r->pairs));
  return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: hot_path pair|nested4|std_mutex ITERATIONS\n");
    return 2;
  }
  run r{argv[1], std::atol(argv[2]), 1};
  pthread_t t;
  pthread_create(&t, nullptr, worker, &r);
  pthread_join(t, nullptr);
  return 0;
}
