#include "rules/history/history.hpp"

#include <algorithm>
#include <mutex>

#include "core/series_text.hpp"

namespace sonde::rules::history {

using promql::Labels;
using promql::Point;

namespace {

/// Heap bytes of a std::string beyond the object (none while it fits the small-string buffer).
std::size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

std::size_t label_bytes(const Labels& l) {
  // The shared representation: control block, vector and two hashes, then each pair.
  std::size_t n = 56 + l.size() * sizeof(promql::Label);
  for (const auto& p : l) n += heap_bytes(p.name) + heap_bytes(p.value);
  return n;
}

}  // namespace

std::optional<Labels> parse_series_text(std::string_view text) {
  auto parsed = core::parse_series_text(text);
  if (!parsed) return std::nullopt;
  std::vector<promql::Label> labels;
  labels.reserve(parsed->size());
  for (auto& [name, value] : *parsed) {
    if (!value.empty()) labels.push_back({std::move(name), std::move(value)});  // empty: no label
  }
  return Labels(std::move(labels));
}

namespace {

/// A series' reach when no selector gave one: the retention.
constexpr std::uint32_t kWholeRetention = UINT32_MAX;

}  // namespace

struct History::Series {
  Labels labels;
  struct Closed {
    std::vector<std::uint8_t> stream;
    std::uint16_t count = 0;
    std::int64_t min_t = 0;
    std::int64_t max_t = 0;
  };
  std::vector<Closed> closed;
  ChunkAppender head;
  // How far back from their evaluation time the selectors matching it read, in seconds
  // (rounded up; kWholeRetention: as far as the retention).
  std::uint32_t reach_s = kWholeRetention;
  std::uint32_t fixed_bytes = 0;  // the object, its labels and its index entries
  // Its entry in the pass cache (guarded by cache_mu_): in the series itself, which a query
  // reads anyway, not in a map (a lookup there was two cache misses per series per query).
  mutable std::shared_ptr<const Decoded> cached;
  // Where the last decoding of the chunk holding `resume.t` (chunks of a series never share a
  // time) passed the last sample before the samples it was asked for (guarded by cache_mu_):
  // the next pass, asking from a later time, decodes from there instead of from the chunk's
  // start.
  mutable DecodePoint resume;

  /// The last sample's time and whether it is a staleness marker (the open chunk's last one:
  /// a full chunk is closed when the next sample comes, so the open one is empty only before
  /// the first sample).
  std::int64_t last_t() const { return head.count() > 0 ? head.max_t() : INT64_MIN; }
  bool last_stale() const { return head.count() > 0 && promql::is_stale_nan(head.last_value()); }

