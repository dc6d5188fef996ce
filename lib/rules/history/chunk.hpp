// Gorilla-style compressed chunks of (timestamp, value) samples, as Prometheus's TSDB head keeps
// them (the XOR encoding of tsdb/chunkenc, written anew): timestamps as delta-of-delta in
// variable-width buckets, values as the XOR with the previous value, storing only its meaningful
// bits. A regular series (steady interval, slowly moving value) costs one to a few bytes a sample
// instead of 16.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rules/promql/value.hpp"

namespace sonde::rules::history {

/// Samples in one chunk at most (Prometheus's head cuts chunks at 120 samples too).
inline constexpr std::uint16_t kChunkSamples = 120;

/// Bits appended MSB first to a byte vector.
class BitWriter {
 public:
  void bit(bool b);
  void bits(std::uint64_t v, int n);  // the low n bits of v, most significant first
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
  int free_ = 0;  // unused bits in bytes_.back()
};

/// An open chunk: samples are appended in time order.
class ChunkAppender {
 public:
  /// Appends a sample; `t_ms` must be greater than the last one's (the caller checks). Returns
  /// false when the chunk is full (kChunkSamples).
  bool append(std::int64_t t_ms, double v);
  std::uint16_t count() const { return count_; }
  std::int64_t min_t() const { return min_t_; }
  std::int64_t max_t() const { return t_; }
  /// The last sample's value (the chunk's count must not be 0).
  double last_value() const;
  /// The encoded bytes: a 2-byte big-endian sample count, then the bit stream.
  std::vector<std::uint8_t> bytes() const;
  /// Bytes the appender holds (capacity), for memory accounting.
  std::size_t memory_bytes() const { return w_.bytes().capacity() + sizeof(*this); }
  /// Releases spare capacity (when the chunk is closed).
  void shrink() { w_.bytes().shrink_to_fit(); }
  const std::vector<std::uint8_t>& stream() const { return w_.bytes(); }

 private:
  BitWriter w_;
  std::uint16_t count_ = 0;
  std::int64_t min_t_ = 0;
  std::int64_t t_ = 0;
  std::int64_t t_delta_ = 0;
  std::uint64_t v_bits_ = 0;
  std::uint8_t leading_ = 0xff;  // 0xff: no XOR window yet
  std::uint8_t trailing_ = 0;
};

/// Where a decoding of a chunk's stream stands after some sample: enough to go on from the next
/// sample without decoding the ones before it again (the stream only grows at its end).
struct DecodePoint {
  std::int64_t t = 0;  // the last decoded sample's
  std::int64_t delta = 0;
  std::uint64_t value_bits = 0;
  std::uint16_t bit = 0;     // the next sample's position in the stream
  std::uint8_t next = 0;     // the next sample's index; 0: nothing decoded (the chunk's start)
  std::int8_t leading = -1;  // the XOR window; -1: none yet
  std::uint8_t trailing = 0;
};

/// Decodes `count` samples from a bit stream written by ChunkAppender, appending those with
/// mint_ms <= t <= maxt_ms to `out` (decoding stops past maxt_ms). Bounds-checked: a truncated or
/// corrupt stream returns false (samples decoded before the fault stay in `out`), never reads
/// past the span. With `at`: decoding starts after the sample *at stands at (its `t` must be
/// before mint_ms; a default DecodePoint is the chunk's start), and *at is moved to the last
/// sample before mint_ms, where the next decoding of the same stream for a later mint_ms can
/// start.
bool decode(std::span<const std::uint8_t> stream, std::uint16_t count, std::int64_t mint_ms,
            std::int64_t maxt_ms, std::vector<promql::Point>& out, DecodePoint* at = nullptr);

/// Decodes a whole chunk as `ChunkAppender::bytes()` gives it (count header, then the stream).
bool decode_chunk(std::span<const std::uint8_t> bytes, std::vector<promql::Point>& out);

/// Over decoded points, sorted by time: std::lower_bound (`after` false: the first point at or
/// after t) or std::upper_bound (true: the first point after t) over [begin, end), searched from
/// the end in growing steps: queries read a series' recent end, and this touches the few cache
/// lines there instead of probing across all its samples (each probe of a binary search was a cache
/// miss).
inline const promql::Point* search_from_end(const promql::Point* begin, const promql::Point* end,
                                            std::int64_t t, bool after) {
  auto before = [&](const promql::Point& p) { return after ? p.t <= t : p.t < t; };
  const promql::Point* hi = end;  // every point of [hi, end) is at or after the answer
  std::size_t step = 1;
  while (hi > begin) {
    const promql::Point* probe = static_cast<std::size_t>(hi - begin) > step ? hi - step : begin;
    if (before(*probe)) {
      return std::partition_point(probe + 1, hi, before);
    }
    hi = probe;
    step *= 2;
  }
  return begin;
}

}  // namespace sonde::rules::history
