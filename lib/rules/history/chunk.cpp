#include "rules/history/chunk.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sonde::rules::history {
namespace {

std::uint64_t double_bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double bits_double(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// Whether x fits the delta-of-delta bucket of n bits: -(2^(n-1) - 1) <= x <= 2^(n-1).
bool fits(std::int64_t x, int n) {
  const std::int64_t half = std::int64_t{1} << (n - 1);
  return x >= -(half - 1) && x <= half;
}

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> s) : p_(s.data()), size_(s.size()) {}
  std::size_t left() const { return size_ * 8 - pos_; }
  bool bit(bool& out) {
    if (pos_ >= size_ * 8) return false;
    out = (p_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return true;
  }
  bool bits(int n, std::uint64_t& out) {
    if (n < 0 || n > 64 || static_cast<std::size_t>(n) > left()) return false;
    if (n > 56) {  // the window holds 57 bits after any offset: two reads
      std::uint64_t hi = 0;
      std::uint64_t lo = 0;
      bits(n - 32, hi);
      bits(32, lo);
      out = (hi << 32) | lo;
      return true;
    }
    out = n == 0 ? 0 : window() >> (64 - n);
    pos_ += static_cast<std::size_t>(n);
    return true;
  }
  /// The next 64 bits, most significant first (zeros past the end; at least 57 of them are the
  /// stream's when that many are left), without consuming them.
  std::uint64_t window() const {
    const std::size_t byte = pos_ >> 3;
    std::uint64_t w = 0;
    if (byte + 8 <= size_) {
      std::memcpy(&w, p_ + byte, 8);
      if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
    } else {
      // Near the end: the bytes there are, left-aligned in the window.
      for (std::size_t i = 0; i < 8; ++i) w = (w << 8) | (byte + i < size_ ? p_[byte + i] : 0);
    }
    return w << (pos_ & 7);
  }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }
  /// A base-128 varint written 8 bits at a time (at most 10 groups).
  bool varint(std::uint64_t& out) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      std::uint64_t byte = 0;
      if (!bits(8, byte)) return false;
      if (shift == 63 && (byte & 0x7e) != 0) return false;  // overflows 64 bits
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        out = v;
        return true;
      }
    }
    return false;
  }

 private:
  const std::uint8_t* p_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

void write_varint(BitWriter& w, std::uint64_t v) {
  while (v >= 0x80) {
    w.bits((v & 0x7f) | 0x80, 8);
    v >>= 7;
  }
  w.bits(v, 8);
}

}  // namespace

namespace {

/// Grows a chunk's buffer by 32 bytes at a time rather than doubling: a chunk is at most about a
/// kilobyte, and a doubled buffer would waste up to half of it for the chunk's whole life.
void grow(std::vector<std::uint8_t>& v) {
  if (v.size() == v.capacity()) v.reserve(v.size() + 32);
  v.push_back(0);
}

}  // namespace

void BitWriter::bit(bool b) {
  if (free_ == 0) {
    grow(bytes_);
    free_ = 8;
  }
  --free_;
  if (b) bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (1u << free_));
}

void BitWriter::bits(std::uint64_t v, int n) {
  while (n > 0) {
    if (free_ == 0) {
      grow(bytes_);
      free_ = 8;
    }
    const int take = n < free_ ? n : free_;
    const std::uint64_t part = (v >> (n - take)) & ((std::uint64_t{1} << take) - 1);
    free_ -= take;
    bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (part << free_));
    n -= take;
  }
}

bool ChunkAppender::append(std::int64_t t_ms, double v) {
  if (count_ >= kChunkSamples) return false;
  const std::uint64_t vb = double_bits(v);
  if (count_ == 0) {
    write_varint(w_, zigzag(t_ms));
    w_.bits(vb, 64);
    min_t_ = t_ms;
  } else {
    if (count_ == 1) {
      t_delta_ = t_ms - t_;
      write_varint(w_, zigzag(t_delta_));
    } else {
      const std::int64_t delta = t_ms - t_;
      const std::int64_t dod = delta - t_delta_;
      if (dod == 0) {
        w_.bit(false);
      } else if (fits(dod, 14)) {
        w_.bits(0b10, 2);
        w_.bits(static_cast<std::uint64_t>(dod), 14);
      } else if (fits(dod, 17)) {
        w_.bits(0b110, 3);
        w_.bits(static_cast<std::uint64_t>(dod), 17);
      } else if (fits(dod, 20)) {
        w_.bits(0b1110, 4);
        w_.bits(static_cast<std::uint64_t>(dod), 20);
      } else {
        w_.bits(0b1111, 4);
        w_.bits(static_cast<std::uint64_t>(dod), 64);
      }
      t_delta_ = delta;
    }
    const std::uint64_t x = vb ^ v_bits_;
    if (x == 0) {
      w_.bit(false);
    } else {
      w_.bit(true);
      std::uint8_t lead = static_cast<std::uint8_t>(std::countl_zero(x));
      const std::uint8_t trail = static_cast<std::uint8_t>(std::countr_zero(x));
      if (lead >= 32) lead = 31;  // 5 bits
      if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
        w_.bit(false);
        w_.bits(x >> trailing_, 64 - leading_ - trailing_);
      } else {
        leading_ = lead;
        trailing_ = trail;
        w_.bit(true);
        w_.bits(lead, 5);
        const int sig = 64 - lead - trail;  // 1..64; 64 is written as 0
        w_.bits(static_cast<std::uint64_t>(sig & 63), 6);
        w_.bits(x >> trail, sig);
      }
    }
  }
  t_ = t_ms;
  v_bits_ = vb;
  ++count_;
  return true;
}

