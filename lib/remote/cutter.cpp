#include "remote/cutter.hpp"

#include <chrono>

namespace sonde::remote {

void Cutter::add_snapshot(Source& src, const core::Snapshot* snap, std::int64_t t_ms,
                          std::vector<Pending>& out, CutStats& stats) {
  const std::uint64_t gen = ++generation_;
  std::unordered_set<const Labels*> sent;
  src.metadata.clear();
  if (snap != nullptr) {
    for (const auto& f : snap->families) {
      src.metadata.push_back(Metadata{f.type, f.name, f.help, {}});
      for (const auto& s : f.samples) {
        auto [it, inserted] = src.series.try_emplace(s.series);
        auto& e = it->second;
        if (inserted) {
          if (auto l = labels_to_send(s.series, rules_, e.dropped)) {
            auto& shared = src.interned[*l];
            if (!shared) shared = std::make_shared<const Labels>(std::move(*l));
            e.labels = shared;
          }
        }
        e.seen = gen;
        if (!e.labels) {
          // Counted per sample, as Prometheus counts samples_dropped for relabelling.
          ++(e.dropped ? stats.dropped_by_relabel : stats.unparsable);
        } else if (sent.insert(e.labels.get()).second) {
          out.push_back({e.labels, {t_ms, s.value}});
        }
      }
    }
  }
  for (auto it = src.series.begin(); it != src.series.end();) {
    if (it->second.seen == gen) {
      ++it;
      continue;
    }
    if (const auto& l = it->second.labels) {
      if (sent.insert(l.get()).second) out.push_back({l, {t_ms, stale_nan()}});
      if (l.use_count() == 2) src.interned.erase(*l);  // the last text of this label set
    }
    it = src.series.erase(it);
  }
}

void Cutter::cut(const core::Board& board, std::int64_t now_ms, std::vector<Pending>& out,
                 CutStats& stats) {
  const std::uint64_t cut_id = generation_ + 1;
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
  std::map<std::string_view, const Metadata*> by_name;
  for (const auto& [name, src] : sources_) {
    for (const auto& m : src.metadata) by_name.emplace(m.family, &m);
  }
  std::vector<Metadata> out;
  out.reserve(by_name.size());
  for (const auto& [name, m] : by_name) out.push_back(*m);
  return out;
}

}  // namespace sonde::remote