  std::size_t bytes() const {
    std::size_t n = fixed_bytes + head.memory_bytes() + closed.capacity() * sizeof(Closed);
    for (const auto& c : closed) n += c.stream.capacity();
    return n;
  }
  std::size_t samples() const {
    std::size_t n = head.count();
    for (const auto& c : closed) n += c.count;
    return n;
  }
};

History::History(std::size_t max_series) : max_series_(max_series) {}
History::~History() = default;

void History::set_retention(std::int64_t retention_ms) {
  std::unique_lock lock(mu_);
  retention_ms_ = retention_ms;
}

std::int64_t History::retention_ms() const {
  std::shared_lock lock(mu_);
  return retention_ms_;
}

void History::set_max_series(std::size_t n) {
  std::unique_lock lock(mu_);
  max_series_ = n;
}

void History::set_series_labels(Labels labels) {
  std::unique_lock lock(mu_);
  if (labels == series_labels_) return;
  series_labels_ = std::move(labels);
  // Cached series texts map to labels with the old target labels: look them up again.
  for (auto& [name, src] : sources_) src.series.clear();
}

std::int64_t History::reach_locked(const Labels& labels) const {
  std::int64_t reach = -1;
  auto consider = [&](std::size_t i) {
    for (const auto& m : selectors_[i]) {
      if (!m.matches(labels.get(m.name))) return;
    }
    reach =
        std::max(reach, i < reach_ms_.size() ? std::max<std::int64_t>(reach_ms_[i], 0) : INT64_MAX);
  };
  if (auto it = selectors_by_name_.find(std::string(labels.get(promql::kMetricName)));
      it != selectors_by_name_.end()) {
    for (const std::size_t i : it->second) consider(i);
  }
  for (const std::size_t i : nameless_selectors_) consider(i);
  return reach;
}

namespace {

std::uint32_t reach_seconds(std::int64_t reach_ms) {
  if (reach_ms < 0 || reach_ms >= std::int64_t{kWholeRetention - 1} * 1000) return kWholeRetention;
  return static_cast<std::uint32_t>((reach_ms + 999) / 1000);
}

}  // namespace

bool History::wanted(const Labels& labels) const {
  auto matches = [&](std::size_t i) {
    for (const auto& m : selectors_[i]) {
      if (!m.matches(labels.get(m.name))) return false;
    }
    return true;
  };
  if (auto it = selectors_by_name_.find(std::string(labels.get(promql::kMetricName)));
      it != selectors_by_name_.end()) {
    for (const std::size_t i : it->second) {
      if (matches(i)) return true;
    }
  }
  return std::any_of(nameless_selectors_.begin(), nameless_selectors_.end(), matches);
}

void History::set_selectors(Selectors selectors, std::vector<std::int64_t> reach_ms) {
  std::unique_lock lock(mu_);
  selectors_ = std::move(selectors);
  reach_ms_ = std::move(reach_ms);
  selectors_by_name_.clear();
  nameless_selectors_.clear();
  for (std::size_t i = 0; i < selectors_.size(); ++i) {
    auto named = std::find_if(selectors_[i].begin(), selectors_[i].end(), [](const auto& m) {
      return m.name == promql::kMetricName && m.type == promql::MatchType::equal;
    });
    if (named != selectors_[i].end()) {
      selectors_by_name_[named->value].push_back(i);
    } else {
      nameless_selectors_.push_back(i);
    }
  }
  std::vector<std::uint64_t> drop;
  for (const auto& [id, s] : by_id_) {
    const std::int64_t reach = reach_locked(s->labels);
    if (reach < 0) drop.push_back(id);
    s->reach_s = reach_seconds(reach);
  }
  for (auto id : drop) remove_locked(id);
  {
    std::lock_guard c(cache_mu_);
    clear_cache_locked();
  }
  // Series a source offered but that were not kept may be wanted now: examine them again.
  for (auto& [name, src] : sources_) {
    std::erase_if(src.series, [&](const auto& kv) {
      return kv.second.id == 0 || by_id_.find(kv.second.id) == by_id_.end();
    });
  }
}

History::Series* History::find_locked(std::uint64_t id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

std::uint64_t History::lookup_or_create_locked(const Labels& labels, bool count) {
  const std::uint64_t h = labels.hash();
  auto [lo, hi] = by_hash_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (by_id_.at(it->second)->labels == labels) return it->second;
  }
  if (by_id_.size() >= max_series_) {
    if (count) ++refused_;
    return 0;
  }
  auto s = std::make_unique<Series>();
  s->labels = labels;
  s->reach_s = reach_seconds(reach_locked(labels));
  s->fixed_bytes = static_cast<std::uint32_t>(sizeof(Series) + label_bytes(labels) +
                                              64);  // + hash, id and name index
  const std::uint64_t id = next_id_++;
  bytes_ += s->bytes();
  auto& named = by_name_[std::string(labels.get(promql::kMetricName))];
  auto pos = std::upper_bound(named.begin(), named.end(), labels,
                              [&](const Labels& l, const Series* b) { return l < b->labels; });
  named.insert(pos, s.get());
  by_id_.emplace(id, std::move(s));
  by_hash_.emplace(h, id);
  return id;
}

void History::remove_locked(std::uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  Series& s = *it->second;
  if (s.cached) {
    // The callers empty the pass cache first; if not, it must not point at this series.
    std::lock_guard c(cache_mu_);
    clear_cache_locked();
  }
  bytes_ -= s.bytes();
  auto [lo, hi] = by_hash_.equal_range(s.labels.hash());
  for (auto h = lo; h != hi; ++h) {
    if (h->second == id) {
      by_hash_.erase(h);
      break;
    }
  }
  const std::string name(s.labels.get(promql::kMetricName));
  if (auto n = by_name_.find(name); n != by_name_.end()) {
    std::erase(n->second, &s);
    if (n->second.empty()) by_name_.erase(n);
  }
  by_id_.erase(it);
  ++removals_;
}

bool History::append_locked(Series& s, std::int64_t t_ms, double v) {
  if (t_ms <= s.last_t()) {
    if (t_ms == s.last_t()) return true;  // the same moment again (a snapshot seen twice)
    ++out_of_order_;
    return false;
  }
  const std::size_t before = s.bytes();
  if (!s.head.append(t_ms, v)) {
    s.head.shrink();
    s.closed.push_back({s.head.stream(), s.head.count(), s.head.min_t(), s.head.max_t()});
    s.closed.back().stream.shrink_to_fit();
    s.head = ChunkAppender();
    s.head.append(t_ms, v);
  }
  bytes_ += s.bytes();
  bytes_ -= before;
  return true;
}

Labels History::with_series_labels(Labels l) const {
  for (const auto& t : series_labels_) {
    if (const auto existing = l.get(t.name); !existing.empty()) {
      l.set("exported_" + t.name, std::string(existing));
    }
    l.set(t.name, t.value);
  }
  return l;
}

void History::append_source(std::string_view source, std::int64_t t_ms,
                            const std::vector<SourceSample>& samples) {
  std::unique_lock lock(mu_);
  auto sit = sources_.find(std::string(source));
  if (sit == sources_.end()) sit = sources_.emplace(std::string(source), Source{}).first;
  Source& src = sit->second;
  const std::uint64_t gen = ++src.generation;
  for (const auto& sample : samples) {
    auto it = src.series.find(sample.series);
    const bool inserted = it == src.series.end();
    if (inserted) it = src.series.emplace(std::string(sample.series), SourceEntry{}).first;
    SourceEntry& e = it->second;
    Series* s = nullptr;
    if (e.id != 0) {
      if (e.removals != removals_) {
        e.series = find_locked(e.id);
        e.removals = removals_;
      }
      s = e.series;
    }
    const bool retry = e.id == 0 && e.refused && by_id_.size() < max_series_;
    if (inserted || (e.id != 0 && s == nullptr) || retry) {
      auto labels = parse_series_text(sample.series);
      e.id = 0;
      if (!labels) {
        if (inserted) ++unparsable_;
        e.refused = false;
      } else if (const Labels l = with_series_labels(std::move(*labels)); !wanted(l)) {
        e.refused = false;
      } else {
        e.id = lookup_or_create_locked(l, /*count=*/!e.refused);
        e.refused = e.id == 0;
      }
      s = e.id != 0 ? find_locked(e.id) : nullptr;
      e.series = s;
      e.removals = removals_;
    }
    e.seen = gen;
    if (s != nullptr) append_locked(*s, t_ms, sample.value);
  }
  for (auto it = src.series.begin(); it != src.series.end();) {
    if (it->second.seen == gen) {
      ++it;
      continue;
    }
    if (Series* s = it->second.id != 0 ? find_locked(it->second.id) : nullptr) {
      if (!s->last_stale()) append_locked(*s, t_ms, promql::stale_nan());
    }
    it = src.series.erase(it);
  }
}

void History::source_gone(std::string_view source, std::int64_t t_ms) {
  std::unique_lock lock(mu_);
  auto sit = sources_.find(std::string(source));
  if (sit == sources_.end()) return;
  for (const auto& [text, e] : sit->second.series) {
    if (Series* s = e.id != 0 ? find_locked(e.id) : nullptr) {
      if (!s->last_stale()) append_locked(*s, t_ms, promql::stale_nan());
    }
  }
  sources_.erase(sit);
}

bool History::append(const Labels& labels, std::int64_t t_ms, double v) {
  std::unique_lock lock(mu_);
  const std::uint64_t h = labels.hash();
  auto [lo, hi] = by_hash_.equal_range(h);
  Series* s = nullptr;
  for (auto it = lo; it != hi; ++it) {
    if (by_id_.at(it->second)->labels == labels) s = by_id_.at(it->second).get();
  }
  if (s == nullptr) {
    if (promql::is_stale_nan(v) || !wanted(labels)) return true;  // nothing to end; not kept
    const std::uint64_t id = lookup_or_create_locked(labels, /*count=*/true);
    if (id == 0) return false;
    s = find_locked(id);
  }
  if (promql::is_stale_nan(v) && s->last_stale()) return true;
  return append_locked(*s, t_ms, v);
}

void History::trim(std::int64_t now_ms) {
  std::unique_lock lock(mu_);
  {
    std::lock_guard c(cache_mu_);
    clear_cache_locked();
  }
  const std::int64_t cutoff = now_ms - retention_ms_;
  std::vector<std::uint64_t> drop;
  for (auto& [id, sp] : by_id_) {
    Series& s = *sp;
    const std::size_t before = s.bytes();
    auto keep = std::find_if(s.closed.begin(), s.closed.end(),
                             [&](const Series::Closed& c) { return c.max_t >= cutoff; });
    s.closed.erase(s.closed.begin(), keep);
    bytes_ += s.bytes();
    bytes_ -= before;
    if (s.closed.empty() && s.head.count() > 0 && s.head.max_t() < cutoff) drop.push_back(id);
  }
  for (auto id : drop) remove_locked(id);
}

HistoryStats History::stats() const {
  std::shared_lock lock(mu_);
  HistoryStats st;
  st.series = by_id_.size();
  for (const auto& [id, s] : by_id_) st.samples += s->samples();
  st.bytes = bytes_;
  st.series_refused = refused_;
  st.samples_out_of_order = out_of_order_;
  st.series_unparsable = unparsable_;
  std::lock_guard c(cache_mu_);
  st.decode_cache_peak_bytes = cache_peak_;
  return st;
}

std::size_t History::Decoded::bytes() const {
  return sizeof(Decoded) + label_bytes(without_name);  // the points are the blocks'
}

void History::clear_cache_locked() const {
  for (const Series* s : cache_) s->cached.reset();
  cache_.clear();
  block_.reset();
  cache_bytes_ = 0;
  // The pass's blocks no querier still holds are kept for the next passes (writing to fresh
  // pages cost a page fault every 4 KiB); spares no pass took for kSpareBlockPasses are freed.
  bool took = false;
  for (auto& b : blocks_) {
    if (b.use_count() != 1) continue;
    b->clear();
    spare_.push_back(std::move(b));
    took = true;
  }
  blocks_.clear();
  spare_idle_ = took ? 0 : spare_idle_ + 1;
  if (spare_idle_ > kSpareBlockPasses) spare_.clear();
}

void History::set_decode_cache_budget(std::size_t bytes) {
  std::unique_lock lock(mu_);
  cache_budget_ = bytes;
  std::lock_guard c(cache_mu_);
  clear_cache_locked();
}

std::shared_ptr<const History::Decoded> History::decoded_locked(const Series& s,
                                                                std::int64_t from_t) const {
  const bool listed = s.cached != nullptr;
  if (listed) {
    const Decoded& d = *s.cached;
    if (d.last_t == s.last_t() && d.closed == s.closed.size()) {
      if (d.from_t <= from_t) return s.cached;
      // Wanted from further back: decode again from there (the chunks are decoded from their
      // start anyway).
    }
    cache_bytes_ -= s.cached->bytes();
    s.cached.reset();
  }
  auto d = std::make_shared<Decoded>();
  d->last_t = s.last_t();
  d->closed = s.closed.size();
  d->from_t = from_t;
  d->labels = s.labels;
  d->without_name = s.labels.without_name();
  std::size_t n = s.head.count();
  for (const auto& c : s.closed) {
    if (c.max_t >= from_t) n += c.count;
  }
  // Cached samples go to the pass's current block (one allocation for many series); beyond the
  // budget, to a vector of the query's own.
  const bool room = block_ && block_->capacity() - block_->size() >= n;
  const std::size_t grow = room ? 0 : std::max(kDecodeBlockPoints, n) * sizeof(Point);
  const bool cached = cache_bytes_ + grow + d->bytes() <= cache_budget_;
  std::shared_ptr<std::vector<Point>> store;
  if (cached) {
    if (!room) {
      if (n <= kDecodeBlockPoints && !spare_.empty()) {
        block_ = std::move(spare_.back());
        spare_.pop_back();
      } else {
        block_ = std::make_shared<std::vector<Point>>();
        block_->reserve(std::max(kDecodeBlockPoints, n));
      }
      blocks_.push_back(block_);
      cache_bytes_ += grow;
    }
    store = block_;
  } else {
    store = std::make_shared<std::vector<Point>>();
    store->reserve(n);
  }
  // Appends stay within the reserved capacity: the points of other entries do not move.
  const std::size_t begin = store->size();
  auto decode_chunk = [&](std::span<const std::uint8_t> stream, std::uint16_t count,
                          std::int64_t min_t, std::int64_t max_t) {
    if (min_t >= from_t) {
      decode(stream, count, from_t, INT64_MAX, *store);
    } else if (s.resume.next > 0 && s.resume.t >= min_t && s.resume.t <= max_t &&
               s.resume.t < from_t) {
      // Decoded up to before from_t by an earlier pass: go on from there (and move it on).
      decode(stream, count, from_t, INT64_MAX, *store, &s.resume);
    } else {
      DecodePoint at;
      decode(stream, count, from_t, INT64_MAX, *store, &at);
      // A resume point further on in the same chunk stays (this query reached further back).
      if (at.next > 0 && !(s.resume.next > 0 && s.resume.t >= min_t && s.resume.t <= max_t)) {
        s.resume = at;
      }
    }
  };
  for (const auto& c : s.closed) {
    if (c.max_t >= from_t) decode_chunk(c.stream, c.count, c.min_t, c.max_t);
  }
  if (s.head.count() > 0 && s.head.max_t() >= from_t) {
    decode_chunk(s.head.stream(), s.head.count(), s.head.min_t(), s.head.max_t());
  }
  d->points = std::span<const Point>(store->data() + begin, store->size() - begin);
  d->store = std::move(store);
  if (cached) {
    cache_bytes_ += d->bytes();
    cache_peak_ = std::max(cache_peak_, cache_bytes_);
    s.cached = d;
    if (!listed) cache_.push_back(&s);
  }
  return d;
}

std::vector<promql::SeriesView> History::Querier::select(
    const std::vector<promql::Matcher>& matchers, std::int64_t mint_ms,
    std::int64_t maxt_ms) const {
  return select_impl(matchers, mint_ms, maxt_ms, false);
}

std::vector<promql::SeriesView> History::Querier::select_latest(
    const std::vector<promql::Matcher>& matchers, std::int64_t mint_ms,
    std::int64_t maxt_ms) const {
  return select_impl(matchers, mint_ms, maxt_ms, true);
}

std::vector<promql::SeriesView> History::Querier::select_impl(
    const std::vector<promql::Matcher>& matchers, std::int64_t mint_ms, std::int64_t maxt_ms,
    bool latest) const {
  std::shared_lock lock(h_.mu_);
  std::vector<Series*> all;
  const std::vector<Series*>* named = nullptr;
  const promql::Matcher* by_name = nullptr;
  for (const auto& m : matchers) {
    if (m.name == promql::kMetricName && m.type == promql::MatchType::equal) {
      auto it = h_.by_name_.find(m.value);
      if (it == h_.by_name_.end()) return {};
      named = &it->second;
      by_name = &m;
      break;
    }
  }
  if (named == nullptr) {
    // No metric name: every series, in label order.
    for (const auto& [name, v] : h_.by_name_) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end(),
              [&](const Series* a, const Series* b) { return a->labels < b->labels; });
    named = &all;
  }
  const std::vector<Series*>* ids = named;
  std::vector<Point>* points = nullptr;
  std::vector<Labels>* labels = nullptr;
  if (latest) {
    points = &points_.emplace_back();
    labels = &labels_.emplace_back();
    points->reserve(ids->size());
    labels->reserve(ids->size());
  }
  std::unique_lock cache(h_.cache_mu_, std::defer_lock);
  std::vector<promql::SeriesView> out;
  out.reserve(ids->size());
  if (!latest) held_.reserve(held_.size() + ids->size());
  for (std::size_t i = 0; i < ids->size(); ++i) {
    if (i + 4 < ids->size()) {
      // The series objects are apart in memory: ask for the next ones' lines early.
      const char* next = reinterpret_cast<const char*>((*ids)[i + 4]);
      __builtin_prefetch(next);
      __builtin_prefetch(next + 64);
      __builtin_prefetch(next + 128);
    }
    const Series& s = *(*ids)[i];
    bool ok = true;
    for (const auto& m : matchers) {
      if (&m == by_name) continue;
      if (!m.matches(s.labels.get(m.name))) {
        ok = false;
        break;
      }
    }
    if (!ok || s.head.count() == 0 || s.last_t() < mint_ms) continue;
    if (latest && s.last_t() <= maxt_ms) {
      // The last sample is the open chunk's: no decoding.
      points->push_back(Point{s.last_t(), s.head.last_value()});
      labels->push_back(s.labels);
      out.push_back(promql::SeriesView{&labels->back(), std::span<const Point>(&points->back(), 1),
                                       s.labels.hash(), nullptr});
      continue;
    }
    if (!cache.owns_lock()) cache.lock();
    // Decoded from as far back as the rules' selectors of this series read (at most the
    // retention) or the query asks: the pass's longer ranges over it then find it decoded too.
    const std::int64_t reach = s.reach_s == kWholeRetention
                                   ? h_.retention_ms_
                                   : std::min<std::int64_t>(h_.retention_ms_, s.reach_s * 1000LL);
    const std::int64_t back = maxt_ms >= INT64_MIN + reach ? maxt_ms - reach : INT64_MIN;
    auto d = h_.decoded_locked(s, std::min(mint_ms, back));
    const Point* begin = d->points.data();
    const Point* end = begin + d->points.size();
    const Point* hi = search_from_end(begin, end, maxt_ms, true);
    const Point* lo = search_from_end(begin, hi, mint_ms, false);
    if (lo == hi) continue;
    std::span<const Point> samples(lo, static_cast<std::size_t>(hi - lo));
    if (latest) samples = samples.last(1);
    out.push_back(promql::SeriesView{&d->labels, samples, s.labels.hash(), &d->without_name});
    held_.push_back(std::move(d));
  }
  return out;
}

}  // namespace sonde::rules::history
