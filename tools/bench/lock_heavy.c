/* A lock-heavy workload for whole-program slowdown: threads hammer a few
 * mutexes (and a rwlock) with tiny critical sections, in a fixed order.
 *   lock_heavy THREADS ITERATIONS
 * LOCK_HEAVY_HANDLER=1 installs a signal handler first (one that never runs),
 * as servers do for SIGTERM: the validator then checks the signal-safety
 * usage of every acquisition. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t g_locks[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                     PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static long g_counts[4];

static void *worker(void *arg) {
  const long n = (long)arg;
  for (long i = 0; i < n; ++i) {
    const int a = (int)(i & 1), b = 2 + (int)((i >> 1) & 1);
    pthread_rwlock_rdlock(&g_rw);
    pthread_mutex_lock(&g_locks[a]);
    pthread_mutex_lock(&g_locks[b]);
    g_counts[a]++;
    g_counts[b]++;
    pthread_mutex_unlock(&g_locks[b]);
    pthread_mutex_unlock(&g_locks[a]);
    pthread_rwlock_unlock(&g_rw);
  }
  return NULL;
}

static void on_signal(int sig) { (void)sig; }

int main(int argc, char **argv) {
  if (getenv("LOCK_HEAVY_HANDLER")) signal(SIGUSR2, on_signal);
  const int threads = argc > 1 ? atoi(argv[1]) : 2;
  const long iterations = argc > 2 ? atol(argv[2]) : 1000000;
  pthread_t t[64];
  for (int i = 0; i < threads && i < 64; ++i)
    pthread_create(&t[i], NULL, worker, (void *)iterations);
  for (int i = 0; i < threads && i < 64; ++i) pthread_join(t[i], NULL);
  printf("%ld\n", g_counts[0] + g_counts[1] + g_counts[2] + g_counts[3]);
  return 0;
}