double ChunkAppender::last_value() const { return bits_double(v_bits_); }

std::vector<std::uint8_t> ChunkAppender::bytes() const {
  std::vector<std::uint8_t> out;
  out.reserve(2 + w_.bytes().size());
  out.push_back(static_cast<std::uint8_t>(count_ >> 8));
  out.push_back(static_cast<std::uint8_t>(count_ & 0xff));
  out.insert(out.end(), w_.bytes().begin(), w_.bytes().end());
  return out;
}

bool decode(std::span<const std::uint8_t> stream, std::uint16_t count, std::int64_t mint_ms,
            std::int64_t maxt_ms, std::vector<promql::Point>& out, DecodePoint* at) {
  BitReader r(stream);
  std::int64_t t = 0;
  std::int64_t delta = 0;
  std::uint64_t vb = 0;
  int leading = -1;
  int trailing = 0;
  std::uint32_t i = 0;
  if (at != nullptr && at->next > 0) {
    if (at->next > count || at->bit > r.left() || at->leading < -1 || at->leading > 31 ||
        at->trailing > 63) {
      return false;
    }
    t = at->t;
    delta = at->delta;
    vb = at->value_bits;
    leading = at->leading;
    trailing = at->trailing;
    i = at->next;
    r.skip(at->bit);
  }
  for (; i < count; ++i) {
    std::uint64_t u = 0;
    if (i == 0) {
      if (!r.varint(u)) return false;
      t = unzigzag(u);
      if (!r.bits(64, vb)) return false;
    } else {
      if (i == 1) {
        if (!r.varint(u)) return false;
        delta = unzigzag(u);
      } else {
        int ones = 0;
        if (r.left() >= 4) {
          // The bucket's prefix (0, 10, 110, 1110, 1111) read at once.
          ones = std::min(std::countl_one(r.window()), 4);
          r.skip(static_cast<std::size_t>(ones < 4 ? ones + 1 : 4));
        } else {
          while (ones < 4) {
            bool b = false;
            if (!r.bit(b)) return false;
            if (!b) break;
            ++ones;
          }
        }
        if (ones > 0) {
          static constexpr int kWidth[] = {0, 14, 17, 20, 64};
          const int n = kWidth[ones];
          if (!r.bits(n, u)) return false;
          std::int64_t dod = static_cast<std::int64_t>(u);
          if (n < 64 && u > (std::uint64_t{1} << (n - 1))) {
            dod = static_cast<std::int64_t>(u) - (std::int64_t{1} << n);
          }
          delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(delta) +
                                            static_cast<std::uint64_t>(dod));
        }
      }
      // Wrapping arithmetic: a corrupt stream gives wrong times, never undefined behaviour.
      t = static_cast<std::int64_t>(static_cast<std::uint64_t>(t) +
                                    static_cast<std::uint64_t>(delta));
      bool nonzero = false;
      if (!r.bit(nonzero)) return false;
      if (nonzero) {
        bool fresh = false;
        if (!r.bit(fresh)) return false;
        if (fresh) {
          std::uint64_t lead = 0;
          std::uint64_t sig = 0;
          if (!r.bits(5, lead) || !r.bits(6, sig)) return false;
          if (sig == 0) sig = 64;
          if (lead + sig > 64) return false;
          leading = static_cast<int>(lead);
          trailing = 64 - leading - static_cast<int>(sig);
        } else if (leading < 0) {
          return false;  // reuses a window that was never set
        }
        const int sig = 64 - leading - trailing;
        std::uint64_t x = 0;
        if (!r.bits(sig, x)) return false;
        vb ^= trailing >= 64 ? 0 : (x << trailing);
      }
    }
    if (t > maxt_ms) return true;
    if (t >= mint_ms) {
      out.push_back(promql::Point{t, bits_double(vb)});
    } else if (at != nullptr && r.pos() <= UINT16_MAX && i < UINT8_MAX) {
      *at = DecodePoint{t,
                        delta,
                        vb,
                        static_cast<std::uint16_t>(r.pos()),
                        static_cast<std::uint8_t>(i + 1),
                        static_cast<std::int8_t>(leading),
                        static_cast<std::uint8_t>(trailing)};
    }
  }
  return true;
}

bool decode_chunk(std::span<const std::uint8_t> bytes, std::vector<promql::Point>& out) {
  if (bytes.size() < 2) return false;
  const auto count = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
  if (count > kChunkSamples) return false;
  return decode(bytes.subspan(2), count, INT64_MIN, INT64_MAX, out);
}

}  // namespace sonde::rules::history
