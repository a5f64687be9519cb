/* Whole-program cases found by running real programs: modules unloaded
 * and reloaded, locks spread over many memory regions. Each case is a
 * function named on the command line. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void (*take_fn)(int);

static void *load(const char *path, take_fn *take) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
    exit(1);
  }
  *take = (take_fn)dlsym(h, "plugin_take");
  return h;
}

/* Each load takes one order only: no load ever takes both, so the
 * inversion between loads is between different locks (the module's memory
 * died in between), not a deadlock. */
static int dlclose_reload(const char *path, int loads) {
  void *first_base = NULL;
  int same_address = 0;
  for (int i = 0; i < loads; ++i) {
    take_fn take;
    void *h = load(path, &take);
    Dl_info info;
    if (dladdr((void *)take, &info)) {
      if (!first_base) first_base = info.dli_fbase;
      same_address += info.dli_fbase == first_base;
    }
    take(i & 1);
    dlclose(h);
  }
  printf("loads: %d, at the first address: %d\n", loads, same_address);
  return 0;
}

/* A real inversion inside one load of a module opened by a relative path:
 * its locks must be named from the module's own symbols. */
static int dlopen_relative(const char *dir) {
  if (chdir(dir) != 0) {
    perror("chdir");
    return 1;
  }
  take_fn take;
  void *h = load("./libplugin_ab.so", &take);
  if (chdir("/") != 0) return 1; /* the relative path no longer resolves */
  take(0);
  take(1);
  dlclose(h);
  return 0;
}

/* One live lock at a time, each in a different 2 MiB region: a long
 * running program spreads its locks over more memory than any table of
 * regions could hold. */
static int many_regions(long regions) {
  const size_t region = 2u << 20;
  /* 32 TiB: far from the program, its heap and the mmap area. */
  char *base = (char *)(32ul << 40);
  static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
  long placed = 0;
  for (long i = 0; i < regions; ++i) {
    void *want = base + (size_t)i * region;
    void *p = mmap(want, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) continue;
    placed += p == want;
    pthread_mutex_t *m = p;
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(&outer);
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_unlock(&outer);
    pthread_mutex_destroy(m);
    munmap(p, 4096);
  }
  printf("regions used: %ld\n", placed);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "dlclose_reload"))
    return dlclose_reload(argv[2], atoi(argv[3]));
  if (argc >= 3 && !strcmp(argv[1], "dlopen_relative")) return dlopen_relative(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "many_regions")) return many_regions(atol(argv[2]));
  fprintf(stderr,
          "usage: real_world_cases dlclose_reload PLUGIN N | dlopen_relative DIR | "
          "many_regions N\n");
  return 2;
}
