/* Programs for the `lockdep` command's own tests: how it ends (signal,
 * exit handlers), what it does with descriptors. Built plainly and also
 * static, with AddressSanitizer and with ThreadSanitizer, to check that the
 * command never passes an unchecked run off as clean. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t g_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_index_lock = PTHREAD_MUTEX_INITIALIZER;

static void lock2(pthread_mutex_t *a, pthread_mutex_t *b) {
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
}

NOINLINE static void queue_then_index(void) { lock2(&g_queue_lock, &g_index_lock); }
NOINLINE static void index_then_queue(void) { lock2(&g_index_lock, &g_queue_lock); }

static void *abba_thread(void *arg) {
  (void)arg;
  queue_then_index();
  index_then_queue();
  return NULL;
}

/* In a thread, so that a thread's exit is part of every case. */
static void abba(void) {
  pthread_t t;
  pthread_create(&t, NULL, abba_thread, NULL);
  pthread_join(t, NULL);
}

static void at_exit_handler(void) { printf("atexit handler ran\n"); }
__attribute__((destructor)) static void program_destructor(void) {
  /* Only in the case that asks for it: the output would disturb others. */
  if (getenv("COMMAND_CASES_DESTRUCTOR")) printf("destructor ran\n");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "abba")) {
    abba();
    printf("abba done\n");
    return 0;
  }
  if (!strcmp(mode, "clean")) {
    queue_then_index();
    printf("clean done\n");
    return 0;
  }
  if (!strcmp(mode, "fork_abba")) {
    const pid_t child = fork();
    if (child == 0) {
      abba();
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
  }
  if (!strcmp(mode, "abba_then_crash")) {
    abba();
    fflush(stdout);
    raise(SIGSEGV);
    return 0;
  }
  if (!strcmp(mode, "abba_then_exit")) {
    /* stdout is a file in the tests, so fully buffered: it must still be
     * flushed, and exit handlers must still run, when lockdep sets the
     * exit status. */
    atexit(at_exit_handler);
    printf("buffered output\n");
    abba();
    return 0;
  }
  if ((!strcmp(mode, "close_fds_then_write") || !strcmp(mode, "close_low_fds_then_write")) &&
      argc > 2) {
    /* A daemon-like program: closes inherited descriptors (all of them, or
     * the low ones), then opens its data file onto many low numbers. */
    const int last = !strcmp(mode, "close_fds_then_write") ? 4096 : 64;
    for (int fd = 3; fd < last; ++fd) close(fd);
    const int data = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int fd = data + 1; fd < 64; ++fd) dup2(data, fd);
    abba();
    const char text[] = "data\n";
    if (write(data, text, sizeof text - 1) != sizeof text - 1) return 3;
    char back[64] = {0};
    const ssize_t n = pread(data, back, sizeof back - 1, 0);
    if (n == (ssize_t)(sizeof text - 1) && !memcmp(back, text, sizeof text - 1))
      printf("data intact\n");
    else
      printf("data corrupted: %zd bytes\n", n);
    return 0;
  }
  fprintf(stderr,
          "usage: command_cases abba|clean|fork_abba|abba_then_crash|abba_then_exit|"
          "close_[low_]fds_then_write FILE\n");
  return 2;
}
