// The aggregator: DogStatsD lines in, live aggregation cells out, cut into a snapshot when a
// reader asks (it is a board live source).
//
// Hot path (a series already seen by this worker): parse in place, copy the raw name, type and
// tag bytes into the worker's preallocated key buffer, find the series in the worker's own hash
// map, update atomics. No allocation, no shared lock. First sight of a raw key takes the slow
// path: mapping, label canonicalization (tags sorted, so tag order does not matter), reserved
// names, type conflicts, cardinality limits, then registration under the registry mutex; the
// worker remembers the raw key as an alias of the series.
//
// Threads: each listener thread owns one Worker. collect() may run on any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/rate_limit.hpp"
#include "core/result.hpp"
#include "ingest/dogstatsd.hpp"
#include "ingest/mapper.hpp"
#include "ingest/options.hpp"
#include "ingest/origin.hpp"
#include "ingest/ptr_table.hpp"

namespace sonde::ingest {

/// Why a line was not accepted: the `reason` of sonde_ingest_dropped_total.
enum class DropReason : std::uint8_t {
  malformed,
  line_too_long,
  too_many_tags,
  negative_counter,
  type_conflict,
  reserved_name,
  cardinality_limit,
  mapping_drop,
  set_limit,
  truncated,       // the line cut off where a datagram over max_datagram_bytes was truncated
  frame_too_long,  // a length-prefixed frame announced over max_datagram_bytes
  overflow,        // a value scaled by its sample rate or mapping, or a sum, past float64's range
};
inline constexpr std::size_t kDropReasons = 12;
std::string_view reason_name(DropReason r);

/// The `result` of sonde_ingest_lines_total.
enum class LineResult : std::uint8_t { accepted, malformed, dropped };
LineResult result_of(DropReason r);

/// What a family aggregates (sets are gauges of distinct values).
enum class SeriesKind : std::uint8_t { counter, gauge, histogram, summary, set };

/// Tag problems that do not drop the line (sonde_ingest_tag_errors_total{reason}).
enum class TagError : std::uint8_t { no_value, empty_name, duplicate_label };
inline constexpr std::size_t kTagErrors = 3;

/// Why a DogStatsD `|c:` field gave no label (sonde_ingest_container_field_ignored_total).
enum class FieldIgnored : std::uint8_t { invalid, inode, overridden };
inline constexpr std::size_t kFieldIgnored = 3;

/// What a cacheable raw key (origin, name and the bytes after the values: type and fields;
/// MetricLine::plain_fields) says about every line that has it, beyond its series and sample
/// rate: a cache hit's answer in place of a parse.
struct KeyInfo {
  MetricKind kind = MetricKind::counter;
  std::uint8_t ignored = 0;  // 1 + the FieldIgnored its `|c:` field counts; 0: none
};

/// What Aggregator::apply needs of a metric line.
struct LineValues {
  std::string_view values;  // one or more, ':'-separated
  double first_value = 0;   // parsed (numeric kinds)
  double sample_rate = 1;
  MetricKind kind = MetricKind::counter;
  bool multi_value = false;
};

/// Counters of one listener (sonde_ingest_*{listener}).
struct ListenerStats {
  explicit ListenerStats(std::string n) : name(std::move(n)) {}
  const std::string name;
  std::array<std::atomic<std::uint64_t>, 3> lines{};  // by LineResult
  std::atomic<std::uint64_t> reads{0};  // datagrams received, or reads of a stream connection
  std::atomic<std::uint64_t> kernel_dropped{0};        // SO_RXQ_OVFL (udp)
  std::atomic<std::uint64_t> connections_rejected{0};  // beyond max_connections (unixstream)
  std::atomic<std::uint64_t> truncated_datagrams{0};   // over max_datagram_bytes (datagrams)
  std::atomic<std::uint64_t> truncated_bytes{0};       // the bytes cut off them
  bool reports_kernel_drops = false;
  bool reports_connections = false;
  OriginStats origin;  // unixgram, unixstream with origin detection
  bool reports_truncation = false;
  bool reports_origin = false;
};

class Aggregator;
class Series;
class SeriesRef;
struct FamilyState;

/// A listener thread's handle on the aggregator. Not thread-safe: one per thread.
class Worker {
 public:
  ListenerStats& stats() { return *stats_; }
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

