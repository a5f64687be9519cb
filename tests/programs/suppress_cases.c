/* Programs for suppressions (issue 10) and the built-in list (issue 13 item
 * 10). Two independent inversions, so that a suppression can be shown to
 * hide exactly one of two reports; threads that exit holding locks taken in
 * a library named libjvm.so (built by the test, standing in for HotSpot's)
 * or in the program itself. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_alpha = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_beta = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_gamma = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_delta = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_own_lock = PTHREAD_MUTEX_INITIALIZER;

/* In libsuppress_plugin.so: an inversion of the plugin's own two locks. */
void plugin_invert(void);
/* In the stand-in libjvm.so: lock a VM mutex and return holding it; the
 * same after calling back into the program. */
void vm_lock_and_return(void);
void vm_call(void (*callback)(void));

static void __attribute__((noinline)) both(pthread_mutex_t *first, pthread_mutex_t *second) {
  pthread_mutex_lock(first);
  pthread_mutex_lock(second);
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
}

static void __attribute__((noinline)) invert_alpha_beta(void) {
  both(&g_alpha, &g_beta);
  both(&g_beta, &g_alpha);
}

static void __attribute__((noinline)) invert_gamma_delta(void) {
  both(&g_gamma, &g_delta);
  both(&g_delta, &g_gamma);
}

/* The alpha/beta problem again, from another function. */
static void __attribute__((noinline)) invert_alpha_beta_elsewhere(void) { both(&g_beta, &g_alpha); }

static void take_own_lock(void) { pthread_mutex_lock(&g_own_lock); }

static void *vm_thread(void *arg) {
  (void)arg;
  vm_lock_and_return();
  return NULL;
}

static void *jni_thread(void *arg) {
  (void)arg;
  vm_lock_and_return();
  pthread_mutex_lock(&g_own_lock);
  return NULL;
}

/* Every frame of the exit is under libjvm.so, but the lock is the
 * program's. */
static void *callback_thread(void *arg) {
  (void)arg;
  vm_call(take_own_lock);
  return NULL;
}

static void run_thread(void *(*fn)(void *)) {
  pthread_t t;
  pthread_create(&t, NULL, fn, NULL);
  pthread_join(t, NULL);
}

int main(int argc, char **argv) {
  const char *c = argc > 1 ? argv[1] : "";
  if (!strcmp(c, "two_cycles")) {
    invert_alpha_beta();
    invert_gamma_delta();
  } else if (!strcmp(c, "cycle_and_plugin")) {
    invert_alpha_beta();
    plugin_invert();
  } else if (!strcmp(c, "same_problem_twice")) {
    invert_alpha_beta();
    invert_alpha_beta_elsewhere();
  } else if (!strcmp(c, "vm_thread_exit")) {
    run_thread(vm_thread);
  } else if (!strcmp(c, "jni_thread_exit")) {
    run_thread(jni_thread);
  } else if (!strcmp(c, "callback_thread_exit")) {
    run_thread(callback_thread);
  } else {
    fprintf(stderr, "unknown case '%s'\n", c);
    return 2;
  }
  printf("%s done\n", c);
  return 0;
}
