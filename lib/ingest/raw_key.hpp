// The worker cache's raw keys: [the origin's id, 8 bytes, with origin detection][the name][the
// rest, from the first '|' on]. A metric line `name:VALUE|rest` is hashed and compared where its
// name and rest lie in the line, around the value, with no copy; a key held in the cache is
// hashed as the same two pieces (split at its first '|' after the id), so both give one hash.
// Little-endian machines read a piece's last bytes as one word; others copy them.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ingest/scan.hpp"

namespace sonde::ingest::rawkey {

inline constexpr bool kLittle = std::endian::native == std::endian::little;
inline constexpr std::uint64_t kSeed = 0x8445d61a4e774912ULL;
inline constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;

/// One step, three instructions: xor, multiply by an odd constant, rotate (so the product's
/// high bits, where the word's bits end up, feed the next multiply's low ones).
inline std::uint64_t mix(std::uint64_t h, std::uint64_t k) { return std::rotl((h ^ k) * kMul, 31); }

/// The last step: MurmurHash3's fmix64, so that every bit reaches the table's index (low bits)
/// and its tag (high bits).
inline std::uint64_t finish(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

/// The n (1..7) bytes that end at `end`, as memcpy into a zeroed word gives them. Reads the 8
/// bytes before `end`.
inline std::uint64_t bytes_before(const char* end, std::size_t n) {
  if constexpr (kLittle) return scan::load(end - 8) >> (64 - 8 * n);
  std::uint64_t k = 0;
  std::memcpy(&k, end - n, n);
  return k;
}

/// The n (1..7) bytes at p, likewise. Reads the 8 bytes from p.
inline std::uint64_t bytes_at(const char* p, std::size_t n) {
  if constexpr (kLittle) return scan::load(p) & ((std::uint64_t{1} << (8 * n)) - 1);
  std::uint64_t k = 0;
  std::memcpy(&k, p, n);
  return k;
}

/// Mixes n bytes at p into h, 8 a step; the last n % 8 as one word read back from the end.
inline std::uint64_t mix_piece(std::uint64_t h, const char* p, std::size_t n) {
  const char* const end = p + n;
  for (; n >= 8; n -= 8, p += 8) h = mix(h, scan::load(p));
  return n ? mix(h, bytes_before(end, n)) : h;
}

/// The hash of a raw key; `prefix` is 8 (an origin id first) or 0. The 8 bytes before
/// key.data() must be readable (a Series' text, a KeyAlias' header, the worker buffer's slack).
inline std::uint64_t hash(std::string_view key, std::size_t prefix) {
  const char* p = key.data();
  const char* const end = p + key.size();
  std::uint64_t h = kSeed ^ key.size();
  if (prefix != 0) {
    h = mix(h, scan::load(p));
    p += prefix;
  }
  const char* const bar = scan::find_first<'|'>(key.data(), p, end);
  h = mix_piece(h, p, static_cast<std::size_t>(bar - p));
  h = mix_piece(h, bar, static_cast<std::size_t>(end - bar));
  return finish(h);
}

/// A metric line's key in place: the line [begin, end) is at least 8 bytes, the name is
/// [begin, name_end) (no '|' in it), the rest [rest, end) begins with '|'; `id` the origin's id,
/// or null without origin detection.
struct LineKey {
  const std::uint64_t* id;
  const char* begin;
  const char* name_end;
  const char* rest;
  const char* end;

  std::size_t size() const {
    return (id ? 8 : 0) + static_cast<std::size_t>(name_end - begin) +
           static_cast<std::size_t>(end - rest);
  }

  /// hash(the key these pieces make, id ? 8 : 0).
  std::uint64_t hash() const {
    std::uint64_t h = kSeed ^ size();
    if (id) h = mix(h, *id);
    const auto name = static_cast<std::size_t>(name_end - begin);
    if (name >= 8) {
      h = mix_piece(h, begin, name);
    } else {
      h = mix(h, bytes_at(begin, name));  // the line holds 8 bytes from begin
    }
    return finish(mix_piece(h, rest, static_cast<std::size_t>(end - rest)));
  }

  /// True when `key` (of size(); the 8 bytes before it readable) is this key.
  bool equals(std::string_view key) const {
    const char* q = key.data();
    if (id) {
      if (scan::load(q) != *id) return false;
      q += 8;
    }
    const auto name = static_cast<std::size_t>(name_end - begin);
    if (name >= 8 ? !same(q, begin, name) : bytes_before(q + name, name) != bytes_at(begin, name)) {
      return false;
    }
    q += name;
    const auto n = static_cast<std::size_t>(end - rest);
    return n >= 8 ? same(q, rest, n) : bytes_before(q + n, n) == bytes_before(end, n);
  }

  /// n (>= 8) bytes at a and b are equal: 8 a step, the last word overlapping.
  static bool same(const char* a, const char* b, std::size_t n) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (scan::load(a + i) != scan::load(b + i)) return false;
    }
    return scan::load(a + n - 8) == scan::load(b + n - 8);
  }
};

}  // namespace sonde::ingest::rawkey