 private:
  friend class Aggregator;
  /// The cache's values: a Series* (its raw() is the key) or, with the low bit set, a KeyAlias*
  /// (another tag order, or a series another worker registered under other bytes).
  struct CachedKey {
    std::size_t prefix = 0;  // 8: an origin id before the name
    std::uint64_t hash(std::uintptr_t v) const;
  };
  Worker(ListenerStats* stats, std::size_t key_capacity, std::size_t prefix);
  /// Forgets every cached key, releasing its series.
  void clear_cache();

  ListenerStats* stats_;
  const std::size_t prefix_;        // CachedKey::prefix
  std::unique_ptr<char[]> buffer_;  // sized once, 8 bytes of slack before key_ (raw_key.hpp)
  char* const key_;                 // where the slow path builds a line's key
  PtrTable<CachedKey> cache_;       // raw key -> series, one reference each
  std::int64_t now_ns_ = 0;         // steady clock, refreshed per batch (begin_batch)
  const Origin* origin_ = nullptr;  // the sender of the datagram being ingested, if known
  std::uint64_t epoch_ = 0;         // expiry epoch last swept at
  std::uint64_t accepted_ = 0;      // lines accepted in this payload, added to stats_ at its end
  ParsedLine parsed_;
};

class Aggregator {
 public:
  /// `mapper` may be empty (no mapping file).
  Aggregator(ingest::IngestOptions options, std::shared_ptr<const Mapper> mapper,
             const core::Clock& clock = core::SystemClock::instance());
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  /// The compiled mapping file this aggregator maps names with (null: none).
  const std::shared_ptr<const Mapper>& mapper() const { return mapper_; }

  /// The worker for the listener named `listener` (the label of sonde_ingest_lines_total),
  /// created on first use. The aggregator owns it; it lives as long as the aggregator. At most
  /// one thread may use a listener's worker at a time.
  Worker& worker(const std::string& listener);

  /// Feeds one datagram or stream chunk: lines split at '\n'; empty lines are skipped. Never
  /// throws. `origin` (origin detection: the sender's labels; null for none) must outlive the
  /// call.
  void ingest(Worker& w, std::string_view payload, const Origin* origin = nullptr) {
    begin_batch(w);
    ingest_payload(w, payload, origin);
    end_batch(w);
  }
  /// The same for a batch of datagrams (one recvmmsg): begin_batch() once, ingest_payload() for
  /// each, end_batch() once. The batch's lines share one clock reading, and the listener's
  /// accepted-lines counter is added to once a batch. Returns that reading (steady clock, ns).
  std::int64_t begin_batch(Worker& w);
  void ingest_payload(Worker& w, std::string_view payload, const Origin* origin = nullptr);
  void end_batch(Worker& w) {
    // One atomic add a batch, not one a line.
    if (w.accepted_ != 0) {
      w.stats_->lines[0].fetch_add(std::exchange(w.accepted_, 0), std::memory_order_relaxed);
    }
  }
  /// Counts (and logs, rate-limited) one line the listener could not hand over whole: an
  /// over-long stream line, the cut last line of a truncated datagram, an oversized or
  /// unfinished stream frame. `line` is what the log shows of it.
  void count_rejected(Worker& w, DropReason r, std::string_view line);

  /// On (the default): a line whose raw key is cached is looked up by its bytes around the
  /// value and only its value is parsed. Off: every line takes the full parse first (the same
  /// results; differential tests and fuzzing compare the two).
  void set_fast_path(bool on) { fast_path_ = on; }

  /// The live source: every family and sonde_ingest_* counters. Expires series past their TTL.
  void collect(core::SnapshotBuilder& out);

