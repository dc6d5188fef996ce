// The aggregator's per-series indexes (a worker's raw keys, a family's series): open-addressing
// hash tables of pointers, 8 bytes a slot (the pointer's 48 bits, 16 bits of its key's hash
// above them) at up to 80% load, linear probing, backward-shift deletion, no stored hashes (a
// key's hash is computed again when the table grows or shifts). What the pointers point to
// belongs to the caller. An std::unordered_map node costs 48-80 bytes a series; a slot here
// costs 10-20.
#pragma once

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

// GCC says __SANITIZE_ADDRESS__ under -fsanitize=address; clang answers __has_feature.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SONDE_PTR_TABLE_ASAN 1
#endif
#endif
#ifndef SONDE_PTR_TABLE_ASAN
#define SONDE_PTR_TABLE_ASAN 0
#endif

namespace sonde::ingest {

/// A 64-bit hash of bytes: MurmurHash64A's mixing, 8 bytes a step (the keys are 20-100 bytes;
/// std::hash's modulo by a prime and byte-wise tail cost more than the hash itself).
inline std::uint64_t hash_bytes(std::string_view s) {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  std::uint64_t h = 0x8445d61a4e774912ULL ^ (s.size() * m);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t k;
    std::memcpy(&k, p, 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  if (n > 0) {
    // The last n bytes as a little-endian word, as memcpy(&k, p, n) gives them: from the word
    // that ends the key when it holds 8 bytes (no variable-length memcpy call on the hot path).
    std::uint64_t k = 0;
    if (std::endian::native == std::endian::little && s.size() >= 8) {
      std::memcpy(&k, p + n - 8, 8);
      k >>= 8 * (8 - n);
    } else {
      std::memcpy(&k, p, n);
    }
    h ^= k;
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

/// `traits.hash(std::uintptr_t value)` gives a stored value's key hash (the hash the caller
/// finds and inserts it with); a Traits may carry state (how its keys are laid out). Values are
/// non-zero and below 2^48 (user-space pointers; their low bits are the caller's). Not
/// thread-safe.
template <class Traits>
class PtrTable {
 public:
  PtrTable() = default;
  explicit PtrTable(Traits traits) : traits_(traits) {}

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// The value whose key has `hash` and for which match(value) is true; 0 when none.
  template <class Match>
  [[gnu::always_inline]] std::uintptr_t find(std::uint64_t hash, Match&& match) const {
    if (slots_.empty()) return 0;
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t tag = hash & kTagMask;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint64_t s = slots_[i];
      if (s == 0) return 0;
      if ((s & kTagMask) == tag && match(s & kValueMask)) return s & kValueMask;
    }
  }

  /// Adds `value` (whose key hashes to `hash`; not in the table yet).
  void insert(std::uint64_t hash, std::uintptr_t value) {
    assert(value != 0 && (value & kTagMask) == 0);
    if ((size_ + 1) * 5 > slots_.size() * 4) grow();
    place(hash, value);
    ++size_;
  }

  /// Removes `value` (whose key hashes to `hash`); false when it is not in the table.
  bool erase(std::uint64_t hash, std::uintptr_t value) {
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    for (;; i = (i + 1) & mask) {
      const std::uint64_t s = slots_[i];
      if (s == 0) return false;
      if ((s & kValueMask) == value) break;
    }
    // Backward shift: pull later entries of the probe run into the hole when their home slot
    // allows it, so that no lookup stops early at an empty slot.
    for (std::size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
      const std::uint64_t s = slots_[j];
      if (s == 0) break;
      const std::size_t home = traits_.hash(s & kValueMask) & mask;
      // Movable when its home is not in (i, j] (cyclically).
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots_[i] = s;
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
    return true;
  }

  /// Calls f(value) for each value, in slot order.
  template <class F>
  void for_each(F&& f) const {
    for (const std::uint64_t s : slots_) {
      if (s != 0) f(static_cast<std::uintptr_t>(s & kValueMask));
    }
  }

  /// Removes every value; the caller has released what they point to.
  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
  }

 private:
#if defined(__SANITIZE_ADDRESS__) || SONDE_PTR_TABLE_ASAN
  // LeakSanitizer finds live objects by scanning for their addresses; a slot with hash bits
  // above the pointer is no address, so under ASan the slots hold bare pointers (every probe
  // then asks match(); the table's behaviour is the same).
  static constexpr std::uint64_t kTagMask = 0;
#else
  static constexpr std::uint64_t kTagMask = 0xffffULL << 48;
#endif
  static constexpr std::uint64_t kValueMask = ~kTagMask;

  void place(std::uint64_t hash, std::uintptr_t value) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (hash & kTagMask) | value;
  }

  void grow() {
    std::vector<std::uint64_t> old(slots_.empty() ? 16 : slots_.size() * 2, 0);
    old.swap(slots_);
    for (const std::uint64_t s : old) {
      if (s != 0) place(traits_.hash(s & kValueMask), s & kValueMask);
    }
  }

  [[no_unique_address]] Traits traits_{};
  std::vector<std::uint64_t> slots_;  // size 0 or a power of two
  std::size_t size_ = 0;
};

}  // namespace sonde::ingest
