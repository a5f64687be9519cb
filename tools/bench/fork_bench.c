/* Cost of fork() + waitpid() once the deferred-free path has run (locks
 * freed, so lockdep's RCU callback machinery exists), with one other thread
 * alive. Run bare and under `lockdep --` (tools/bench/run_preload_bench.sh).
 *   fork_bench [FORKS]      prints microseconds per fork+wait */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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
  const double t0 = now();
  for (int i = 0; i < forks; ++i) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status;
    waitpid(pid, &status, 0);
  }
  const double t1 = now();
  pthread_mutex_lock(&g_stop_lock);
  g_stop = 1;
  pthread_cond_signal(&g_stop_cv);
  pthread_mutex_unlock(&g_stop_lock);
  pthread_join(t, NULL);
  printf("%d forks: %.1f us per fork+wait\n", forks, (t1 - t0) * 1e6 / forks);
  return 0;
}
