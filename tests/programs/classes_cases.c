// Lock classes inferred by site: C programs whose lock-order bug shows only
// at the class level (no two locks are ever taken both ways), and correct
// programs that nest locks of one class.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run(void *(*fn)(void *), void *arg) {
  pthread_t t;
  pthread_create(&t, NULL, fn, arg);
  pthread_join(t, NULL);
}

// ---- 1: one C type, two mutexes set up in one init function ---------------
struct account {
  long balance;
  pthread_mutex_t a, b;
};

static __attribute__((noinline)) void account_init(struct account *acc) {
  pthread_mutex_init(&acc->a, NULL);
  pthread_mutex_init(&acc->b, NULL);
}

static __attribute__((noinline)) struct account *open_account(void) {
  struct account *acc = malloc(sizeof *acc);
  account_init(acc);
  return acc;
}

static void *a_then_b(void *p) {
  struct account *acc = p;
  pthread_mutex_lock(&acc->a);
  pthread_mutex_lock(&acc->b);
  pthread_mutex_unlock(&acc->b);
  pthread_mutex_unlock(&acc->a);
  return NULL;
}

static void *b_then_a(void *p) {
  struct account *acc = p;
  pthread_mutex_lock(&acc->b);
  pthread_mutex_lock(&acc->a);
  pthread_mutex_unlock(&acc->a);
  pthread_mutex_unlock(&acc->b);
  return NULL;
}

static void two_fields(void) {
  struct account *one = open_account(), *two = open_account();
  run(a_then_b, one);
  run(b_then_a, two);
}

// The same classes, and first one object taken both ways: the instance
// report covers the classes, and the class level says nothing more.
static void covered_by_instance(void) {
  struct account *one = open_account(), *two = open_account();
  run(a_then_b, one);
  run(b_then_a, one);
  run(b_then_a, two);
}

// ---- 3: three types, a cycle of classes and no cycle of locks ---------------
struct x_type {
  int n;
  pthread_mutex_t lock;
};
struct y_type {
  char tag[24];
  pthread_mutex_t lock;
};
struct z_type {
  double w[3];
  pthread_mutex_t lock;
};

static __attribute__((noinline)) struct x_type *new_x(void) {
  struct x_type *x = calloc(1, sizeof *x);
  pthread_mutex_init(&x->lock, NULL);
  return x;
}
static __attribute__((noinline)) struct y_type *new_y(void) {
  struct y_type *y = calloc(1, sizeof *y);
  pthread_mutex_init(&y->lock, NULL);
  return y;
}
static __attribute__((noinline)) struct z_type *new_z(void) {
  struct z_type *z = calloc(1, sizeof *z);
  pthread_mutex_init(&z->lock, NULL);
  return z;
}

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner) {
  pthread_mutex_lock(outer);
  pthread_mutex_lock(inner);
  pthread_mutex_unlock(inner);
  pthread_mutex_unlock(outer);
}

struct pair {
  pthread_mutex_t *outer, *inner;
};
static void *nest_thread(void *p) {
  struct pair *pr = p;
  nest(pr->outer, pr->inner);
  return NULL;
}

static void three_types(void) {
  struct x_type *x1 = new_x(), *x2 = new_x();
  struct y_type *y1 = new_y(), *y2 = new_y();
  struct z_type *z1 = new_z(), *z2 = new_z();
  struct pair p1 = {&x1->lock, &y1->lock}, p2 = {&y2->lock, &z1->lock}, p3 = {&z2->lock, &x2->lock};
  run(nest_thread, &p1);
  run(nest_thread, &p2);
  run(nest_thread, &p3);
}

// ---- 4: 100 objects of one type, pairs always lower index first ------------
enum { kObjects = 100 };
static struct account *g_objects[kObjects];

static void *lower_first(void *arg) {
  unsigned seed = (unsigned)(unsigned long)arg;
  for (int i = 0; i < 2000; ++i) {
    int a = rand_r(&seed) % kObjects, b = rand_r(&seed) % kObjects;
    if (a == b) continue;
    if (a > b) {
      int t = a;
      a = b;
      b = t;
    }
    pthread_mutex_lock(&g_objects[a]->a);
    pthread_mutex_lock(&g_objects[b]->a);
    g_objects[a]->balance--;
    g_objects[b]->balance++;
    pthread_mutex_unlock(&g_objects[b]->a);
    pthread_mutex_unlock(&g_objects[a]->a);
  }
  return NULL;
}

static void ordered_pairs(void) {
  for (int i = 0; i < kObjects; ++i) g_objects[i] = open_account();
  pthread_t t[4];
  for (long i = 0; i < 4; ++i) pthread_create(&t[i], NULL, lower_first, (void *)(i + 1));
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
}

// ---- 5: hand-over-hand down a 50-node list, two threads ---------------------
struct node {
  pthread_mutex_t lock;
  struct node *next;
  int value;
};
static struct node *g_head;

static void *walk(void *arg) {
  (void)arg;
  for (int round = 0; round < 100; ++round) {
    struct node *n = g_head;
    pthread_mutex_lock(&n->lock);
    while (n->next) {
      struct node *next = n->next;
      pthread_mutex_lock(&next->lock);
      n->value++;
      pthread_mutex_unlock(&n->lock);
      n = next;
    }
    pthread_mutex_unlock(&n->lock);
  }
  return NULL;
}

static void hand_over_hand(void) {
  for (int i = 0; i < 50; ++i) {
    struct node *n = malloc(sizeof *n);
    pthread_mutex_init(&n->lock, NULL);
    n->next = g_head;
    n->value = i;
    g_head = n;
  }
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, walk, NULL);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
}

int main(int argc, char **argv) {
  const char *c = argc > 1 ? argv[1] : "";
  if (!strcmp(c, "two_fields"))
    two_fields();
  else if (!strcmp(c, "three_types"))
    three_types();
  else if (!strcmp(c, "covered_by_instance"))
    covered_by_instance();
  else if (!strcmp(c, "ordered_pairs"))
    ordered_pairs();
  else if (!strcmp(c, "hand_over_hand"))
    hand_over_hand();
  else {
    fprintf(stderr, "unknown case '%s'\n", c);
    return 2;
  }
  puts("done");
  return 0;
}
