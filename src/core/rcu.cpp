#include "core/rcu.hpp"

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <ctime>

#include "core/fork.hpp"
#include "core/graph_lock.hpp"
#include "core/thread_state.hpp"

namespace lockdep {

constinit thread_local rcu_reader t_rcu_reader
    __attribute__((tls_model("initial-exec"))) = {nullptr, 0, -1, 0};
// Starts at 1: a slot holding 0 is outside any read-side section.
std::atomic<uint64_t> g_rcu_epoch{1};
std::atomic<bool> g_rcu_membarrier{false};

namespace {

// Threads reading at once with a slot of their own; more share the
// fallback counters (an atomic increment per read-side section).
constexpr uint32_t kSlots = kRcuSlots;
rcu_slot g_slots[kSlots];
std::atomic<uint32_t> g_slots_high{0};  // slots [0, high) have been claimed at some time
std::atomic<uint32_t> g_slots_used{0};

// The fallback: two counters and a phase, as SRCU. A grace period flips
// the phase twice and waits for each old counter to drain.
struct alignas(64) overflow_counter {
  std::atomic<uint64_t> readers;
};
overflow_counter g_overflow[2];
std::atomic<int32_t> g_overflow_phase{0};

pthread_key_t g_exit_key;
std::atomic<int> g_exit_key_state{0};  // 0 none, 1 being created, 2 ready

std::atomic<rcu_head *> g_queue{nullptr};
std::atomic<uint32_t> g_wake{0};
// Bumped by rcu_barrier(): someone waits, so the worker does not pause.
std::atomic<uint32_t> g_urgent{0};
// After each batch the worker lets callbacks gather for this long, as
// liburcu's worker and the kernel do: one grace period then serves many
// zaps, instead of a grace period (two membarrier IPIs to every CPU running
// the host, and a graph lock round) per zap.
constexpr long kBatchPauseNs = 10 * 1000 * 1000;
std::atomic<int> g_worker_state{0};  // 0 not running, 1 running
futex_lock g_process_lock;           // one batch processed at a time
futex_lock g_gp_lock;                // one grace period at a time
std::atomic<uint64_t> g_grace_periods{0};

long futex(std::atomic<uint32_t> *addr, int op, uint32_t val, const timespec *timeout = nullptr) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t *>(addr), op | FUTEX_PRIVATE_FLAG, val,
                 timeout, nullptr, 0);
}

int32_t current_tid() { return static_cast<int32_t>(syscall(SYS_gettid)); }

bool thread_alive(int32_t tid) {
  return syscall(SYS_tgkill, getpid(), tid, 0) == 0 || errno != ESRCH;
}

void release_slot(void *p) {
  auto *slot = static_cast<rcu_slot *>(p);
  rcu_reader &r = t_rcu_reader;
  if (r.slot == slot) {
    r.slot = nullptr;
    r.retry = 0;
  }
  slot->active.store(0, std::memory_order_release);
  slot->owner.store(0, std::memory_order_release);
  g_slots_used.fetch_sub(1, std::memory_order_relaxed);
}

bool exit_key_ready() {
  int state = g_exit_key_state.load(std::memory_order_acquire);
  if (state == 2) return true;
  if (state == 0 && g_exit_key_state.compare_exchange_strong(state, 1)) {
    const bool ok = pthread_key_create(&g_exit_key, release_slot) == 0;
    g_exit_key_state.store(ok ? 2 : 0, std::memory_order_release);
    return ok;
  }
  return false;  // another thread is creating it: this slot is reclaimed when found dead
}

bool take_slot(rcu_reader &r, uint32_t i, int32_t expected, int32_t tid) {
  if (!g_slots[i].owner.compare_exchange_strong(expected, tid, std::memory_order_acq_rel))
    return false;
  g_slots[i].active.store(0, std::memory_order_relaxed);
  uint32_t high = g_slots_high.load(std::memory_order_relaxed);
  while (high < i + 1 && !g_slots_high.compare_exchange_weak(high, i + 1)) {
  }
  if (expected == 0) g_slots_used.fetch_add(1, std::memory_order_relaxed);
  r.slot = &g_slots[i];
  r.retry = 0;
  // Given back at thread exit. Key values below 32 live in the thread's
  // descriptor: the key is made at start-up, so setting it never allocates.
  if (exit_key_ready()) pthread_setspecific(g_exit_key, r.slot);
  return true;
}

