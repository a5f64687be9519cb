// Fixed-size bitmap in static storage, for the free and pending slot sets.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace lockdep {

template <uint32_t Bits>
class static_bitmap {
  static constexpr uint32_t kWords = (Bits + 63) / 64;

 public:
  static constexpr uint32_t npos = UINT32_MAX;

  void set(uint32_t i) { words_[i / 64] |= uint64_t{1} << (i % 64); }
  void clear(uint32_t i) { words_[i / 64] &= ~(uint64_t{1} << (i % 64)); }
  bool test(uint32_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }

  void set_first(uint32_t n) {  // bits [0, n)
    for (uint32_t w = 0; w < n / 64; ++w) words_[w] = ~uint64_t{0};
    if (n % 64) words_[n / 64] |= (uint64_t{1} << (n % 64)) - 1;
  }
  void clear_all() {
    for (auto &w : words_) w = 0;
  }

  // First set bit at or after `from`, wrapping around; npos when empty.
  uint32_t find_next_set(uint32_t from) const {
    if (from >= Bits) from = 0;
    for (uint32_t n = 0, w = from / 64; n <= kWords; ++n, w = (w + 1) % kWords) {
      uint64_t bits = words_[w];
      if (n == 0) bits &= ~uint64_t{0} << (from % 64);
      if (bits) return w * 64 + static_cast<uint32_t>(std::countr_zero(bits));
    }
    return npos;
  }

  // Lowest set bit; npos when empty.
  uint32_t find_first_set() const {
    for (uint32_t w = 0; w < kWords; ++w)
      if (words_[w]) return w * 64 + static_cast<uint32_t>(std::countr_zero(words_[w]));
    return npos;
  }

  // this |= other; other = 0. Returns how many bits moved.
  uint32_t move_from(static_bitmap &other) {
    uint32_t moved = 0;
    for (uint32_t w = 0; w < kWords; ++w) {
      if (!other.words_[w]) continue;
      moved += static_cast<uint32_t>(std::popcount(other.words_[w] & ~words_[w]));
      words_[w] |= other.words_[w];
      other.words_[w] = 0;
    }
    return moved;
  }

  uint32_t count() const {
    uint32_t n = 0;
    for (auto w : words_) n += static_cast<uint32_t>(std::popcount(w));
    return n;
  }

  template <class F>
  void for_each_set(F &&f) const {
    for (uint32_t w = 0; w < kWords; ++w)
      for (uint64_t bits = words_[w]; bits; bits &= bits - 1)
        f(w * 64 + static_cast<uint32_t>(std::countr_zero(bits)));
  }

 private:
  uint64_t words_[kWords];
};

}  // namespace lockdep
