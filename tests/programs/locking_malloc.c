/* A preloaded allocator that locks a pthread mutex around every call, as
 * many real allocators do. Under lockdep it must neither recurse into the
 * validator nor deadlock with it, including while dlsym() bootstraps. */
#include <pthread.h>
#include <stddef.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

static pthread_mutex_t g_heap_lock = PTHREAD_MUTEX_INITIALIZER;

void *malloc(size_t n) {
  pthread_mutex_lock(&g_heap_lock);
  void *p = __libc_malloc(n);
  pthread_mutex_unlock(&g_heap_lock);
  return p;
}

void *calloc(size_t n, size_t m) {
  pthread_mutex_lock(&g_heap_lock);
  void *p = __libc_calloc(n, m);
  pthread_mutex_unlock(&g_heap_lock);
  return p;
}

void *realloc(void *old, size_t n) {
  pthread_mutex_lock(&g_heap_lock);
  void *p = __libc_realloc(old, n);
  pthread_mutex_unlock(&g_heap_lock);
  return p;
}

void free(void *p) {
  pthread_mutex_lock(&g_heap_lock);
  __libc_free(p);
  pthread_mutex_unlock(&g_heap_lock);
}
