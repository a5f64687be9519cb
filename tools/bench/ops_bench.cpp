// Per-operation cost of plain locking code, for the benchmark table
// (tools/bench/table.sh): the same binary runs bare and under `lockdep --`,
// and the same source is built with -fsanitize=thread (ops_bench_tsan).
// Times are the process's CPU time (getrusage, user + system, every thread:
// work a tool hands to a helper thread counts) around the measured loop.
//
//   ops_bench pair N        N lock+unlock pairs of one mutex in a worker thread
//   ops_bench nested4 N     N rounds of 4 nested mutexes; cost per pair
//   ops_bench std_mutex N   N std::lock_guard<std::mutex> scopes in a worker
//   ops_bench churn N       N x (malloc, init, lock under a global lock,
//                           unlock, destroy, free) in a worker thread
//   ops_bench rest          creates no lock at all (memory at rest)
//
// Prints one line: "ops_bench MODE n=N ns_per_op=X maxrss_kib=K".
#include <pthread.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

pthread_mutex_t g_single = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_nested[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                               PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
pthread_mutex_t g_global = PTHREAD_MUTEX_INITIALIZER;
std::mutex g_std_mutex;
long g_counter;

void run_pair(long n) {
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&g_single);
    ++g_counter;
    pthread_mutex_unlock(&g_single);
  }
}

void run_nested4(long n) {
  for (long i = 0; i < n; ++i) {
    for (auto &m : g_nested) pthread_mutex_lock(&m);
    ++g_counter;
    for (int k = 3; k >= 0; --k) pthread_mutex_unlock(&g_nested[k]);
  }
}

void run_std_mutex(long n) {
  for (long i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> guard(g_std_mutex);
    ++g_counter;
  }
}

void run_churn(long n) {
  for (long i = 0; i < n; ++i) {
    auto *m = static_cast<pthread_mutex_t *>(std::malloc(sizeof(pthread_mutex_t)));
    if (!m) std::abort();
    pthread_mutex_init(m, nullptr);
    pthread_mutex_lock(&g_global);
    pthread_mutex_lock(m);
    ++g_counter;
    pthread_mutex_unlock(m);
    pthread_mutex_unlock(&g_global);
    pthread_mutex_destroy(m);
    std::free(m);
  }
}

struct Job {
  void (*body)(long);
  long n;
};

void *worker(void *arg) {
  const Job *job = static_cast<const Job *>(arg);
  job->body(job->n);
  return nullptr;
}

double cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double user = double(ru.ru_utime.tv_sec) * 1e9 + double(ru.ru_utime.tv_usec) * 1e3;
  const double sys = double(ru.ru_stime.tv_sec) * 1e9 + double(ru.ru_stime.tv_usec) * 1e3;
  return user + sys;
}

long maxrss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int usage() {
  std::fprintf(stderr, "usage: ops_bench pair|nested4|std_mutex|churn N | ops_bench rest\n");
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *mode = argv[1];
  if (!std::strcmp(mode, "rest")) {
    std::printf("ops_bench rest n=0 ns_per_op=0 maxrss_kib=%ld\n", maxrss_kib());
    return 0;
  }
  if (argc < 3) return usage();
  const long n = std::atol(argv[2]);
  if (n < 1) return usage();
  Job job{nullptr, n};
  long pairs_per_round = 1;
  if (!std::strcmp(mode, "pair")) {
    job.body = run_pair;
  } else if (!std::strcmp(mode, "nested4")) {
    job.body = run_nested4;
    pairs_per_round = 4;
  } else if (!std::strcmp(mode, "std_mutex")) {
    job.body = run_std_mutex;
  } else if (!std::strcmp(mode, "churn")) {
    job.body = run_churn;
  } else {
    return usage();
  }
  const double start = cpu_ns();
  pthread_t thread;
  if (pthread_create(&thread, nullptr, worker, &job) != 0) return 1;
  pthread_join(thread, nullptr);
  const double elapsed = cpu_ns() - start;
  std::printf("ops_bench %s n=%ld ns_per_op=%.2f maxrss_kib=%ld\n", mode, n,
              elapsed / double(n * pairs_per_round), maxrss_kib());
  return g_counter == n ? 0 : 1;
}