// A slot for the calling thread: a free one, or one whose owner died
// without giving it back (a thread that exited before the key existed).
bool claim_slot(rcu_reader &r) {
  core_init();  // a thread's first reader: the fork handlers exist from here on
  const int32_t tid = current_tid();
  if (g_slots_used.load(std::memory_order_relaxed) < kSlots)
    for (uint32_t i = 0; i < kSlots; ++i)
      if (g_slots[i].owner.load(std::memory_order_relaxed) == 0 && take_slot(r, i, 0, tid))
        return true;
  for (uint32_t i = 0; i < kSlots; ++i) {
    const int32_t owner = g_slots[i].owner.load(std::memory_order_relaxed);
    if (owner != 0 && !thread_alive(owner) && take_slot(r, i, owner, tid)) return true;
  }
  return false;
}

// ThreadSanitizer does not model fences (GCC warns, -Wtsan): under it the
// seq_cst operations alone carry the ordering.
inline void full_fence() {
#if !defined(__SANITIZE_THREAD__)
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

void publish_reader(rcu_slot *s) {
  s->active.store(g_rcu_epoch.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
  full_fence();
}

// Orders every reader's slot store before what the writer reads next, and
// every reader's section before what the writer does next.
void writer_fence() {
  full_fence();
#if !defined(__SANITIZE_THREAD__)
  // Registration is kept across fork() (only exec clears it); should the
  // expedited command fail anyway, the global one needs none.
  if (g_rcu_membarrier.load(std::memory_order_seq_cst) &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
#endif
  full_fence();
}

void backoff(uint32_t &round) {
  if (round < 64) {
    caa_cpu_relax();
  } else if (round < 128) {
    sched_yield();
  } else {
    const timespec ts{0, round < 256 ? 100000 : 1000000};
    nanosleep(&ts, nullptr);
  }
  ++round;
}

void wait_overflow_phase(int32_t phase) {
  uint32_t round = 0;
  while (g_overflow[phase].readers.load(std::memory_order_seq_cst) != 0) backoff(round);
}

void process_batch() {
  g_process_lock.lock();
  rcu_head *list = g_queue.exchange(nullptr, std::memory_order_acq_rel);
  if (list) {
    rcu_head *fifo = nullptr;  // the queue is a stack: run in queueing order
    while (list) {
      rcu_head *next = list->next;
      list->next = fifo;
      fifo = list;
      list = next;
    }
    rcu_synchronize();
    while (fifo) {
      rcu_head *next = fifo->next;
      fifo->func(fifo);
      fifo = next;
    }
  }
  g_process_lock.unlock();
}

void *worker_main(void *) {
  prctl(PR_SET_NAME, "lockdep-rcu");
  // Nothing this thread does is the host's to check.
  current_thread().recursion = 1;
  for (;;) {
    const uint32_t wake = g_wake.load(std::memory_order_acquire);
    if (g_queue.load(std::memory_order_acquire) == nullptr) {
      futex(&g_wake, FUTEX_WAIT, wake);
      continue;
    }
    const uint32_t urgent = g_urgent.load(std::memory_order_acquire);
    process_batch();
    const timespec pause{0, kBatchPauseNs};
    futex(&g_urgent, FUTEX_WAIT, urgent, &pause);
  }
  return nullptr;
}

// True when the worker runs (or was just started).
bool ensure_worker() {
  int state = g_worker_state.load(std::memory_order_acquire);
  if (state == 1) return true;
  if (!g_worker_state.compare_exchange_strong(state, 1)) return true;
  // The worker takes no signal of the host's.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  const bool ok = pthread_create(&thread, &attr, worker_main, nullptr) == 0;
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!ok) g_worker_state.store(0, std::memory_order_release);
  return ok;
}

void push(rcu_head *head) {
  rcu_head *top = g_queue.load(std::memory_order_relaxed);
  do {
    head->next = top;
  } while (!g_queue.compare_exchange_weak(top, head, std::memory_order_release,
                                          std::memory_order_relaxed));
}

struct barrier_head {
  rcu_head head;
  std::atomic<uint32_t> done;
};

void barrier_done(rcu_head *h) {
  auto *b = reinterpret_cast<barrier_head *>(h);
  b->done.store(1, std::memory_order_release);
  futex(&b->done, FUTEX_WAKE, INT_MAX);
}

}  // namespace

void rcu_read_lock_slow(rcu_reader &r) {
  // Every slot taken: try again now and then (a thread may have exited).
  if (r.retry-- == 0) {
    if (claim_slot(r)) return publish_reader(r.slot);
    r.retry = 4095;
  }
  const int32_t phase = g_overflow_phase.load(std::memory_order_seq_cst);
  g_overflow[phase].readers.fetch_add(1, std::memory_order_seq_cst);
  r.overflow = static_cast<int16_t>(phase);
}

void rcu_read_unlock_slow(rcu_reader &r) {
  if (r.overflow < 0) return;  // only after a failed claim
  g_overflow[r.overflow].readers.fetch_sub(1, std::memory_order_seq_cst);
  r.overflow = -1;
}

void rcu_synchronize() {
  g_gp_lock.lock();
  const uint64_t target = g_rcu_epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
  writer_fence();
  // A slot claimed after this load is published with an epoch read after
  // the increment above (both seq_cst): its reader started later.
  const uint32_t high = g_slots_high.load(std::memory_order_seq_cst);
  for (uint32_t i = 0; i < high; ++i) {
    uint32_t round = 0;
    for (;;) {
      const uint64_t a = g_slots[i].active.load(std::memory_order_acquire);
      // A reader that read the new epoch started after the grace period.
      if (a == 0 || a >= target) break;
      backoff(round);
    }
  }
  // Readers without a slot: flip twice, as a reader may have read the
  // phase just before a flip and incremented just after the drain.
  for (int flip = 0; flip < 2; ++flip) {
    const int32_t old = g_overflow_phase.load(std::memory_order_relaxed);
    g_overflow_phase.store(old ^ 1, std::memory_order_seq_cst);
    wait_overflow_phase(old);
  }
  writer_fence();
  g_grace_periods.fetch_add(1, std::memory_order_relaxed);
  g_gp_lock.unlock();
}

void rcu_call(rcu_head *head, void (*func)(rcu_head *)) {
  head->func = func;
  push(head);
  if (ensure_worker()) {
    g_wake.fetch_add(1, std::memory_order_release);
    futex(&g_wake, FUTEX_WAKE, 1);
  }
}

void rcu_barrier() {
  barrier_head b{};
  b.head.func = barrier_done;
  push(&b.head);
  if (ensure_worker()) {
    g_wake.fetch_add(1, std::memory_order_release);
    futex(&g_wake, FUTEX_WAKE, 1);
    g_urgent.fetch_add(1, std::memory_order_release);
    futex(&g_urgent, FUTEX_WAKE, 1);
    while (b.done.load(std::memory_order_acquire) == 0) futex(&b.done, FUTEX_WAIT, 0);
    return;
  }
  // No worker (it could not be started): do its work here.
  while (b.done.load(std::memory_order_acquire) == 0) process_batch();
}

uint32_t rcu_slots_in_use() { return g_slots_used.load(std::memory_order_relaxed); }

uint64_t rcu_grace_periods() { return g_grace_periods.load(std::memory_order_relaxed); }

void rcu_after_fork_child() {
  // Only the calling thread exists: every other slot belonged to a thread
  // that is gone, and none of their sections can still be running.
  rcu_reader &r = t_rcu_reader;
  // Writes only what changes: every page written here is copied for the
  // child, and fork() must stay cheap.
  uint32_t used = 0;
  const uint32_t high = g_slots_high.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < high; ++i) {
    if (&g_slots[i] == r.slot) {
      g_slots[i].owner.store(current_tid(), std::memory_order_relaxed);
      ++used;
      continue;
    }
    if (g_slots[i].owner.load(std::memory_order_relaxed) == 0) continue;
    g_slots[i].active.store(0, std::memory_order_relaxed);
    g_slots[i].owner.store(0, std::memory_order_relaxed);
  }
  g_slots_used.store(used, std::memory_order_relaxed);
  for (int phase = 0; phase < 2; ++phase) {
    const uint64_t mine = r.nesting && r.overflow == phase ? 1 : 0;
    if (g_overflow[phase].readers.load(std::memory_order_relaxed) != mine)
      g_overflow[phase].readers.store(mine, std::memory_order_relaxed);
  }
  // The parent's worker does not exist here; its queue held callbacks of
  // threads that do not exist either, or ones their owners re-queue.
  if (g_queue.load(std::memory_order_relaxed)) g_queue.store(nullptr, std::memory_order_relaxed);
  if (g_worker_state.load(std::memory_order_relaxed))
    g_worker_state.store(0, std::memory_order_relaxed);
  g_process_lock.reset();
  g_gp_lock.reset();
}

void rcu_init() {
  exit_key_ready();
#if !defined(__SANITIZE_THREAD__)
  const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
    g_rcu_membarrier.store(true, std::memory_order_seq_cst);
#endif
}

}  // namespace lockdep
