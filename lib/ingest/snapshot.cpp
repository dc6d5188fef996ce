// The aggregator's snapshot: every family's samples (histogram buckets made cumulative,
// summary quantiles over their window, set sizes), series past their TTL expired, and the
// sonde_ingest_* counters of every listener.
#include <algorithm>
#include <chrono>

#include "ingest/quantiles.hpp"
#include "ingest/series.hpp"

namespace sonde::ingest {

namespace {

/// One counter family with a `reason` label: names[i] -> values[i].
template <std::size_t N>
void by_reason(core::SnapshotBuilder& out, std::string_view name, std::string_view help,
               const std::string_view (&names)[N],
               const std::array<std::atomic<std::uint64_t>, N>& values) {
  for (std::size_t i = 0; i < N; ++i) {
    const core::Label l[] = {{"reason", names[i]}};
    out.counter(name, help, l, static_cast<double>(values[i].load(std::memory_order_relaxed)));
  }
}

void collect_origin(core::SnapshotBuilder& out, const ListenerStats& st) {
  const OriginStats& o = st.origin;
  static constexpr std::string_view kResults[] = {"container", "no_container", "unknown"};
  for (std::size_t i = 0; i < std::size(kResults); ++i) {
    const core::Label l[] = {{"listener", st.name}, {"result", kResults[i]}};
    out.counter("sonde_ingest_origin_resolved_total",
                "Senders' cgroups read for origin detection, by listener and outcome.", l,
                static_cast<double>(o.resolved[i].load(std::memory_order_relaxed)));
  }
  const core::Label l[] = {{"listener", st.name}};
  out.counter("sonde_ingest_origin_pid_reused_total",
              "Remembered sender pids found to belong to a new process (start time changed).", l,
              static_cast<double>(o.pid_reused.load(std::memory_order_relaxed)));
  out.counter("sonde_ingest_origin_cache_evictions_total",
              "Senders forgotten because the origin cache was full (origin_cache_size).", l,
              static_cast<double>(o.evictions.load(std::memory_order_relaxed)));
  out.gauge("sonde_ingest_origin_cache_entries", "Senders the origin cache remembers.", l,
            static_cast<double>(o.entries.load(std::memory_order_relaxed)));
}

/// The samples each of a family's series adds to a snapshot.
std::size_t samples_per_series(const FamilyState& f) {
  switch (f.kind) {
    case SeriesKind::histogram:
      return f.bounds->size() + 3;  // the buckets, +Inf, _sum and _count
    case SeriesKind::summary:
      return f.quantiles.size() + 2;  // the quantiles, _sum and _count
    case SeriesKind::counter:
    case SeriesKind::gauge:
    case SeriesKind::set:
      return 1;
  }
  return 1;
}

}  // namespace

void Aggregator::collect(core::SnapshotBuilder& out) {
  const std::int64_t now = clock_.steady_now().time_since_epoch().count();
  {
    std::lock_guard lock(mu_);
    bool expired_any = false;
    std::vector<Series*> expired;
    for (auto fit = families_.begin(); fit != families_.end();) {
      FamilyState& f = *fit->second;
      const core::MetricType type = metric_type(f.kind);
      expired.clear();
      bool reserved = false;
      f.series.for_each([&](std::uintptr_t v) {
        Series& s = *reinterpret_cast<Series*>(v);
        if (s.ttl_ns > 0 && now - s.last_ns.load(std::memory_order_relaxed) > s.ttl_ns) {
          expired.push_back(&s);
          return;
        }
        if (!reserved) {
          // At the first live series, so that a family all of whose series expire now is not
          // created empty. 100,000 series: one 4 MB vector instead of 18 doublings.
          reserved = true;
          out.reserve(f.name, type, f.help, f.series.size() * samples_per_series(f));
        }
        switch (s.kind) {
          case SeriesKind::counter:
          case SeriesKind::gauge:
            out.add_raw(f.name, type, f.help, std::string(s.text()),
                        s.value.load(std::memory_order_relaxed));
            break;
          case SeriesKind::histogram: {
            const SeriesExtra& x = *s.extra;
            const std::size_t n = f.bounds->size();
            double cumulative = 0;
            for (std::size_t i = 0; i <= n; ++i) {
              cumulative += x.cells[i].load(std::memory_order_relaxed);
              out.add_raw(f.name, type, f.help, x.sample_texts[i], cumulative);
            }
            out.add_raw(f.name, type, f.help, x.sample_texts[n + 1],
                        x.cells[n + 1].load(std::memory_order_relaxed));
            // The count is the +Inf bucket, so the two always agree within one scrape.
            out.add_raw(f.name, type, f.help, x.sample_texts[n + 2], cumulative);
            break;
          }
          case SeriesKind::summary: {
            const SeriesExtra& x = *s.extra;
            std::lock_guard slock(x.summary->mu);
            auto& st = *x.summary;
            while (!st.window.empty() && now - st.window.front().ns > f.max_age_ns) {
              st.window.pop_front();
            }
            std::vector<std::pair<double, double>> obs;
            obs.reserve(st.window.size());
            for (const auto& o : st.window) obs.emplace_back(o.value, o.weight);
            const std::vector<double> values = weighted_quantiles(std::move(obs), f.quantiles);
            for (std::size_t i = 0; i < f.quantiles.size(); ++i) {
              out.add_raw(f.name, type, f.help, x.sample_texts[i], values[i]);
            }
            out.add_raw(f.name, type, f.help, x.sample_texts[f.quantiles.size()], st.sum);
            out.add_raw(f.name, type, f.help, x.sample_texts[f.quantiles.size() + 1], st.count);
            break;
          }
          case SeriesKind::set: {
            std::lock_guard slock(s.extra->set->mu);
            const std::int64_t window = std::chrono::nanoseconds(options_.set_window).count();
            auto& seen = s.extra->set->seen;
            for (auto it = seen.begin(); it != seen.end();) {
              it = now - it->second > window ? seen.erase(it) : std::next(it);
            }
            out.add_raw(f.name, type, f.help, std::string(s.text()),
                        static_cast<double>(seen.size()));
            break;
          }
        }
      });
      for (Series* s : expired) {
        s->expired.store(true, std::memory_order_release);
        f.series.erase(hash_bytes(s->text()), reinterpret_cast<std::uintptr_t>(s));
        s->release();  // the family's reference
        series_count_--;
        expired_total_++;
        expired_any = true;
      }
      if (f.series.empty()) {
        for (const auto& n : f.names) names_.erase(n);
        fit = families_.erase(fit);
      } else {
        ++fit;
      }
    }
    if (expired_any) epoch_.fetch_add(1, std::memory_order_relaxed);

    const core::MetricType counter = core::MetricType::counter;
    for (const auto& st : stats_) {
      static constexpr std::string_view kResults[] = {"accepted", "malformed", "dropped"};
      for (std::size_t i = 0; i < 3; ++i) {
        const core::Label l[] = {{"listener", st->name}, {"result", kResults[i]}};
        out.counter("sonde_ingest_lines_total", "DogStatsD lines received, by listener and result.",
                    l, static_cast<double>(st->lines[i].load(std::memory_order_relaxed)));
      }
      const core::Label l[] = {{"listener", st->name}};
      out.add("sonde_ingest_datagrams_total", counter,
              "Datagrams (or stream reads) received, by listener.", l,
              static_cast<double>(st->reads.load(std::memory_order_relaxed)));
      if (st->reports_kernel_drops) {
        out.add("sonde_ingest_kernel_dropped_total", counter,
                "Datagrams the kernel dropped because the socket's receive buffer was full.", l,
                static_cast<double>(st->kernel_dropped.load(std::memory_order_relaxed)));
      }
      if (st->reports_connections) {
        out.add("sonde_ingest_connections_rejected_total", counter,
                "Stream connections closed at once because max_connections were open.", l,
                static_cast<double>(st->connections_rejected.load(std::memory_order_relaxed)));
      }
      if (st->reports_truncation) {
        out.add("sonde_ingest_truncated_datagrams_total", counter,
                "Datagrams longer than max_datagram_bytes, cut to that length.", l,
                static_cast<double>(st->truncated_datagrams.load(std::memory_order_relaxed)));
        out.add("sonde_ingest_truncated_bytes_total", counter,
                "Bytes cut off datagrams longer than max_datagram_bytes (lost).", l,
                static_cast<double>(st->truncated_bytes.load(std::memory_order_relaxed)));
      }
      if (st->reports_origin) collect_origin(out, *st);
    }
    out.gauge("sonde_ingest_series", "Series the DogStatsD aggregator holds.", {},
              static_cast<double>(series_count_));
  }
  for (std::size_t i = 0; i < kDropReasons; ++i) {
    const core::Label l[] = {{"reason", reason_name(static_cast<DropReason>(i))}};
    out.counter("sonde_ingest_dropped_total", "DogStatsD lines not accepted, by reason.", l,
                static_cast<double>(dropped_[i].load(std::memory_order_relaxed)));
  }
  static constexpr std::string_view kTagReasons[] = {"no_value", "empty_name", "duplicate_label"};
  by_reason(out, "sonde_ingest_tag_errors_total",
            "DogStatsD tags left out of a series' labels, by reason.", kTagReasons, tag_errors_);
  out.counter("sonde_ingest_series_expired_total", "Series removed after their TTL.", {},
              static_cast<double>(expired_total_.load(std::memory_order_relaxed)));
  if (options_.origin_detection) {
    static constexpr std::string_view kFieldReasons[] = {"invalid", "inode", "overridden"};
    by_reason(out, "sonde_ingest_container_field_ignored_total",
              "DogStatsD |c: container fields that gave no label, by reason.", kFieldReasons,
              field_ignored_);
  }
}

}  // namespace sonde::ingest
