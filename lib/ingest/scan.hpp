// Byte scanning for the DogStatsD parser: the first of a few delimiter bytes in a range, eight
// bytes a step (SWAR: the bytes of a 64-bit word compared at once), never reading outside the
// line. A metric line is 20-100 bytes with 3-8 delimiters, so the step, not a call into
// memchr per field, is what the parser pays.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace sonde::ingest::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;

/// 0x80 in each byte of `w` that equals `c`, 0 in every other byte. Exact for every byte (the
/// shorter (x - 1) & ~x form can flag a byte above a match).
constexpr std::uint64_t bytes_equal(std::uint64_t w, char c) {
  const std::uint64_t x = w ^ (kOnes * static_cast<unsigned char>(c));
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

/// 0x80 in the lowest byte of `w` that equals one of Cs (and maybe in bytes above it); 0 when
/// none does. The lowest flag is exact, so it finds the first delimiter, in 4 operations a
/// byte value instead of bytes_equal's 6.
template <char... Cs>
constexpr std::uint64_t first_of(std::uint64_t w) {
  return ((((w ^ (kOnes * static_cast<unsigned char>(Cs))) - kOnes) &
           ~(w ^ (kOnes * static_cast<unsigned char>(Cs)))) |
          ...) &
         ~kLow7;
}

inline std::uint64_t load(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

/// The number of bytes flagged in a bytes_equal mask.
constexpr std::uint32_t flagged(std::uint64_t mask) {
  return static_cast<std::uint32_t>(((mask >> 7) * kOnes) >> 56);
}

inline constexpr bool kWords = std::endian::native == std::endian::little;

/// The first byte in [p, end) equal to one of Cs, or end. Bytes in [begin, p) may be read
/// (the last word of a line is loaded whole when the line holds 8 bytes), never matched.
template <char... Cs>
[[gnu::always_inline]] inline const char* find_first(const char* begin, const char* p,
                                                     const char* end) {
  if constexpr (kWords) {
    for (; end - p >= 8; p += 8) {
      if (const std::uint64_t m = first_of<Cs...>(load(p))) {
        return p + std::countr_zero(m) / 8;
      }
    }
    if (p == end) return end;
    if (end - begin >= 8) {
      // The last 8 bytes of the line, shifted so that the bytes before p drop out (before the
      // test: a match among them could flag the byte after it). Zero bytes come in on top.
      const auto before = static_cast<unsigned>(8 - (end - p));
      const std::uint64_t m = first_of<Cs...>(load(end - 8) >> (before * 8));
      return m ? p + std::countr_zero(m) / 8 : end;
    }
  }
  for (; p != end; ++p) {
    if (((*p == Cs) || ...)) return p;
  }
  return end;
}

/// The first byte in [p, end) equal to Stop, or end; adds to `count` the bytes equal to Counted
/// before it. `begin` as for find_first.
template <char Stop, char Counted>
[[gnu::always_inline]] inline const char* find_counting(const char* begin, const char* p,
                                                        const char* end, std::uint32_t& count) {
  if constexpr (kWords) {
    for (; end - p >= 8; p += 8) {
      const std::uint64_t w = load(p);
      const std::uint64_t stop = first_of<Stop>(w);
      const std::uint64_t counted = bytes_equal(w, Counted);
      if (stop) {
        count += flagged(counted & ((stop & (~stop + 1)) - 1));  // the bytes below the stop
        return p + std::countr_zero(stop) / 8;
      }
      count += flagged(counted);
    }
    if (p == end) return end;
    if (end - begin >= 8) {
      const auto before = static_cast<unsigned>(8 - (end - p));
      const std::uint64_t w = load(end - 8) >> (before * 8);
      const std::uint64_t stop = first_of<Stop>(w);
      const std::uint64_t counted = bytes_equal(w, Counted);  // none in the zero bytes
      if (stop) {
        count += flagged(counted & ((stop & (~stop + 1)) - 1));
        return p + std::countr_zero(stop) / 8;
      }
      count += flagged(counted);
      return end;
    }
  }
  for (; p != end; ++p) {
    if (*p == Stop) return p;
    count += *p == Counted ? 1 : 0;
  }
  return end;
}

}  // namespace sonde::ingest::scan
