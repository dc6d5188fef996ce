// The rule history: a bounded in-memory store of the series that some rule selector can match,
// kept as far back as the rules need (the longest range plus the lookback), in compressed chunks
// (chunk.hpp). Sources (a collector's snapshot, the ingest cut) append a whole snapshot at their
// own collection time; a series missing from its source's next snapshot gets a staleness marker,
// as a Prometheus scrape gives it. Rules append what they record (and ALERTS) as Prometheus's rule
// manager writes them to its TSDB. Thread-safe: appends take an exclusive lock, queries a shared
// one, briefly (a Querier copies what it selects).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rules/history/chunk.hpp"
#include "rules/promql/storage.hpp"

namespace sonde::rules::history {

/// Which series the history keeps: those matching every matcher of at least one selector.
using Selectors = std::vector<std::vector<promql::Matcher>>;

/// One sample of a source's snapshot: the series text as the exposition writes it
/// (`name{a="1",b="x\"y"}`) and its value.
struct SourceSample {
  std::string_view series;
  double value = 0;
};

struct HistoryStats {
  std::size_t series = 0;
  std::size_t samples = 0;
  std::size_t bytes = 0;
  std::uint64_t series_refused = 0;  // new series beyond max_series
  std::uint64_t samples_out_of_order = 0;
  std::uint64_t series_unparsable = 0;  // series text that is not name{labels}
  /// The most the pass cache (decoded samples shared by the queries of one pass) has held.
  std::size_t decode_cache_peak_bytes = 0;
};

/// Bytes of decoded samples the pass cache may hold (beyond, queries decode for themselves).
inline constexpr std::size_t kDecodeCacheBytes = 32u << 20;
/// Samples in one block of the pass cache (64 KiB).
inline constexpr std::size_t kDecodeBlockPoints = 4096;
/// Passes the pass cache keeps its emptied blocks for when no pass uses them (the daemon steps
/// every second and a group evaluates every 15 s by default).
inline constexpr std::size_t kSpareBlockPasses = 16;

class History {
 public:
  explicit History(std::size_t max_series);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  /// What to keep. Series no selector matches any more are dropped; sources are re-examined.
  /// `reach_ms[i]`, when given: how far before its evaluation time selector i reads (range,
  /// offset, lookback); a query decodes a series from as far back as the selectors that match
  /// it read (else from the retention's start), so that the pass's other queries of the series
  /// find it decoded.
  void set_selectors(Selectors selectors, std::vector<std::int64_t> reach_ms = {});
  /// How far back to keep samples (the longest range plus the lookback).
  void set_retention(std::int64_t retention_ms);
  std::int64_t retention_ms() const;
  void set_max_series(std::size_t n);
  /// Labels added to every series a source appends, as a scrape attaches its target labels; a
  /// series that already has one keeps it as `exported_<name>` (Prometheus's honor_labels: false).
  void set_series_labels(promql::Labels labels);

  /// Appends one source's snapshot at `t_ms`: every kept series it has, and a staleness marker at
  /// `t_ms` for each of its series that its previous snapshot had and this one lacks.
  void append_source(std::string_view source, std::int64_t t_ms,
                     const std::vector<SourceSample>& samples);
  /// The source is gone (failed, removed): each of its series gets a staleness marker at `t_ms`.
  void source_gone(std::string_view source, std::int64_t t_ms);

  /// Appends a sample the rules produced (labels include __name__). Kept only when a selector
  /// matches it. Returns false when refused (max_series) or out of order.
  bool append(const promql::Labels& labels, std::int64_t t_ms, double v);

  /// Drops samples older than `now_ms` - retention, and series left with none. Ends a pass:
  /// the pass cache is emptied.
  void trim(std::int64_t now_ms);
  /// The pass cache's bound (kDecodeCacheBytes unless set; 0: no cache).
  void set_decode_cache_budget(std::size_t bytes);

  HistoryStats stats() const;

  /// A series' samples from `from_t` on, decoded; shared by the queries of a pass while the
  /// series is unchanged (the same last sample and closed chunks).
  struct Decoded {
    std::int64_t last_t = 0;
    std::size_t closed = 0;
    std::int64_t from_t = 0;
    promql::Labels labels;
    promql::Labels without_name;
    std::span<const promql::Point> points;  // in `store`
    std::shared_ptr<const std::vector<promql::Point>> store;
    std::size_t bytes() const;
  };

  /// A read-only view for the PromQL engine. What it selects stays valid however the history
  /// changes afterwards (it holds the decoded samples and copies of the labels); make one per
  /// rule evaluation so each sees the results written before it. Queries share decoded samples
  /// through the pass cache until the series changes or the pass ends (trim).
  class Querier final : public promql::Storage {
   public:
    explicit Querier(const History& h) : h_(h) {}
    std::vector<promql::SeriesView> select(const std::vector<promql::Matcher>& matchers,
                                           std::int64_t mint_ms,
                                           std::int64_t maxt_ms) const override;
    /// Each series' last sample in range: read from the open chunk without decoding when the
    /// range reaches the series' last sample.
    std::vector<promql::SeriesView> select_latest(const std::vector<promql::Matcher>& matchers,
                                                  std::int64_t mint_ms,
                                                  std::int64_t maxt_ms) const override;

