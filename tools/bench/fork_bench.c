/* Cost of fork() + waitpid() once the deferred-free path has run (locks
 * freed, so lockdep's RCU callback machinery exists), with one other thread
 * alive. Run bare and under `lockdep --` (tools/bench/run_preload_bench.sh).
 *   fork_bench [FORKS]      prints microseconds per fork+wait (wall), and the
 *                           CPU time of parent and children per fork */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t g_stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_stop_cv = PTHREAD_COND_INITIALIZER;
static int g_stop;

static void *idle_thread(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_stop_lock);
  while (!g_stop) pthread_cond_wait(&g_stop_cv, &g_stop_lock);
  pthread_mutex_unlock(&g_stop_lock);
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this process and of its waited-for children. */
static double cpu_seconds(void) {
  double total = 0;
  const int who[2] = {RUSAGE_SELF, RUSAGE_CHILDREN};
  for (int i = 0; i < 2; ++i) {
    struct rusage ru;
    getrusage(who[i], &ru);
    total += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  }
  return total;
}

int main(int argc, char **argv) {
  const int forks = argc > 1 ? atoi(argv[1]) : 1000;
  pthread_t t;
  pthread_create(&t, NULL, idle_thread, NULL);
  for (int i = 0; i < 100; ++i) { /* locks freed: their classes are zapped */
    pthread_mutex_t *m = malloc(sizeof *m);
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_destroy(m);
    free(m);
  }
  usleep(50000); /* let the deferred free run */
  const double t0 = now(), cpu0 = cpu_seconds();
  for (int i = 0; i < forks; ++i) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status;
    waitpid(pid, &status, 0);
  }
  const double t1 = now(), cpu1 = cpu_seconds();
  pthread_mutex_lock(&g_stop_lock);
  g_stop = 1;
  pthread_cond_signal(&g_stop_cv);
  pthread_mutex_unlock(&g_stop_lock);
  pthread_join(t, NULL);
  printf("%d forks: %.1f us per fork+wait, %.1f us CPU (parent and child)\n", forks,
         (t1 - t0) * 1e6 / forks, (cpu1 - cpu0) * 1e6 / forks);
  return 0;
}
