/* A library whose constructor registers fork handlers that take a pthread
 * mutex around fork(), as jemalloc, NSS modules and many others do. Its
 * prepare handler runs after lockdep's when it registered first. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t g_library_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_library_inner = PTHREAD_MUTEX_INITIALIZER;

static void prepare(void) {
  pthread_mutex_lock(&g_library_lock);
  pthread_mutex_lock(&g_library_inner);
  free(malloc(64)); /* and the allocator, inside the handler */
}
static void parent(void) {
  pthread_mutex_unlock(&g_library_inner);
  pthread_mutex_unlock(&g_library_lock);
}
static void child(void) {
  pthread_mutex_unlock(&g_library_inner);
  pthread_mutex_unlock(&g_library_lock);
  /* Re-initialised in the child, as libraries that reset their state do. */
  pthread_mutex_init(&g_library_inner, NULL);
}

__attribute__((constructor)) static void atfork_mutex_lib_init(void) {
  pthread_atfork(prepare, parent, child);
}