   private:
    std::vector<promql::SeriesView> select_impl(const std::vector<promql::Matcher>& matchers,
                                                std::int64_t mint_ms, std::int64_t maxt_ms,
                                                bool latest) const;
    const History& h_;
    mutable std::vector<std::shared_ptr<const Decoded>> held_;
    // Last samples read without the cache, and their series' labels (each vector reserved
    // before it is filled, so views into it stay valid).
    mutable std::vector<std::vector<promql::Point>> points_;
    mutable std::vector<std::vector<promql::Labels>> labels_;
  };
  Querier querier() const { return Querier(*this); }

 private:
  struct Series;
  struct SourceEntry {
    std::uint64_t id = 0;  // 0: not kept (no selector matches, refused or unparsable)
    std::uint64_t seen = 0;
    bool refused = false;  // refused for max_series (counted once; tried again when room)
    // The series of `id` as found when no series had been removed more than `removals` times
    // (valid while removals_ is unchanged: no lookup by id per sample).
    Series* series = nullptr;
    std::uint64_t removals = 0;
  };
  /// Looks series texts up by string_view (no copy of the text per sample).
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Source {
    std::unordered_map<std::string, SourceEntry, TextHash, std::equal_to<>> series;  // by text
    std::uint64_t generation = 0;
  };

  Series* find_locked(std::uint64_t id);
  /// The series' id, created if new; 0 when refused for max_series (counted when `count`).
  std::uint64_t lookup_or_create_locked(const promql::Labels& labels, bool count);
  bool append_locked(Series& s, std::int64_t t_ms, double v);
  bool wanted(const promql::Labels& labels) const;
  /// The longest reach of the selectors matching `labels` (-1: none matches; the retention when
  /// the selectors came without reaches).
  std::int64_t reach_locked(const promql::Labels& labels) const;
  /// The series' samples from `from_t` on, from the pass cache or decoded (and cached when the
  /// budget allows). Under a shared lock of mu_ and cache_mu_.
  std::shared_ptr<const Decoded> decoded_locked(const Series& s, std::int64_t from_t) const;
  void clear_cache_locked() const;  // under cache_mu_
  void remove_locked(std::uint64_t id);
  promql::Labels with_series_labels(promql::Labels l) const;

  mutable std::shared_mutex mu_;
  std::size_t max_series_;
  std::int64_t retention_ms_ = 5 * 60 * 1000;
  Selectors selectors_;
  std::vector<std::int64_t> reach_ms_;  // by selector; empty: the retention
  // Selectors by the metric name they require (most have one), and those that name none: a
  // series is checked only against the selectors that can match its name.
  std::unordered_map<std::string, std::vector<std::size_t>> selectors_by_name_;
  std::vector<std::size_t> nameless_selectors_;
  promql::Labels series_labels_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Series>> by_id_;
  std::unordered_multimap<std::uint64_t, std::uint64_t> by_hash_;  // labels hash -> id
  std::unordered_map<std::string, std::vector<Series*>> by_name_;  // sorted by labels
  std::unordered_map<std::string, Source> sources_;
  std::uint64_t next_id_ = 1;
  std::uint64_t removals_ = 0;  // series removed so far
  std::size_t bytes_ = 0;       // kept up to date on every change
  std::uint64_t refused_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t unparsable_ = 0;
  // The pass cache (each entry in its series); taken after mu_. Removing a series empties it
  // (set_selectors and trim empty it first), so an address is never that of another series.
  mutable std::mutex cache_mu_;
  mutable std::vector<const Series*> cache_;  // the series whose `cached` is set
  // Where cached entries' samples go: filled up to its reserved capacity, never moved.
  mutable std::shared_ptr<std::vector<promql::Point>> block_;
  mutable std::vector<std::shared_ptr<std::vector<promql::Point>>> blocks_;  // this pass's
  mutable std::vector<std::shared_ptr<std::vector<promql::Point>>> spare_;   // empty, reusable
  mutable std::size_t spare_idle_ = 0;  // passes in a row that took no spare back
  mutable std::size_t cache_bytes_ = 0;
  mutable std::size_t cache_peak_ = 0;
  std::size_t cache_budget_ = kDecodeCacheBytes;
};

/// Parses series text as the exposition writes it (`name`, `name{a="1",b="x\"y"}`) into labels
/// with __name__; nullopt when it is not of that form.
std::optional<promql::Labels> parse_series_text(std::string_view text);

}  // namespace sonde::rules::history
