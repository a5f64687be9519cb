/* A forking program: threads lock, allocate and free locks while the main
 * thread forks N times; each child takes locks, makes and destroys one and
 * exits 7. Prints "children ok" when every child did. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t g_outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_inner = PTHREAD_MUTEX_INITIALIZER;
static volatile int g_stop;

static void churn_one(void) {
  pthread_mutex_t *m = malloc(sizeof *m);
  pthread_mutex_init(m, NULL);
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
  pthread_mutex_destroy(m);
  free(m); /* the lock is forgotten: a class zapped, a callback queued */
}

static void *busy(void *arg) {
  (void)arg;
  while (!g_stop) {
    pthread_mutex_lock(&g_outer);
    pthread_mutex_lock(&g_inner);
    pthread_mutex_unlock(&g_inner);
    pthread_mutex_unlock(&g_outer);
    churn_one();
  }
  return NULL;
}

int main(int argc, char **argv) {
  const int forks = argc > 1 ? atoi(argv[1]) : 50;
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, busy, NULL);
  usleep(10000);
  int bad = 0;
  for (int i = 0; i < forks; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
      pthread_mutex_lock(&child_lock);
      churn_one();
      pthread_mutex_unlock(&child_lock);
      _exit(7);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 7)
      ++bad;
  }
  g_stop = 1;
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  if (bad) {
    printf("%d children failed\n", bad);
    return 1;
  }
  puts("children ok");
  return 0;
}
