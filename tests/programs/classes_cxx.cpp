// Lock classes inferred by site: C++ cases (std::mutex members, which have
// no init call; std::scoped_lock; mutexes on the stack).
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

// ---- 2: a type with two std::mutex members, created with new at one site --
struct account {
  long balance = 0;
  std::mutex a, b;
};

__attribute__((noinline)) account *open_account() { return new account; }

void members() {
  account *one = open_account(), *two = open_account();
  std::thread([&] {
    std::lock_guard<std::mutex> ga(one->a);
    std::lock_guard<std::mutex> gb(one->b);
  }).join();
  std::thread([&] {
    std::lock_guard<std::mutex> gb(two->b);
    std::lock_guard<std::mutex> ga(two->a);
  }).join();
}

// ---- 6: std::scoped_lock(a, b) and (b, a) on two objects of one type ------
void scoped_both_ways() {
  account *x = open_account(), *y = open_account();
  std::thread t1([&] {
    for (int i = 0; i < 1000; ++i) {
      std::scoped_lock both(x->a, y->a);
      x->balance--, y->balance++;
    }
  });
  std::thread t2([&] {
    for (int i = 0; i < 1000; ++i) {
      std::scoped_lock both(y->a, x->a);
      y->balance--, x->balance++;
    }
  });
  t1.join();
  t2.join();
}

// ---- 7: two functions whose stack mutexes share slots, opposite orders -----
__attribute__((noinline)) void first_then_second(long *out) {
  std::mutex m[2];
  std::lock_guard<std::mutex> g0(m[0]);
  std::lock_guard<std::mutex> g1(m[1]);
  *out += reinterpret_cast<long>(&m[0]) & 1;
}

__attribute__((noinline)) void second_then_first(long *out) {
  std::mutex m[2];
  std::lock_guard<std::mutex> g1(m[1]);
  std::lock_guard<std::mutex> g0(m[0]);
  *out += reinterpret_cast<long>(&m[1]) & 1;
}

void stack_reuse() {
  long sink = 0;
  for (int i = 0; i < 3; ++i) {
    first_then_second(&sink);
    second_then_first(&sink);
  }
  std::printf("sink %ld\n", sink);
}

}  // namespace

int main(int argc, char **argv) {
  const char *c = argc > 1 ? argv[1] : "";
  if (!std::strcmp(c, "members"))
    members();
  else if (!std::strcmp(c, "scoped_both_ways"))
    scoped_both_ways();
  else if (!std::strcmp(c, "stack_reuse"))
    stack_reuse();
  else {
    std::fprintf(stderr, "unknown case '%s'\n", c);
    return 2;
  }
  std::puts("done");
  return 0;
}
