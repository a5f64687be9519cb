// Where per-thread states live: blocks carved from mmap'd batches, handed to
// threads on first use and taken back at thread exit through a lock-free
// free list. Nothing here calls the host's allocator, and nothing is ever
// unmapped (a block stays a block), so a pop that races with reuse reads
// mapped memory and fails its compare-and-swap.
#include "core/thread_state.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace lockdep {

constinit thread_local thread_state *t_state __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

constexpr size_t kPage = 4096;

struct state_block {
  std::atomic<uintptr_t> next_free;  // free list link
  unsigned exit_rounds;              // thread-exit destructor calls so far
  thread_state state;
};

// A block: a guard page, the side stack (growing down into the guard), then
// the state. Consecutive blocks make two mappings each (guard, the rest).
constexpr size_t kSideStack = 32 * 1024;
constexpr size_t kStateBytes = (sizeof(state_block) + kPage - 1) / kPage * kPage;
constexpr size_t kBlockSize = kPage + kSideStack + kStateBytes;
constexpr size_t kBlocksPerBatch = 16;
// At thread exit the state's pages past this offset are given back to the
// kernel: a block keeps resident only what a thread that holds few locks
// uses.
constexpr size_t kKeptResident = 2 * kPage;

// Free list head: a block address in the low 48 bits, an ABA tag above.
std::atomic<uint64_t> g_free_head;
constexpr uint64_t kPtrMask = (uint64_t{1} << 48) - 1;

state_block *block_of(uint64_t head) { return reinterpret_cast<state_block *>(head & kPtrMask); }
uint64_t with_tag(const state_block *b, uint64_t old_head) {
  return reinterpret_cast<uintptr_t>(b) | ((old_head & ~kPtrMask) + (kPtrMask + 1));
}

void push_free(state_block *b) {
  uint64_t head = g_free_head.load(std::memory_order_relaxed);
  do {
    b->next_free.store(reinterpret_cast<uintptr_t>(block_of(head)), std::memory_order_relaxed);
  } while (!g_free_head.compare_exchange_weak(head, with_tag(b, head), std::memory_order_release,
                                              std::memory_order_relaxed));
}

state_block *pop_free() {
  uint64_t head = g_free_head.load(std::memory_order_acquire);
  while (state_block *b = block_of(head)) {
    const auto next = reinterpret_cast<state_block *>(b->next_free.load(std::memory_order_relaxed));
    if (g_free_head.compare_exchange_weak(head, with_tag(next, head), std::memory_order_acquire,
                                          std::memory_order_acquire))
      return b;
  }
  return nullptr;
}

state_block *new_block() {
  if (state_block *b = pop_free()) return b;
  void *mem = mmap(nullptr, kBlockSize * kBlocksPerBatch, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto *base = static_cast<unsigned char *>(mem);
  auto block_at = [&](size_t i) {
    unsigned char *b = base + i * kBlockSize;
    mprotect(b, kPage, PROT_NONE);  // a side stack overflow faults
    return reinterpret_cast<state_block *>(b + kPage + kSideStack);
  };
  for (size_t i = 1; i < kBlocksPerBatch; ++i) push_free(block_at(i));
  return block_at(0);
}

// A thread the kernel would not give a block to is never checked: every
// validator_entry on it is inactive, and its held stack stays empty.
// Built with pthread_once, not a function-local static: C++'s guarded
// statics need libstdc++ (__cxa_guard_*), which liblockdep.so must not
// load into every program.
alignas(thread_state) unsigned char g_unchecked_storage[sizeof(thread_state)];
pthread_once_t g_unchecked_once = PTHREAD_ONCE_INIT;

void build_unchecked_state() { (new (g_unchecked_storage) thread_state())->recursion = 1; }

thread_state *unchecked_state() {
  pthread_once(&g_unchecked_once, build_unchecked_state);
  return std::launder(reinterpret_cast<thread_state *>(g_unchecked_storage));
}

pthread_key_t g_exit_key;
pthread_once_t g_exit_key_once = PTHREAD_ONCE_INIT;

void release_block(void *p) {
  auto *b = static_cast<state_block *>(p);
  // Every other key's destructor of this round (the preload layer's exit
  // check among them) may still look at the held stack: go round once more.
  if (b->exit_rounds++ == 0) {
    pthread_setspecific(g_exit_key, b);
    return;
  }
  if (t_state == &b->state) t_state = nullptr;  // a later use attaches afresh
  const bool side_stack_used = b->state.side_stack_used;
  b->state.~thread_state();
  auto *mem = reinterpret_cast<unsigned char *>(b);
  madvise(mem + kKeptResident, kStateBytes - kKeptResident, MADV_DONTNEED);
  if (side_stack_used) madvise(mem - kSideStack, kSideStack, MADV_DONTNEED);
  push_free(b);
}

void create_exit_key() { pthread_key_create(&g_exit_key, release_block); }

__attribute__((constructor(101))) void early_exit_key() {
  pthread_once(&g_exit_key_once, create_exit_key);
}

}  // namespace

