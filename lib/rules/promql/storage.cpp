#include "rules/promql/storage.hpp"

#include <algorithm>

#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

core::Result<Matcher> Matcher::make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type = type;
  m.name = std::move(name);
  m.value = std::move(value);
  if (type == MatchType::regex || type == MatchType::not_regex) {
    auto re = core::Regex::compile(m.value, core::Regex::Anchor::full);
    if (!re.ok()) return re.error();
    m.re = std::move(*re);
  }
  return m;
}

bool Matcher::matches(std::string_view v) const {
  switch (type) {
    case MatchType::equal:
      return v == value;
    case MatchType::not_equal:
      return v != value;
    case MatchType::regex:
      return re->matches(v);
    case MatchType::not_regex:
      return !re->matches(v);
  }
  return false;
}

std::string Matcher::to_string() const {
  const char* op = type == MatchType::equal       ? "="
                   : type == MatchType::not_equal ? "!="
                   : type == MatchType::regex     ? "=~"
                                                  : "!~";
  return name + op + go_quote(value);
}

void MemoryStorage::insert_sorted(std::vector<std::size_t>& ids, std::size_t id) {
  const Labels& l = series_[id].labels;
  auto it = std::upper_bound(ids.begin(), ids.end(), id,
                             [&](std::size_t, std::size_t b) { return l < series_[b].labels; });
  ids.insert(it, id);
}

std::size_t MemoryStorage::series_id(const Labels& labels) {
  std::uint64_t h = labels.hash();
  auto& bucket = by_hash_[h];
  for (std::size_t id : bucket)
    if (series_[id].labels == labels) return id;
  std::size_t id = series_.size();
  series_.push_back(Entry{labels, h, {}, labels.without_name()});
  bucket.push_back(id);
  insert_sorted(by_name_[std::string(labels.get(kMetricName))], id);
  insert_sorted(all_, id);
  return id;
}

void MemoryStorage::append(std::size_t id, std::int64_t t_ms, double v) {
  auto& s = series_[id].samples;
  if (!s.empty() && s.back().t >= t_ms) {
    if (s.back().t == t_ms) {
      s.back().v = v;
      return;
    }
    // Out of order: insert in place (rare; the rule history appends in order).
    auto it = std::lower_bound(s.begin(), s.end(), t_ms,
                               [](const Point& p, std::int64_t t) { return p.t < t; });
    if (it != s.end() && it->t == t_ms) {
      it->v = v;
    } else {
      s.insert(it, Point{t_ms, v});
    }
    return;
  }
  s.push_back(Point{t_ms, v});
}

void MemoryStorage::append(const Labels& labels, std::int64_t t_ms, double v) {
  append(series_id(labels), t_ms, v);
}

void MemoryStorage::trim_before(std::int64_t mint_ms) {
  std::vector<Entry> kept;
  for (auto& e : series_) {
    auto it = std::lower_bound(e.samples.begin(), e.samples.end(), mint_ms,
                               [](const Point& p, std::int64_t t) { return p.t < t; });
    e.samples.erase(e.samples.begin(), it);
    if (!e.samples.empty()) kept.push_back(std::move(e));
  }
  series_.clear();
  by_hash_.clear();
  by_name_.clear();
  all_.clear();
  for (auto& e : kept) {
    std::size_t id = series_id(e.labels);
    series_[id].samples = std::move(e.samples);
  }
}

void MemoryStorage::clear() {
  series_.clear();
  by_hash_.clear();
  by_name_.clear();
  all_.clear();
}

std::size_t MemoryStorage::sample_count() const {
  std::size_t n = 0;
  for (const auto& e : series_) n += e.samples.size();
  return n;
}

std::vector<SeriesView> MemoryStorage::select(const std::vector<Matcher>& matchers,
                                              std::int64_t mint_ms, std::int64_t maxt_ms) const {
  const std::vector<std::size_t>* ids = &all_;
  const Matcher* by_name = nullptr;
  for (const auto& m : matchers) {
    if (m.name == kMetricName && m.type == MatchType::equal) {
      auto it = by_name_.find(m.value);
      if (it == by_name_.end()) return {};
      ids = &it->second;
      by_name = &m;
      break;
    }
  }
  std::vector<SeriesView> out;
  for (std::size_t id : *ids) {
    const Entry& e = series_[id];
    bool ok = true;
    for (const auto& m : matchers) {
      if (&m == by_name) continue;
      if (!m.matches(e.labels.get(m.name))) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    auto lo = std::lower_bound(e.samples.begin(), e.samples.end(), mint_ms,
                               [](const Point& p, std::int64_t t) { return p.t < t; });
    auto hi = std::upper_bound(lo, e.samples.end(), maxt_ms,
                               [](std::int64_t t, const Point& p) { return t < p.t; });
    if (lo == hi) continue;
    out.push_back(
        SeriesView{&e.labels, std::span<const Point>(&*lo, std::size_t(hi - lo)), e.hash});
  }
  return out;
}

}  // namespace sonde::rules::promql
