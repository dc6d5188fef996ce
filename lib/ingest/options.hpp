// Options of the ingest module (DogStatsD listeners, mapping, aggregation). Plain structs with
// their embedded defaults; lib/config fills them from the `ingest` section. Header-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sonde::ingest {

/// How timers, histograms and distributions are exposed when no mapping says otherwise.
enum class ObserverType : std::uint8_t { histogram, summary };

/// Framing of a Unix stream connection: one line per '\n', or DogStatsD's 4-byte little-endian
/// length before each payload.
enum class StreamFraming : std::uint8_t { newline, length_prefixed };

struct UnixSocketOptions {
  /// Empty: `<runtime dir>/<default name>` (runtime dir: $RUNTIME_DIRECTORY, else
  /// $XDG_RUNTIME_DIR/sonde, else /tmp/sonde-$UID).
  std::filesystem::path path;
  std::uint32_t mode = 0660;  // permission bits of the socket file
  std::string group;          // empty: the process's group; else a group name or number
  bool operator==(const UnixSocketOptions&) const = default;
};

struct UnixgramOptions : UnixSocketOptions {
  bool enabled = true;
  bool operator==(const UnixgramOptions&) const = default;
};

struct UnixstreamOptions : UnixSocketOptions {
  bool enabled = false;
  StreamFraming framing = StreamFraming::newline;
  std::uint32_t max_connections = 64;
  bool operator==(const UnixstreamOptions&) const = default;
};

struct UdpOptions {
  bool enabled = false;
  std::string address = "127.0.0.1:8125";
  /// SO_RCVBUF asked for; the kernel caps it at net.core.rmem_max (a warning says so).
  std::uint32_t receive_buffer_bytes = 8u << 20;
  bool operator==(const UdpOptions&) const = default;
};

/// Prometheus' default buckets: request latencies in seconds.
inline const std::vector<double> kDefaultBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    10};
inline const std::vector<double> kDefaultQuantiles = {0.5, 0.9, 0.99};

struct IngestOptions {
  UnixgramOptions unixgram;
  UnixstreamOptions unixstream;
  UdpOptions udp;
  /// statsd_exporter-format mapping file; empty: none.
  std::filesystem::path mapping_file;

  std::uint32_t max_series = 200'000;
  std::uint32_t max_series_per_metric = 10'000;
  /// A series not updated for this long disappears; 0 keeps series forever.
  std::chrono::milliseconds ttl{0};
  ObserverType observer_type = ObserverType::histogram;
  std::vector<double> histogram_buckets = kDefaultBuckets;
  std::vector<double> summary_quantiles = kDefaultQuantiles;
  std::chrono::milliseconds summary_max_age{10 * 60 * 1000};
  /// Observations a summary keeps in its window; the oldest go first beyond it.
  std::uint32_t summary_max_samples = 10'000;
  std::chrono::milliseconds set_window{60'000};
  /// Distinct values one set series remembers; more are dropped (`set_limit`).
  std::uint32_t max_set_values = 10'000;

  std::uint32_t max_line_bytes = 16384;      // longer lines: line_too_long
  std::uint32_t max_datagram_bytes = 65536;  // receive buffer per datagram
  std::uint32_t max_tags = 64;               // tags per line; more: too_many_tags
  std::uint32_t batch_size = 32;             // datagrams per recvmmsg

  /// Origin detection on the Unix sockets: the sender's pid from the kernel (SCM_CREDENTIALS,
  /// SO_PEERCRED), its cgroup path from <procfs>/<pid>/cgroup, and the labels `container_id` and
  /// `pod_uid` on its series. Also honours DogStatsD's `|c:<container-id>` field.
  bool origin_detection = false;
  /// A series with origin labels whose TTL would otherwise be 0 (forever) gets this one, so
  /// container churn does not fill max_series; 0 keeps them.
  std::chrono::milliseconds origin_ttl{5 * 60 * 1000};
  /// Processes one listener remembers (pid, start time -> labels); beyond it the entry checked
  /// longest ago is evicted and sonde_ingest_origin_cache_evictions_total counts it.
  std::uint32_t origin_cache_size = 4096;
  /// How long a remembered process's labels are trusted before its cgroup is read again.
  std::chrono::milliseconds origin_cache_ttl{60'000};
  bool operator==(const IngestOptions&) const = default;
};

}  // namespace sonde::ingest
