#include "remote/cutter.hpp"

#include <chrono>

namespace sonde::remote {

void Cutter::add_snapshot(Source& src, const core::Snapshot* snap, std::int64_t t_ms,
                          std::vector<Pending>& out, CutStats& stats) {
  const std::uint64_t gen = ++generation_;
  if (snap != nullptr) {
    for (const auto& f : snap->families) {
      metadata_[f.name] = Metadata{f.type, f.name, f.help, {}};
      for (const auto& s : f.samples) {
        auto [it, inserted] = src.series.try_emplace(s.series);
        auto& e = it->second;
        if (inserted) {
          if (auto l = labels_to_send(s.series, rules_, e.dropped)) {
            e.labels = std::make_shared<const Labels>(std::move(*l));
          }
        }
        e.seen = gen;
        if (e.labels) {
          out.push_back({e.labels, {t_ms, s.value}});
        } else {
          // Counted per sample, as Prometheus counts samples_dropped for relabelling.
          ++(e.dropped ? stats.dropped_by_relabel : stats.unparsable);
        }
      }
    }
  }
  for (auto it = src.series.begin(); it != src.series.end();) {
    if (it->second.seen == gen) {
      ++it;
      continue;
    }
    if (it->second.labels) out.push_back({it->second.labels, {t_ms, stale_nan()}});
    it = src.series.erase(it);
  }
}

void Cutter::cut(const core::Board& board, std::int64_t now_ms, std::vector<Pending>& out,
                 CutStats& stats) {
  const std::uint64_t cut_id = generation_ + 1;
  metadata_.clear();
  const auto to_ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  for (const auto& s : board.published()) {
    Source& src = sources_[s.name];
    src.seen = cut_id;
    if (src.attempts == s.attempts) continue;
    src.attempts = s.attempts;
    add_snapshot(src, s.snapshot.get(), to_ms(s.at), out, stats);
  }
  for (const auto& s : board.cut_live({})) {
    Source& src = sources_["live:" + s.name];
    src.seen = cut_id;
    add_snapshot(src, s.snapshot.get(), now_ms, out, stats);
  }
  // A source that left the board (a collector disabled by a reload): its series go stale.
  for (auto it = sources_.begin(); it != sources_.end();) {
    if (it->second.seen >= cut_id) {
      ++it;
      continue;
    }
    add_snapshot(it->second, nullptr, now_ms, out, stats);
    it = sources_.erase(it);
  }
}

std::vector<Metadata> Cutter::metadata() const {
  std::vector<Metadata> out;
  out.reserve(metadata_.size());
  for (const auto& [name, m] : metadata_) out.push_back(m);
  return out;
}

}  // namespace sonde::remote