thread_state *attach_thread_state() {
  pthread_once(&g_exit_key_once, create_exit_key);
  state_block *b = new_block();
  if (!b) return t_state = unchecked_state();
  b->exit_rounds = 0;
  thread_state *t = new (&b->state) thread_state;
  // A reused block's steps are still true, but the new thread must take
  // the full path first (its exit check gets armed there).
  __builtin_memset(t->fast, 0, sizeof t->fast);
  t->side_stack_top = reinterpret_cast<uintptr_t>(b);
  // Published before pthread_setspecific(), which may allocate (for a key
  // past the first 32): a lock taken in the allocator finds the state.
  t_state = t;
  pthread_setspecific(g_exit_key, b);
  return t;
}

#if defined(__x86_64__)
// The frame pointer keeps the caller's stack pointer, and the CFI says so:
// unwinding (for the stacks that reports and dependencies record) goes on
// from the side stack into the caller's frames.
extern "C" void lockdep_call_on_stack_asm(void (*fn)(void *), void *arg, uintptr_t top);
asm(R"(
  .text
  .p2align 4
  .globl lockdep_call_on_stack_asm
  .hidden lockdep_call_on_stack_asm
  .type lockdep_call_on_stack_asm, @function
lockdep_call_on_stack_asm:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  movq %rdx, %rsp
  movq %rdi, %rax
  movq %rsi, %rdi
  callq *%rax
  movq %rbp, %rsp
  .cfi_def_cfa_register %rsp
  popq %rbp
  .cfi_restore %rbp
  .cfi_def_cfa_offset 8
  ret
  .cfi_endproc
  .size lockdep_call_on_stack_asm, .-lockdep_call_on_stack_asm
)");
#endif

#if defined(__SANITIZE_ADDRESS__)
namespace {
// AddressSanitizer must know which stack a thread is on.
struct switch_state {
  void (*fn)(void *);
  void *arg;
  const void *from_bottom;
  size_t from_size;
};
void asan_thunk(void *p) {
  auto *s = static_cast<switch_state *>(p);
  __sanitizer_finish_switch_fiber(nullptr, &s->from_bottom, &s->from_size);
  s->fn(s->arg);
  __sanitizer_start_switch_fiber(nullptr, s->from_bottom, s->from_size);
}
}  // namespace
#endif

void call_on_stack(void (*fn)(void *), void *arg, uintptr_t top) {
#if defined(__x86_64__) && defined(__SANITIZE_ADDRESS__)
  switch_state s{fn, arg, nullptr, 0};
  void *fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, reinterpret_cast<void *>(top - kSideStack), kSideStack);
  lockdep_call_on_stack_asm(asan_thunk, &s, top);
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#elif defined(__x86_64__)
  lockdep_call_on_stack_asm(fn, arg, top);
#else
  (void)top;
  fn(arg);
#endif
}

}  // namespace lockdep
