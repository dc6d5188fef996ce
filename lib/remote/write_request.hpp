// Remote write 1.0's body as Prometheus 2.42 sends it: a prometheus.WriteRequest protobuf
// (prompb/remote.proto, types.proto) compressed with snappy's block format. The encoder is
// written by hand over the five messages it needs (WriteRequest, TimeSeries, Label, Sample,
// MetricMetadata): it writes the wire format straight into one reused buffer, omitting fields
// at their zero value as gogoproto's generated Marshal does, so the bytes equal Prometheus's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.hpp"

namespace sonde::remote {

/// Prometheus's StaleNaN (value.StaleNaN): the bit pattern that marks a series as gone.
inline constexpr std::uint64_t kStaleNanBits = 0x7ff0000000000002ull;
double stale_nan();
bool is_stale_nan(double v);

using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by name, no empty values

struct SamplePoint {
  std::int64_t timestamp_ms = 0;
  double value = 0;
};

struct SeriesView {
  const Labels* labels = nullptr;
  std::span<const SamplePoint> samples;  // in timestamp order
};

/// prompb.MetricMetadata.
struct Metadata {
  core::MetricType type = core::MetricType::untyped;
  std::string family;
  std::string help;
  std::string unit;
};

/// The MetricMetadata.MetricType number for a family type (untyped is UNKNOWN, 0).
int metadata_type(core::MetricType t);

/// Appends a serialized WriteRequest to `out` (cleared first).
void encode_write_request(std::span<const SeriesView> series, std::span<const Metadata> metadata,
                          std::string& out);

/// snappy's block format (what Content-Encoding: snappy means for remote write), into `out`.
void snappy_compress(std::string_view in, std::string& out);
/// The inverse, for tests and the buffer's replay; false when `in` is not valid snappy.
bool snappy_uncompress(std::string_view in, std::string& out);

}  // namespace sonde::remote
