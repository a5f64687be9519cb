/* A host that uses liburcu-bp itself, with liburcu's documented fork
 * protocol, and that also forks from inside its own read-side critical
 * section while lockdep has a callback pending. Under lockdep it must
 * behave exactly as without: its RCU is not lockdep's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <urcu-bp.h>

struct node {
  struct rcu_head head;
};
static volatile int g_freed;
static void free_node(struct rcu_head *h) {
  free(caa_container_of(h, struct node, head));
  __atomic_add_fetch(&g_freed, 1, __ATOMIC_RELAXED);
}

static void churn_lock(void) {
  pthread_mutex_t *m = malloc(sizeof *m);
  pthread_mutex_init(m, NULL);
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
  pthread_mutex_destroy(m);
  free(m); /* lockdep zaps the lock's class and queues its callback */
}

static void use_rcu(void) {
  struct node *n = malloc(sizeof *n);
  urcu_bp_read_lock();
  urcu_bp_read_unlock();
  urcu_bp_call_rcu(&n->head, free_node);
  urcu_bp_barrier();
}

static int wait_child(pid_t pid) {
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 7;
}

/* Issue 6 item 10: a host thread that sits in its own read-side section
 * for good. lockdep's grace periods do not wait for it. */
static volatile int g_inside;
static void *stalled_reader(void *arg) {
  (void)arg;
  urcu_bp_read_lock();
  g_inside = 1;
  for (;;) pause();
  return NULL;
}
static int stall(void) {
  pthread_t t;
  pthread_create(&t, NULL, stalled_reader, NULL);
  while (!g_inside) usleep(1000);
  for (int i = 0; i < 20000; ++i) churn_lock();
  usleep(200000);
  puts("stall ok");
  return 0; /* exits with the reader still inside */
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "stall") == 0) return stall();
  use_rcu(); /* liburcu's call_rcu worker exists from here on */
  int ok = 1;
  for (int round = 0; round < 3; ++round) {
    churn_lock();
    /* liburcu's documented protocol around fork() without exec(). */
    urcu_bp_call_rcu_before_fork();
    urcu_bp_before_fork();
    const pid_t pid = fork();
    if (pid == 0) {
      urcu_bp_after_fork_child();
      urcu_bp_call_rcu_after_fork_child();
      use_rcu();
      churn_lock();
      _exit(7);
    }
    urcu_bp_after_fork_parent();
    urcu_bp_call_rcu_after_fork_parent();
    ok &= wait_child(pid);
  }
  /* fork() inside the host's own read-side section, lockdep callback pending. */
  for (int round = 0; round < 3; ++round) {
    urcu_bp_read_lock();
    churn_lock();
    urcu_bp_call_rcu_before_fork();
    const pid_t pid = fork();
    if (pid == 0) {
      urcu_bp_call_rcu_after_fork_child();
      urcu_bp_read_unlock();
      use_rcu();
      churn_lock();
      _exit(7);
    }
    urcu_bp_call_rcu_after_fork_parent();
    urcu_bp_read_unlock();
    ok &= wait_child(pid);
  }
  use_rcu();
  printf("urcu host %s, %d nodes freed\n", ok ? "ok" : "FAILED", g_freed);
  return ok ? 0 : 1;
}