  std::size_t series_count() const;
  const core::Clock& clock() const { return clock_; }
  std::uint64_t dropped(DropReason r) const { return dropped_[static_cast<std::size_t>(r)]; }
  std::uint64_t tag_errors(TagError e) const { return tag_errors_[static_cast<std::size_t>(e)]; }
  std::uint64_t expired_total() const { return expired_total_; }
  std::uint64_t field_ignored(FieldIgnored r) const {
    return field_ignored_[static_cast<std::size_t>(r)];
  }

 private:
  /// A line the fast path did not take: the full parse.
  void ingest_line(Worker& w, std::string_view line);
  /// A line whose raw key the worker has cached, handled with no parse but its value's; false
  /// when it needs the full parse (not cached, expired, several values, anything unusual).
  bool fast_line(Worker& w, std::string_view line);
  void accept(Worker& w) { ++w.accepted_; }
  void reject(Worker& w, DropReason r, std::string_view line);
  /// `retry`: fast_line() applied the line to a series expired meanwhile; it was counted (its
  /// sign checked, its `|c:` field counted) already, so only register it again and apply.
  void metric_line(Worker& w, const MetricLine& m, std::string_view line, bool retry = false);
  void event_line(Worker& w, const EventLine& e, std::string_view line);
  void check_line(Worker& w, const ServiceCheckLine& c, std::string_view line);
  /// Applies the line to its series; the reason when it cannot (set_limit, overflow).
  std::optional<DropReason> apply(Worker& w, Series& s, const LineValues& m);
  /// apply() for every line but a plain counter increment.
  std::optional<DropReason> apply_other(Worker& w, Series& s, const LineValues& m);
  /// A series, or why the line that names it is dropped.
  using Admitted = core::Result<SeriesRef, DropReason>;
  /// The slow path of a raw key seen for the first time: mapping, name, labels, registration.
  /// `info`: what raw_key says, kept with a series registered under it.
  Admitted resolve(Worker& w, const MetricLine& m, std::string_view container,
                   std::string_view raw_key, KeyInfo info);
  Admitted register_series(const std::string& name, SeriesKind kind,
                           std::vector<std::pair<std::string, std::string>> labels,
                           const MappingRule* rule, bool internal, std::int64_t now_ns,
                           bool origin = false, std::string_view raw_key = {}, KeyInfo info = {});
  /// The container ID of a `|c:` field that applies to this sender (empty: none, or the
  /// kernel's answer wins); counts the fields it ignores.
  std::string_view container_field(const Worker& w, std::string_view field);
  /// The same without counting: `ignored` is 1 + the FieldIgnored to count, or 0.
  std::string_view container_field(const Worker& w, std::string_view field,
                                   std::uint8_t& ignored) const;
  void count_ignored(std::uint8_t ignored) {
    if (ignored != 0) field_ignored_[ignored - 1u]++;
  }
  /// Sets container_id / pod_uid from the sender's origin (or the `|c:` container), replacing
  /// labels of those names; true when it set one.
  bool add_origin_labels(std::vector<std::pair<std::string, std::string>>& labels, const Worker& w,
                         std::string_view container);
  std::vector<std::pair<std::string, std::string>> canonical_labels(std::string_view tags);
  void sweep(Worker& w);

  const ingest::IngestOptions options_;
  const std::shared_ptr<const Mapper> mapper_;
  const core::Clock& clock_;
  const ParseLimits limits_;
  bool fast_path_ = true;

  mutable std::mutex mu_;  // families_, names_, series_count_, workers_
  std::map<std::string, std::unique_ptr<FamilyState>, std::less<>> families_;
  std::unordered_map<std::string, FamilyState*> names_;  // every exposed name -> its family
  std::size_t series_count_ = 0;
  std::vector<std::unique_ptr<ListenerStats>> stats_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::atomic<std::uint64_t> epoch_{0};
  std::array<std::atomic<std::uint64_t>, kDropReasons> dropped_{};
  std::array<std::atomic<std::uint64_t>, kTagErrors> tag_errors_{};
  std::atomic<std::uint64_t> expired_total_{0};
  std::array<std::atomic<std::uint64_t>, kFieldIgnored> field_ignored_{};
  core::RateLimitedLog log_;
};

}  // namespace sonde::ingest
