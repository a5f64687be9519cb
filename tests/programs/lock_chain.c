/* N pthread mutexes taken in a chain, lock[i] then lock[i+1] (two new
 * held-lock stacks per lock: past about 520,000 locks that is more stacks
 * than the chain pool holds, so it must be evicted, not switched off),
 * then lock[N-1] before lock[N-3], which closes a cycle that must be
 * reported.   lock_chain N */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const long n = argc > 1 ? atol(argv[1]) : 1000;
  if (n < 3) return 2;
  pthread_mutex_t *locks = calloc((size_t)n, sizeof *locks);
  if (!locks) return 1;
  for (long i = 0; i < n; ++i) pthread_mutex_init(&locks[i], NULL);
  for (long i = 0; i + 1 < n; ++i) {
    pthread_mutex_lock(&locks[i]);
    pthread_mutex_lock(&locks[i + 1]);
    pthread_mutex_unlock(&locks[i + 1]);
    pthread_mutex_unlock(&locks[i]);
  }
  pthread_mutex_lock(&locks[n - 1]);
  pthread_mutex_lock(&locks[n - 3]);
  pthread_mutex_unlock(&locks[n - 3]);
  pthread_mutex_unlock(&locks[n - 1]);
  printf("chain of %ld locks done\n", n);
  return 0;
}
