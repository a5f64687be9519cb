/* The bundled example for `lockdep -- PROGRAM`: a plain pthread program
 * that knows nothing of lockdep. Five philosophers each take the fork on
 * their left, then the one on their right. They eat one after another, so
 * this run never deadlocks; five of them at the table at once could, and
 * lockdep says so the first time the order is seen. */
#include <pthread.h>
#include <stdio.h>

#define PHILOSOPHERS 5

static pthread_mutex_t forks[PHILOSOPHERS];

static void *dine(void *arg) {
  const int i = (int)(long)arg;
  pthread_mutex_t *left = &forks[i], *right = &forks[(i + 1) % PHILOSOPHERS];
  pthread_mutex_lock(left);
  pthread_mutex_lock(right);
  printf("philosopher %d eats\n", i);
  pthread_mutex_unlock(right);
  pthread_mutex_unlock(left);
  return NULL;
}

int main(void) {
  for (int i = 0; i < PHILOSOPHERS; ++i) pthread_mutex_init(&forks[i], NULL);
  for (int i = 0; i < PHILOSOPHERS; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, dine, (void *)(long)i);
    pthread_join(t, NULL);
  }
  return 0;
}
