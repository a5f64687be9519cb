/* Programs for the lock-graph tests (graph_path=, lockdep_dump_graph(),
 * SIGUSR2). Run under the preload library:
 *   graph_cases sites                      heap locks of one site, an ABBA
 *   graph_cases api FILE1 FILE2            two dumps through the API
 *   graph_cases signal FILE                SIGUSR2 writes FILE (graph_path)
 *   graph_cases own_handler FILE           the program's own SIGUSR2 handler wins
 *   graph_cases plugin PLUGIN              a lock of a dlopen()ed module */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t g_registry = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_alpha = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_beta = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_gamma = PTHREAD_MUTEX_INITIALIZER;

struct node {
  pthread_mutex_t lock;
  int value;
};

/* Every node's lock is first taken here: one site. */
__attribute__((noinline)) static void node_lock(struct node *n) { pthread_mutex_lock(&n->lock); }

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner) {
  pthread_mutex_lock(outer);
  pthread_mutex_lock(inner);
  pthread_mutex_unlock(inner);
  pthread_mutex_unlock(outer);
}

static int sites(void) {
  enum { kNodes = 20 };
  struct node *nodes[kNodes];
  for (int i = 0; i < kNodes; ++i) {
    nodes[i] = calloc(1, sizeof *nodes[i]);
    pthread_mutex_init(&nodes[i]->lock, NULL);
  }
  /* g_registry -> each node: 20 dependencies, one edge once collapsed. */
  for (int i = 0; i < kNodes; ++i) {
    pthread_mutex_lock(&g_registry);
    node_lock(nodes[i]);
    pthread_mutex_unlock(&nodes[i]->lock);
    pthread_mutex_unlock(&g_registry);
  }
  /* Hand over hand: node i -> node i+1, inside the site, no cycle. */
  for (int i = 0; i + 1 < kNodes; ++i) {
    node_lock(nodes[i]);
    node_lock(nodes[i + 1]);
    pthread_mutex_unlock(&nodes[i + 1]->lock);
    pthread_mutex_unlock(&nodes[i]->lock);
  }
  /* An ABBA between two statics: reported, and drawn as a cycle. */
  nest(&g_alpha, &g_beta);
  nest(&g_beta, &g_alpha);
  /* The nodes stay allocated: free() would forget their classes. */
  return 0;
}

typedef int (*dump_fn)(const char *);

static int api(const char *first, const char *second) {
  dump_fn dump = (dump_fn)dlsym(RTLD_DEFAULT, "lockdep_dump_graph");
  if (!dump) {
    printf("no lockdep_dump_graph\n");
    return 1;
  }
  nest(&g_alpha, &g_beta);
  if (dump(first) != 0) {
    printf("first dump failed: %s\n", strerror(errno));
    return 1;
  }
  nest(&g_beta, &g_gamma);
  if (dump(second) != 0) {
    printf("second dump failed: %s\n", strerror(errno));
    return 1;
  }
  errno = 0;
  const int bad = dump("/nonexistent-directory/graph.dot");
  printf("dump to a missing directory: %d %s\n", bad, strerror(errno));
  return 0;
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int signal_dump(const char *path) {
  nest(&g_alpha, &g_beta);
  raise(SIGUSR2);
  printf("after SIGUSR2: %s\n", exists(path) ? "graph written" : "no graph");
  nest(&g_beta, &g_gamma); /* in the graph written at exit, not in the first */
  return 0;
}

static volatile sig_atomic_t g_own_handler_ran;
static void own_handler(int sig) {
  (void)sig;
  g_own_handler_ran = 1;
}

static int own_handler_wins(const char *path) {
  signal(SIGUSR2, own_handler);
  nest(&g_alpha, &g_beta);
  raise(SIGUSR2);
  printf("own handler ran: %d, after SIGUSR2: %s\n", (int)g_own_handler_ran,
         exists(path) ? "graph written" : "no graph");
  return 0;
}

static void host_callback(void) {
  pthread_mutex_lock(&g_registry);
  pthread_mutex_unlock(&g_registry);
}

static int plugin(const char *path) {
  void *h = dlopen(path, RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  void (*locked_call)(void (*)(void)) = (void (*)(void (*)(void)))dlsym(h, "plugin_locked_call");
  locked_call(host_callback); /* g_plugin_lock -> g_registry */
  /* Not closed: dlclose() would forget the plugin's lock. */
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "sites")) return sites();
  if (!strcmp(mode, "api") && argc > 3) return api(argv[2], argv[3]);
  if (!strcmp(mode, "signal") && argc > 2) return signal_dump(argv[2]);
  if (!strcmp(mode, "own_handler") && argc > 2) return own_handler_wins(argv[2]);
  if (!strcmp(mode, "plugin") && argc > 2) return plugin(argv[2]);
  fprintf(stderr, "usage: graph_cases sites|api F1 F2|signal F|own_handler F|plugin SO\n");
  return 2;
}
