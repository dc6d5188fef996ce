// The hot path: a line parsed, its raw key looked up in the worker's cache, the series updated.
// The slow path is series_registry.cpp; events.cpp and snapshot.cpp hold the rest.
#include "ingest/aggregator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "ingest/raw_key.hpp"
#include "ingest/scan.hpp"
#include "ingest/series.hpp"

namespace sonde::ingest {

namespace {

/// Copies n bytes as memcpy does, inline: the key's pieces are 1-100 bytes, where a call into
/// memcpy (and its size dispatch) costs more than the copy. Overlapping words, no byte loop.
inline void copy_bytes(char* dst, const char* src, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) std::memcpy(dst + i, src + i, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

/// a == b, inline, for the same reason.
inline bool same_bytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) return n == 0 || std::memcmp(a.data(), b.data(), n) == 0;
  std::uint64_t x, y;
  for (std::size_t i = 0; i + 8 < n; i += 8) {
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  std::memcpy(&x, a.data() + n - 8, 8);
  std::memcpy(&y, b.data() + n - 8, 8);
  return x == y;
}

/// Calls f(value, text) for each value of a numeric line; a single value was parsed already.
template <class F>
void each_number(const LineValues& m, F&& f) {
  if (!m.multi_value) return f(m.first_value, m.values);
  for_each_value(m.values, [&](std::string_view v) { f(*parse_number(v), v); });
}

}  // namespace

std::string_view reason_name(DropReason r) {
  switch (r) {
    case DropReason::malformed:
      return "malformed";
    case DropReason::line_too_long:
      return "line_too_long";
    case DropReason::too_many_tags:
      return "too_many_tags";
    case DropReason::negative_counter:
      return "negative_counter";
    case DropReason::type_conflict:
      return "type_conflict";
    case DropReason::reserved_name:
      return "reserved_name";
    case DropReason::cardinality_limit:
      return "cardinality_limit";
    case DropReason::mapping_drop:
      return "mapping_drop";
    case DropReason::set_limit:
      return "set_limit";
    case DropReason::truncated:
      return "truncated";
    case DropReason::frame_too_long:
      return "frame_too_long";
    case DropReason::overflow:
      return "overflow";
  }
  return "malformed";
}

LineResult result_of(DropReason r) {
  switch (r) {
    case DropReason::malformed:
    case DropReason::line_too_long:
    case DropReason::too_many_tags:
    case DropReason::truncated:
    case DropReason::frame_too_long:
      return LineResult::malformed;
    default:
      return LineResult::dropped;
  }
}

namespace {

Series* cached_series(std::uintptr_t v) {
  return (v & 1) ? reinterpret_cast<KeyAlias*>(v & ~std::uintptr_t{1})->series
                 : reinterpret_cast<Series*>(v);
}

std::string_view cached_key(std::uintptr_t v) {
  return (v & 1) ? reinterpret_cast<KeyAlias*>(v & ~std::uintptr_t{1})->key()
                 : reinterpret_cast<Series*>(v)->raw();
}

void release_cached(std::uintptr_t v) {
  if (v & 1) {
    KeyAlias::destroy(reinterpret_cast<KeyAlias*>(v & ~std::uintptr_t{1}));
  } else {
    reinterpret_cast<Series*>(v)->release();
  }
}

}  // namespace

std::uint64_t Worker::CachedKey::hash(std::uintptr_t v) const {
  return rawkey::hash(cached_key(v), prefix);
}

Worker::Worker(ListenerStats* stats, std::size_t key_capacity, std::size_t prefix)
    : stats_(stats),
      prefix_(prefix),
      buffer_(new char[key_capacity + 8]()),
      key_(buffer_.get() + 8),
      cache_(CachedKey{prefix}) {}

Worker::~Worker() { clear_cache(); }

void Worker::clear_cache() {
  cache_.for_each(release_cached);
  cache_.clear();
}

Aggregator::Aggregator(ingest::IngestOptions options, std::shared_ptr<const Mapper> mapper,
                       const core::Clock& clock)
    : options_(std::move(options)),
      mapper_(std::move(mapper)),
      clock_(clock),
      limits_{options_.max_line_bytes, options_.max_tags} {}

Aggregator::~Aggregator() = default;

Worker& Aggregator::worker(const std::string& listener) {
  std::lock_guard lock(mu_);
  ListenerStats* stats = nullptr;
  for (auto& s : stats_) {
    if (s->name == listener) stats = s.get();
  }
  if (!stats) stats = stats_.emplace_back(std::make_unique<ListenerStats>(listener)).get();
  // A listener started again (a reload that kept this aggregator) takes its predecessor's
  // worker: one listener of a name runs at a time, and the workers do not pile up.
  for (auto& w : workers_) {
    if (w->stats_ == stats) return *w;
  }
  // The key holds name|type|tags (and the |c: container) of one line, so never more than the
  // line, after the origin's 9 bytes.
  workers_.push_back(std::unique_ptr<Worker>(new Worker(
      stats, std::size_t{options_.max_line_bytes} + 24, options_.origin_detection ? 8 : 0)));
  return *workers_.back();
}

std::size_t Aggregator::series_count() const {
  std::lock_guard lock(mu_);
  return series_count_;
}

// Inlined into metric_line() and fast_line(), its callers.
[[gnu::always_inline]] inline std::optional<DropReason> Aggregator::apply(Worker& w, Series& s,
                                                                          const LineValues& m) {
  if (s.kind == SeriesKind::counter && !m.multi_value && m.sample_rate == 1 && s.scale == 1) {
    // The common line (`name:1|c|#tags`): its value is the increment.
    if (!add_atomic_finite(s.value, m.first_value)) return DropReason::overflow;
    s.last_ns.store(w.now_ns_, std::memory_order_relaxed);
    return std::nullopt;
  }
  return apply_other(w, s, m);
}

// Inlined into ingest_line(), its only caller.
[[gnu::always_inline]] inline void Aggregator::metric_line(Worker& w, const MetricLine& m,
                                                           std::string_view line, bool retry) {
  const LineValues values{m.values, m.first_value, m.sample_rate, m.kind, m.multi_value};
  if (m.kind == MetricKind::counter && !retry) {
    bool negative = false;
    each_number(values, [&](double x, std::string_view) { negative |= x < 0; });
    if (negative) return reject(w, DropReason::negative_counter, line);
  }
  std::string_view container;
  KeyInfo info{m.kind, 0};
  // The raw key, copied into the worker's buffer (sized for the longest line).
  char* const key = w.key_;
  std::size_t n = 0;
  const auto put = [&](std::string_view bytes) {
    copy_bytes(key + n, bytes.data(), bytes.size());  // nothing read or written when empty
    n += bytes.size();
  };
  if (options_.origin_detection) {
    // The origin goes first, at a fixed length, so no name or tag bytes can imitate it: the
    // origin's id (unique, never reused).
    container = container_field(w, m.container, info.ignored);
    if (!retry) count_ignored(info.ignored);
    const std::uint64_t id = w.origin_ ? w.origin_->id : 0;
    std::memcpy(key, &id, sizeof id);
    n = sizeof id;
  }
  if (m.plain_fields) {
    // What fast_line() looks up: the line without its values (the `|c:` container among the
    // fields).
    put(m.name);
    put(m.rest);
  } else {
    // A field that may change from line to line (`|T<timestamp>`) must not make a key of its
    // own: name|type|tags, after a ':' (which no name holds, so it equals no key of the other
    // form), the length of the `|c:` container and the container.
    key[n++] = ':';
    if (options_.origin_detection) {
      key[n++] = static_cast<char>(container.size());  // at most 128 (parse_container_field)
      put(container);
    }
    put(m.name);
    key[n++] = '|';
    put(m.type);
    key[n++] = '|';
    put(m.tags);
  }
  const std::string_view raw(key, n);
  const std::uint64_t hash = rawkey::hash(raw, w.prefix_);
  Series* s = nullptr;
  for (int attempt = retry ? 1 : 0; attempt < 2; ++attempt) {
    const std::uintptr_t v =
        w.cache_.find(hash, [&](std::uintptr_t c) { return same_bytes(cached_key(c), raw); });
    if (v != 0 && !cached_series(v)->expired.load(std::memory_order_relaxed)) {
      s = cached_series(v);
    } else {
      if (v != 0) {
        w.cache_.erase(hash, v);
        release_cached(v);
      }
      auto sp = resolve(w, m, container, raw, info);
      if (!sp) return reject(w, sp.error(), line);
      // Bounded: every entry is an admitted series (or a tag order of one).
      if (w.cache_.size() >= std::size_t{options_.max_series} * 2) w.clear_cache();
      s = sp->get();
      // The series keeps the key it was registered under (and what that key says, but for a
      // sample rate: 1 there); another key gets an alias.
      const bool own = s->raw() == raw && (!m.plain_fields || m.sample_rate == 1);
      Series* held = sp->leak();
      w.cache_.insert(hash, own ? reinterpret_cast<std::uintptr_t>(held)
                                : reinterpret_cast<std::uintptr_t>(
                                      KeyAlias::create(raw, held, info, m.sample_rate)) |
                                      1);
    }
    if (const auto why = apply(w, *s, values)) return reject(w, *why, line);
    // Expired by a reader while we updated it: the update went to a series nobody exposes any
    // more, so register it again and apply the line there.
    if (!s->expired.load(std::memory_order_acquire)) break;
  }
  accept(w);
}

// Inlined into ingest(), its only caller. A metric line `name:VALUE|rest` means what
// name and rest (type, sample rate, tags, container) say, whatever the value: when the worker
// has cached that key (metric_line() put it there after a full parse of a line with plain
// fields), only the value is parsed. The key, the checks and their order are metric_line()'s,
// so a line gives the same result on either path.
[[gnu::always_inline]] inline bool Aggregator::fast_line(Worker& w, std::string_view line) {
  if (line.empty()) return false;
  const char* const begin = line.data();
  const char* end = begin + line.size();
  if (end[-1] == '\r') --end;
  // (A line under 8 bytes takes the full parse: the key is read a word at a time.)
  if (end - begin < 8 || static_cast<std::size_t>(end - begin) > limits_.max_line_bytes) {
    return false;
  }
  if (begin[0] == '_') return false;  // events and service checks (and names that start so)
  const char* const colon = scan::find_first<':', '|'>(begin, begin, end);
  if (colon == begin || colon == end || *colon == '|') return false;
  const char* const value = colon + 1;
  const char* bar;
  if (end - value >= 2 && value[1] == '|' && value[0] != '|' && value[0] != ':') {
    bar = value + 1;  // one byte ("1"), the common value
  } else {
    bar = scan::find_first<'|', ':'>(begin, value, end);
    // No value, no type, or several values: the full parse.
    if (bar == value || bar == end || *bar == ':') return false;
  }
  // The key in place: the name and the rest around the value (raw_key.hpp), no copy.
  const std::uint64_t id = w.origin_ ? w.origin_->id : 0;
  const rawkey::LineKey k{options_.origin_detection ? &id : nullptr, begin, colon, bar, end};
  const std::size_t size = k.size();
  const std::uintptr_t v = w.cache_.find(k.hash(), [&](std::uintptr_t c) {
    const std::string_view key = cached_key(c);
    return key.size() == size && k.equals(key);
  });
  if (v == 0) return false;
  Series* const s = cached_series(v);
  if (s->expired.load(std::memory_order_relaxed)) return false;  // metric_line() registers it
  LineValues values;
  values.values = {value, static_cast<std::size_t>(bar - value)};
  KeyInfo info;
  if (v & 1) {
    const auto* a = reinterpret_cast<const KeyAlias*>(v & ~std::uintptr_t{1});
    info = a->info;
    values.sample_rate = a->sample_rate;
  } else {
    info = s->info();
  }
  values.kind = info.kind;
  if (info.kind != MetricKind::set) {
    const auto digit = static_cast<unsigned>(value[0] - '0');
    if (bar - value == 1 && digit <= 9) {
      values.first_value = digit;  // "1", the common value
    } else if (!parse_value(values.values, values.first_value)) {
      return false;  // malformed: the full parse says so
    }
  }
  if (info.kind == MetricKind::counter && values.first_value < 0) {
    reject(w, DropReason::negative_counter, line);
    return true;
  }
  count_ignored(info.ignored);
  if (const auto why = apply(w, *s, values)) {
    reject(w, *why, line);
    return true;
  }
  if (s->expired.load(std::memory_order_acquire)) {
    // As metric_line()'s second attempt: registered again, the line applied there. The parse
    // succeeds (these bytes hit a key only a good line put there).
    if (parse_line(line, limits_, w.parsed_) == ParseError::ok &&
        w.parsed_.kind == LineKind::metric) {
      metric_line(w, w.parsed_.metric, line, true);
    } else {
      accept(w);
    }
    return true;
  }
  accept(w);
  return true;
}

// Out of line: the fast path inlined into ingest() saves no registers for it.
[[gnu::noinline]] void Aggregator::ingest_line(Worker& w, std::string_view line) {
  switch (parse_line(line, limits_, w.parsed_)) {
    case ParseError::ok:
      break;
    case ParseError::empty:
      return;
    case ParseError::malformed:
      return reject(w, DropReason::malformed, line);
    case ParseError::line_too_long:
      return reject(w, DropReason::line_too_long, line);
    case ParseError::too_many_tags:
      return reject(w, DropReason::too_many_tags, line);
  }
  switch (w.parsed_.kind) {
    case LineKind::metric:
      return metric_line(w, w.parsed_.metric, line);
    case LineKind::event:
      return event_line(w, w.parsed_.event, line);
    case LineKind::service_check:
      return check_line(w, w.parsed_.check, line);
  }
}

std::int64_t Aggregator::begin_batch(Worker& w) {
  w.now_ns_ = clock_.steady_now().time_since_epoch().count();
  if (w.epoch_ != epoch_.load(std::memory_order_relaxed)) sweep(w);
  return w.now_ns_;
}

void Aggregator::ingest_payload(Worker& w, std::string_view payload, const Origin* origin) {
  w.origin_ = origin;
  for_each_line(payload, [&](std::string_view line) {
    if (!fast_path_ || !fast_line(w, line)) ingest_line(w, line);
  });
}

void Aggregator::count_rejected(Worker& w, DropReason r, std::string_view line) {
  reject(w, r, line);
}

void Aggregator::sweep(Worker& w) {
  w.epoch_ = epoch_.load(std::memory_order_relaxed);
  std::vector<std::uintptr_t> gone;
  w.cache_.for_each([&](std::uintptr_t v) {
    if (cached_series(v)->expired.load(std::memory_order_relaxed)) gone.push_back(v);
  });
  for (const std::uintptr_t v : gone) {
    w.cache_.erase(rawkey::hash(cached_key(v), w.prefix_), v);
    release_cached(v);
  }
}

void Aggregator::reject(Worker& w, DropReason r, std::string_view line) {
  dropped_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  w.stats_->lines[static_cast<std::size_t>(result_of(r))].fetch_add(1, std::memory_order_relaxed);
  log_.warn(
      reason_name(r),
      [&] {
        return fmt::format("ingest: {}: dropped line ({}): \"{}\"", w.stats_->name, reason_name(r),
                           printable(line));
      },
      clock_.steady_now());
}

std::optional<DropReason> Aggregator::apply_other(Worker& w, Series& s, const LineValues& m) {
  // Scaling or summing finite values past float64's range (`1e308|c|@0.01`, a sample rate of
  // 1e-320) drops the line, counted as overflow: it never becomes +Inf or NaN silently. (Of a
  // line with several values, those before the one that overflowed are applied.)
  const double weight = m.sample_rate == 1 ? 1 : 1 / m.sample_rate;
  if (overflowed(m.sample_rate, weight)) return DropReason::overflow;
  bool overflow = false;
  switch (s.kind) {
    case SeriesKind::counter: {
      double total = 0;
      each_number(m, [&](double x, std::string_view) {
        const double sum = total + x;
        overflow |= std::isfinite(total) && overflowed(x, sum);
        total = sum;
      });
      const double increment = total * s.scale * weight;
      if (overflow || overflowed(total, increment) || !add_atomic_finite(s.value, increment)) {
        return DropReason::overflow;
      }
      break;
    }
    case SeriesKind::gauge:
      each_number(m, [&](double value, std::string_view v) {
        const double x = value * s.scale;
        if (overflow || overflowed(value, x)) {
          overflow = true;
        } else if (v[0] == '+' || v[0] == '-') {
          overflow = !add_atomic_finite(s.value, x);  // DogStatsD gauge delta
        } else {
          s.value.store(x, std::memory_order_relaxed);
        }
      });
      if (overflow) return DropReason::overflow;
      break;
    case SeriesKind::histogram: {
      const auto& bounds = *s.extra->bounds;
      const std::size_t n = bounds.size();
      each_number(m, [&](double value, std::string_view) {
        double x = value;
        if (m.kind == MetricKind::timer) x /= 1000;  // ms -> seconds; h and d as sent
        x *= s.scale;
        const double weighted = x * weight;
        if (overflow || overflowed(value, weighted) ||
            !add_atomic_finite(s.extra->cells[n + 1], weighted)) {
          overflow = true;
          return;
        }
        const std::size_t i =
            static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), x) -
                                     bounds.begin());  // first bound >= x: le semantics
        add_atomic(s.extra->cells[i], weight);
        add_atomic(s.extra->cells[n + 2], weight);
      });
      if (overflow) return DropReason::overflow;
      break;
    }
    case SeriesKind::summary: {
      std::lock_guard lock(s.extra->summary->mu);
      auto& st = *s.extra->summary;
      each_number(m, [&](double value, std::string_view) {
        double x = value;
        if (m.kind == MetricKind::timer) x /= 1000;
        x *= s.scale;
        const double sum = st.sum + x * weight;
        if (overflow || overflowed(value, x * weight) ||
            (std::isfinite(st.sum) && overflowed(x, sum))) {
          overflow = true;
          return;
        }
        st.window.push_back({w.now_ns_, x, weight});
        st.sum = sum;
        st.count += weight;
      });
      while (st.window.size() > options_.summary_max_samples) st.window.pop_front();
      if (overflow) return DropReason::overflow;
      break;
    }
    case SeriesKind::set: {
      std::lock_guard lock(s.extra->set->mu);
      auto& seen = s.extra->set->seen;
      bool full = false;
      for_each_value(m.values, [&](std::string_view v) {
        auto it = seen.find(v);  // no copy of a value already seen
        if (it != seen.end()) {
          it->second = w.now_ns_;
        } else if (seen.size() >= options_.max_set_values) {
          full = true;
        } else {
          seen.emplace(std::string(v), w.now_ns_);
        }
      });
      if (full) return DropReason::set_limit;
      break;
    }
  }
  s.last_ns.store(w.now_ns_, std::memory_order_relaxed);
  return std::nullopt;
}

}  // namespace sonde::ingest
