#include "remote/write_request.hpp"

#include <snappy.h>

#include <bit>
#include <cstring>

namespace sonde::remote {
namespace {

// Wire types (protobuf encoding): varint, 64-bit, length-delimited.
constexpr unsigned kVarint = 0, kFixed64 = 1, kBytes = 2;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_tag(std::string& out, unsigned field, unsigned wire) {
  put_varint(out, field << 3 | wire);
}

/// A string field, omitted when empty (proto3).
void put_string(std::string& out, unsigned field, std::string_view s) {
  if (s.empty()) return;
  put_tag(out, field, kBytes);
  put_varint(out, s.size());
  out.append(s);
}

std::size_t string_size(std::string_view s) {
  return s.empty() ? 0 : 1 + varint_size(s.size()) + s.size();
}

std::size_t label_size(const std::pair<std::string, std::string>& l) {
  return string_size(l.first) + string_size(l.second);
}

std::size_t sample_size(const SamplePoint& s) {
  std::size_t n = 0;
  if (s.value != 0) n += 9;
  if (s.timestamp_ms != 0) n += 1 + varint_size(static_cast<std::uint64_t>(s.timestamp_ms));
  return n;
}

}  // namespace

double stale_nan() { return std::bit_cast<double>(kStaleNanBits); }
bool is_stale_nan(double v) { return std::bit_cast<std::uint64_t>(v) == kStaleNanBits; }

int metadata_type(core::MetricType t) {
  switch (t) {
    case core::MetricType::counter:
      return 1;
    case core::MetricType::gauge:
      return 2;
    case core::MetricType::histogram:
      return 3;
    case core::MetricType::summary:
      return 5;
    case core::MetricType::untyped:
      return 0;
  }
  return 0;
}

void encode_write_request(std::span<const SeriesView> series, std::span<const Metadata> metadata,
                          std::string& out) {
  out.clear();
  for (const auto& s : series) {
    std::size_t body = 0;
    for (const auto& l : *s.labels) {
      const std::size_t n = label_size(l);
      body += 1 + varint_size(n) + n;
    }
    for (const auto& p : s.samples) {
      const std::size_t n = sample_size(p);
      body += 1 + varint_size(n) + n;
    }
    put_tag(out, 1, kBytes);  // WriteRequest.timeseries
    put_varint(out, body);
    for (const auto& l : *s.labels) {
      put_tag(out, 1, kBytes);  // TimeSeries.labels
      put_varint(out, label_size(l));
      put_string(out, 1, l.first);
      put_string(out, 2, l.second);
    }
    for (const auto& p : s.samples) {
      put_tag(out, 2, kBytes);  // TimeSeries.samples
      put_varint(out, sample_size(p));
      if (p.value != 0) {
        put_tag(out, 1, kFixed64);
        const auto bits = std::bit_cast<std::uint64_t>(p.value);
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
      }
      if (p.timestamp_ms != 0) {
        put_tag(out, 2, kVarint);
        put_varint(out, static_cast<std::uint64_t>(p.timestamp_ms));
      }
    }
  }
  for (const auto& m : metadata) {
    const int type = metadata_type(m.type);
    const std::size_t body =
        (type != 0 ? 2 : 0) + string_size(m.family) + string_size(m.help) + string_size(m.unit);
    put_tag(out, 3, kBytes);  // WriteRequest.metadata
    put_varint(out, body);
    if (type != 0) {
      put_tag(out, 1, kVarint);
      put_varint(out, static_cast<std::uint64_t>(type));
    }
    put_string(out, 2, m.family);
    put_string(out, 4, m.help);
    put_string(out, 5, m.unit);
  }
}

void snappy_compress(std::string_view in, std::string& out) {
  out.clear();
  snappy::Compress(in.data(), in.size(), &out);
}

bool snappy_uncompress(std::string_view in, std::string& out) {
  out.clear();
  return snappy::Uncompress(in.data(), in.size(), &out);
}

}  // namespace sonde::remote
