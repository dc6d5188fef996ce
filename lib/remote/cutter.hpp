// What remote write sends each interval, cut from the board: the samples of every published
// source that has made a new attempt since the last cut (at the attempt's time, so a sample
// carries the time its collector read it), of every live source (the ingest aggregator, self
// metrics: cut now, as a scrape would), and a staleness marker (StaleNaN) for each series that
// disappeared from its source, as Prometheus's scrape loop appends one. Timestamps only grow per
// series. Runs on the queue's thread; the board is only read.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/board.hpp"
#include "remote/labels.hpp"
#include "remote/write_request.hpp"

namespace sonde::remote {

struct Pending {
  std::shared_ptr<const Labels> labels;
  SamplePoint point;
};

struct CutStats {
  std::uint64_t dropped_by_relabel = 0;
  std::uint64_t unparsable = 0;
};

class Cutter {
 public:
  explicit Cutter(LabelRules rules) : rules_(std::move(rules)) {}

  /// Appends what is new since the last cut to `out`, in order.
  void cut(const core::Board& board, std::int64_t now_ms, std::vector<Pending>& out,
           CutStats& stats);

  /// The families of every source's latest snapshot (for metadata_config), by name.
  std::vector<Metadata> metadata() const;

 private:
  struct Source {
    std::uint64_t attempts = 0;
    std::uint64_t seen = 0;  // the cut that last saw this source
    struct Series {
      std::shared_ptr<const Labels> labels;  // null: dropped by relabelling, or unparsable
      bool dropped = false;
      std::uint64_t seen = 0;  // the snapshot that last had it
    };
    std::unordered_map<std::string, Series> series;  // by series text
    // Two texts can give one label set (`{a="",b="1"}` and `{b="1"}`, the label with an empty
    // value dropped): series share their interned labels, so one is sent once and never both
    // sent and marked stale.
    std::map<Labels, std::shared_ptr<const Labels>> interned;
    std::vector<Metadata> metadata;  // of its latest snapshot
  };
  void add_snapshot(Source& src, const core::Snapshot* snap, std::int64_t t_ms,
                    std::vector<Pending>& out, CutStats& stats);

  LabelRules rules_;
  std::map<std::string, Source> sources_;
  std::uint64_t generation_ = 0;
};

}  // namespace sonde::remote
