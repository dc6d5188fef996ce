// Options of remote write (the `remote_write` list), with Prometheus 2.42's key names so that a
// pasted entry works, plus sonde's own `interval` and `buffer`. Plain structs compared with == on
// reload; lib/config fills them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/relabel.hpp"
#include "net/options.hpp"
#include "net/url.hpp"

namespace sonde::remote {

using Millis = std::chrono::milliseconds;

/// queue_config. sonde sends from one queue per entry (Prometheus's shards are accepted and
/// ignored: one sender keeps per-series order trivially and is fast enough, docs/performance.md).
struct QueueOptions {
  std::size_t capacity = 2500;  // samples held in memory per queue before the buffer is needed
  std::size_t max_samples_per_send = 500;
  Millis batch_send_deadline{5000};
  Millis min_backoff{30};
  Millis max_backoff{5000};
  bool retry_on_http_429 = false;
  bool operator==(const QueueOptions&) const = default;
};

/// metadata_config.
struct MetadataOptions {
  bool send = true;
  Millis send_interval{60'000};
  std::size_t max_samples_per_send = 500;
  bool operator==(const MetadataOptions&) const = default;
};

/// buffer: where batches wait until the receiver has them.
struct BufferOptions {
  std::filesystem::path directory;  // empty: remote-write/<name> in the state directory
  std::uint64_t max_bytes = 256ull << 20;
  Millis sync_interval{1000};
  bool operator==(const BufferOptions&) const = default;
};

struct RemoteWriteOptions {
  net::Url url;
  std::string name;         // unique; default: 6 hex digits of a hash of the URL
  net::ClientOptions http;  // remote_timeout is http.timeout; headers, auth, tls_config
  std::vector<core::RelabelConfig> write_relabel_configs;
  QueueOptions queue;
  MetadataOptions metadata;
  Millis interval{15'000};  // how often sonde's current series are sent
  BufferOptions buffer;
  bool operator==(const RemoteWriteOptions&) const = default;
};

using RemoteWriteList = std::vector<RemoteWriteOptions>;

}  // namespace sonde::remote
