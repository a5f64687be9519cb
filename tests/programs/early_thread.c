/* A library whose constructor starts a thread before the program (and
 * possibly before lockdep) has initialised. Once main() says go, the thread
 * takes two locks in both orders. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

atomic_int early_thread_go;
atomic_int early_thread_done;
static pthread_mutex_t g_early_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_early_b = PTHREAD_MUTEX_INITIALIZER;

static void *early(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_early_a); /* before anyone is ready */
  pthread_mutex_unlock(&g_early_a);
  while (!atomic_load(&early_thread_go)) sched_yield();
  pthread_mutex_lock(&g_early_a);
  pthread_mutex_lock(&g_early_b);
  pthread_mutex_unlock(&g_early_b);
  pthread_mutex_unlock(&g_early_a);
  pthread_mutex_lock(&g_early_b);
  pthread_mutex_lock(&g_early_a);
  pthread_mutex_unlock(&g_early_a);
  pthread_mutex_unlock(&g_early_b);
  atomic_store(&early_thread_done, 1);
  return NULL;
}

__attribute__((constructor(101))) static void start_early_thread(void) {
  pthread_t t;
  pthread_create(&t, NULL, early, NULL);
  pthread_detach(t);
}
