#include "ingest/aggregator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/exposition.hpp"
#include "ingest/names.hpp"

namespace sonde::ingest {

struct SummaryState {
  struct Obs {
    std::int64_t ns;
    double value;
    double weight;
  };
  std::mutex mu;
  std::deque<Obs> window;
  double sum = 0;
  double count = 0;
};

struct SetState {
  std::mutex mu;
  std::unordered_map<std::string, std::int64_t> seen;  // value -> last seen (steady ns)
};

struct FamilyState {
  std::string name;
  std::string help;
  SeriesKind kind = SeriesKind::gauge;
  // Histogram upper bounds, without +Inf; shared with the family's series, which a worker may
  // still update after the family is gone (expired under it).
  std::shared_ptr<const std::vector<double>> bounds;
  std::vector<double> quantiles;   // summary
  std::int64_t max_age_ns = 0;     // summary window
  std::vector<std::string> names;  // every name this family exposes (held in names_)
  std::unordered_map<std::string_view, std::shared_ptr<Series>> series;  // by Series::text
};

struct Series {
  std::shared_ptr<const std::vector<double>> bounds;  // histograms
  SeriesKind kind = SeriesKind::gauge;
  double scale = 1;
  std::int64_t ttl_ns = 0;
  std::string text;                // name{labels}: the canonical identity and, for counters,
                                   // gauges and sets, the rendered series
  std::vector<std::string> extra;  // histograms, summaries: every sample's rendered text
  std::atomic<double> value{0};
  std::atomic<std::int64_t> last_ns{0};
  std::atomic<bool> expired{false};
  std::unique_ptr<std::atomic<double>[]> cells;  // histogram: buckets..., +Inf, sum, count
  std::unique_ptr<SummaryState> summary;
  std::unique_ptr<SetState> set;
};

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kReservedPrefixes[] = {"node_", "DCGM_", "sonde_", "process_"};
constexpr std::size_t kLogLineBytes = 200;

core::MetricType metric_type(SeriesKind k) {
  switch (k) {
    case SeriesKind::counter:
      return core::MetricType::counter;
    case SeriesKind::histogram:
      return core::MetricType::histogram;
    case SeriesKind::summary:
      return core::MetricType::summary;
    case SeriesKind::gauge:
    case SeriesKind::set:
      break;
  }
  return core::MetricType::gauge;
}

std::vector<std::string> exposed_names(const std::string& name, SeriesKind k) {
  switch (k) {
    case SeriesKind::counter:
      if (name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0) {
        return {name, name.substr(0, name.size() - 6)};
      }
      return {name, name + "_total"};
    case SeriesKind::histogram:
      return {name, name + "_bucket", name + "_sum", name + "_count"};
    case SeriesKind::summary:
      return {name, name + "_sum", name + "_count"};
    case SeriesKind::gauge:
    case SeriesKind::set:
      break;
  }
  return {name};
}

std::string render(std::string_view name, const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  std::vector<core::Label> ls;
  ls.reserve(labels.size() + 1);
  for (const auto& [k, v] : labels) ls.emplace_back(k, v);
  if (!extra_name.empty()) ls.emplace_back(extra_name, extra_value);
  return core::render_series(name, ls);
}

std::string format_bound(double v) {
  std::string s;
  core::append_label_number(s, v);
  return s;
}

/// The line as it may appear in a log: shortened, control and non-ASCII bytes as \xNN.
std::string printable(std::string_view line) {
  std::string out;
  const std::size_t n = std::min(line.size(), kLogLineBytes);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (line.size() > n) out += "... (" + std::to_string(line.size()) + " bytes)";
  return out;
}

SeriesKind kind_for(MetricKind k, ingest::ObserverType observer) {
  switch (k) {
    case MetricKind::counter:
      return SeriesKind::counter;
    case MetricKind::gauge:
      return SeriesKind::gauge;
    case MetricKind::set:
      return SeriesKind::set;
    case MetricKind::timer:
    case MetricKind::histogram:
    case MetricKind::distribution:
      break;
  }
  return observer == ingest::ObserverType::summary ? SeriesKind::summary : SeriesKind::histogram;
}

void add_atomic(std::atomic<double>& a, double v) { a.fetch_add(v, std::memory_order_relaxed); }

/// Calls f(value, text) for each value of a numeric line; a single value was parsed already.
template <class F>
void each_number(const MetricLine& m, F&& f) {
  if (!m.multi_value) return f(m.first_value, m.values);
  for_each_value(m.values, [&](std::string_view v) { f(*parse_number(v), v); });
}

}  // namespace

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

Worker::Worker(ListenerStats* stats, std::size_t key_capacity) : stats_(stats) {
  key_.reserve(key_capacity);
  cache_.reserve(1024);
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
  workers_.push_back(
      std::unique_ptr<Worker>(new Worker(stats, std::size_t{options_.max_line_bytes} + 24)));
  return *workers_.back();
}

std::size_t Aggregator::series_count() const {
  std::lock_guard lock(mu_);
  return series_count_;
}

void Aggregator::ingest(Worker& w, std::string_view payload, const Origin* origin) {
  w.now_ns_ = clock_.steady_now().time_since_epoch().count();
  w.origin_ = origin;
  if (w.epoch_ != epoch_.load(std::memory_order_relaxed)) sweep(w);
  for_each_line(payload, [&](std::string_view line) { ingest_line(w, line); });
}

void Aggregator::count_rejected(Worker& w, DropReason r, std::string_view line) {
  reject(w, r, line);
}

void Aggregator::sweep(Worker& w) {
  w.epoch_ = epoch_.load(std::memory_order_relaxed);
  for (auto it = w.cache_.begin(); it != w.cache_.end();) {
    if (it->second->expired.load(std::memory_order_relaxed)) {
      it = w.cache_.erase(it);
    } else {
      ++it;
    }
  }
}

void Aggregator::ingest_line(Worker& w, std::string_view line) {
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

void Aggregator::metric_line(Worker& w, const MetricLine& m, std::string_view line) {
  if (m.kind == MetricKind::counter) {
    bool negative = false;
    each_number(m, [&](double x, std::string_view) { negative |= x < 0; });
    if (negative) return reject(w, DropReason::negative_counter, line);
  }
  std::string_view container;
  if (options_.origin_detection) {
    // The origin goes first, at a fixed length, so no name or tag bytes can imitate it: the
    // origin's id (unique, never reused), the length of the `|c:` container, the container.
    container = container_field(w, m.container);
    const std::uint64_t id = w.origin_ ? w.origin_->id : 0;
    w.key_.assign(reinterpret_cast<const char*>(&id), sizeof id);
    w.key_ += static_cast<char>(container.size());  // at most 128 (parse_container_field)
    w.key_ += container;
    w.key_ += m.name;
  } else {
    w.key_.assign(m.name);
  }
  w.key_ += '|';
  w.key_ += m.type;
  w.key_ += '|';
  w.key_ += m.tags;
  Series* s = nullptr;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto it = w.cache_.find(std::string_view(w.key_));
    if (it != w.cache_.end() && !it->second->expired.load(std::memory_order_relaxed)) {
      s = it->second.get();
    } else {
      if (it != w.cache_.end()) w.cache_.erase(it);
      auto sp = resolve(w, m, container);
      if (!sp) return reject(w, sp.error(), line);
      // Bounded: every entry is an admitted series (or a tag order of one).
      if (w.cache_.size() >= std::size_t{options_.max_series} * 2) w.cache_.clear();
      s = sp->get();
      w.cache_.emplace(w.key_, std::move(*sp));
    }
    if (!apply(w, *s, m)) return reject(w, DropReason::set_limit, line);
    // Expired by a reader while we updated it: the update went to a series nobody exposes any
    // more, so register it again and apply the line there.
    if (!s->expired.load(std::memory_order_acquire)) break;
  }
  accept(w);
}

bool Aggregator::apply(Worker& w, Series& s, const MetricLine& m) {
  const double weight = 1 / m.sample_rate;
  switch (s.kind) {
    case SeriesKind::counter: {
      double total = 0;
      each_number(m, [&](double x, std::string_view) { total += x; });
      add_atomic(s.value, total * s.scale * weight);
      break;
    }
    case SeriesKind::gauge:
      each_number(m, [&](double value, std::string_view v) {
        const double x = value * s.scale;
        if (v[0] == '+' || v[0] == '-') {
          add_atomic(s.value, x);  // DogStatsD gauge delta
        } else {
          s.value.store(x, std::memory_order_relaxed);
        }
      });
      break;
    case SeriesKind::histogram: {
      const auto& bounds = *s.bounds;
      const std::size_t n = bounds.size();
      each_number(m, [&](double x, std::string_view) {
        if (m.kind == MetricKind::timer) x /= 1000;  // ms -> seconds; h and d as sent
        x *= s.scale;
        const std::size_t i =
            static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), x) -
                                     bounds.begin());  // first bound >= x: le semantics
        add_atomic(s.cells[i], weight);
        add_atomic(s.cells[n + 1], x * weight);
        add_atomic(s.cells[n + 2], weight);
      });
      break;
    }
    case SeriesKind::summary: {
      std::lock_guard lock(s.summary->mu);
      auto& st = *s.summary;
      each_number(m, [&](double x, std::string_view) {
        if (m.kind == MetricKind::timer) x /= 1000;
        x *= s.scale;
        st.window.push_back({w.now_ns_, x, weight});
        st.sum += x * weight;
        st.count += weight;
      });
      while (st.window.size() > options_.summary_max_samples) st.window.pop_front();
      break;
    }
    case SeriesKind::set: {
      std::lock_guard lock(s.set->mu);
      auto& seen = s.set->seen;
      bool full = false;
      for_each_value(m.values, [&](std::string_view v) {
        std::string key(v);
        auto it = seen.find(key);
        if (it != seen.end()) {
          it->second = w.now_ns_;
        } else if (seen.size() >= options_.max_set_values) {
          full = true;
        } else {
          seen.emplace(std::move(key), w.now_ns_);
        }
      });
      if (full) return false;
      break;
    }
  }
  s.last_ns.store(w.now_ns_, std::memory_order_relaxed);
  return true;
}

Labels Aggregator::canonical_labels(std::string_view tags) {
  Labels labels;
  for_each_tag(tags, [&](std::string_view name, std::string_view value, bool has_value) {
    if (name.empty()) {
      tag_errors_[static_cast<std::size_t>(TagError::empty_name)]++;
      return;
    }
    if (!has_value || value.empty()) {
      // As statsd_exporter: a tag without a value (`#canary`) cannot be a Prometheus label
      // (an empty value is no label at all); it is left out and counted.
      tag_errors_[static_cast<std::size_t>(TagError::no_value)]++;
      return;
    }
    std::string v;
    append_valid_utf8(v, value);
    labels.emplace_back(sanitize_label_name(name), std::move(v));
  });
  // Sorted, so any tag order gives the same series; of two tags that sanitize to one label name
  // the smaller value wins, whatever their order on the line.
  std::sort(labels.begin(), labels.end());
  const auto before = labels.size();
  labels.erase(std::unique(labels.begin(), labels.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               labels.end());
  tag_errors_[static_cast<std::size_t>(TagError::duplicate_label)] += before - labels.size();
  return labels;
}

std::string_view Aggregator::container_field(const Worker& w, std::string_view field) {
  if (field.empty()) return {};
  std::string_view id;
  switch (parse_container_field(field, id)) {
    case ContainerField::id:
      break;
    case ContainerField::inode:
      field_ignored_[static_cast<std::size_t>(FieldIgnored::inode)]++;
      return {};
    case ContainerField::invalid:
      field_ignored_[static_cast<std::size_t>(FieldIgnored::invalid)]++;
      return {};
  }
  // What the kernel says about the sender wins over what it says about itself.
  if (w.origin_ && !w.origin_->container_id.empty()) {
    if (w.origin_->container_id != id) {
      field_ignored_[static_cast<std::size_t>(FieldIgnored::overridden)]++;
    }
    return {};
  }
  return id;
}

bool Aggregator::add_origin_labels(Labels& labels, const Worker& w, std::string_view container) {
  if (!options_.origin_detection) return false;
  const std::string_view id =
      w.origin_ && !w.origin_->container_id.empty() ? w.origin_->container_id : container;
  const std::string_view pod = w.origin_ ? std::string_view(w.origin_->pod_uid) : "";
  if (id.empty() && pod.empty()) return false;
  labels.erase(std::remove_if(
                   labels.begin(), labels.end(),
                   [](const auto& l) { return l.first == "container_id" || l.first == "pod_uid"; }),
               labels.end());
  if (!id.empty()) labels.emplace_back("container_id", std::string(id));
  if (!pod.empty()) labels.emplace_back("pod_uid", std::string(pod));
  std::sort(labels.begin(), labels.end());
  return true;
}

Aggregator::Admitted Aggregator::resolve(Worker& w, const MetricLine& m,
                                         std::string_view container) {
  std::optional<MappingResult> mapped;
  if (mapper_) mapped = mapper_->map(m.name, m.kind);
  if (mapped && mapped->rule->drop) return DropReason::mapping_drop;
  std::string name;
  if (mapped) {
    name = is_valid_metric_name(mapped->name) ? mapped->name : sanitize_name(mapped->name);
  } else {
    name = sanitize_name(m.name);
    if (m.kind == MetricKind::counter &&
        !(name.size() >= 6 && name.compare(name.size() - 6, 6, "_total") == 0)) {
      name += "_total";
    }
  }
  if (name.empty()) return DropReason::malformed;
  ingest::ObserverType observer = options_.observer_type;
  if (mapper_ && mapper_->defaults().observer.observer_type) {
    observer = *mapper_->defaults().observer.observer_type;
  }
  if (mapped && mapped->rule->observer.observer_type) {
    observer = *mapped->rule->observer.observer_type;
  }
  Labels labels = canonical_labels(m.tags);
  if (mapped) {
    // Mapping labels win over tags of the same name, as in statsd_exporter.
    for (const auto& label : mapped->labels) {
      const std::string& k = label.first;
      auto it =
          std::find_if(labels.begin(), labels.end(), [&](const auto& l) { return l.first == k; });
      std::string value;
      append_valid_utf8(value, label.second);
      if (it != labels.end()) {
        it->second = std::move(value);
      } else {
        labels.emplace_back(k, std::move(value));
      }
    }
    labels.erase(std::remove_if(labels.begin(), labels.end(),
                                [](const auto& l) { return l.second.empty(); }),
                 labels.end());
    std::sort(labels.begin(), labels.end());
  }
  // After the mapping: the sender's origin cannot be overwritten by its tags or a rule.
  const bool origin = add_origin_labels(labels, w, container);
  return register_series(name, kind_for(m.kind, observer), std::move(labels),
                         mapped ? mapped->rule : nullptr, false, w.now_ns_, origin);
}

Aggregator::Admitted Aggregator::register_series(const std::string& name, SeriesKind kind,
                                                 Labels labels, const MappingRule* rule,
                                                 bool internal, std::int64_t now_ns, bool origin) {
  if (!internal) {
    for (auto prefix : kReservedPrefixes) {
      if (std::string_view(name).substr(0, prefix.size()) == prefix) {
        return DropReason::reserved_name;
      }
    }
  }
  std::string text = render(name, labels);
  std::lock_guard lock(mu_);
  FamilyState* f = nullptr;
  if (auto it = families_.find(name); it != families_.end()) {
    f = it->second.get();
    if (f->kind != kind) return DropReason::type_conflict;
    if (auto s = f->series.find(text); s != f->series.end()) return s->second;
    if (f->series.size() >= options_.max_series_per_metric) return DropReason::cardinality_limit;
  } else {
    for (const auto& n : exposed_names(name, kind)) {
      if (names_.count(n)) return DropReason::type_conflict;
    }
  }
  if (series_count_ >= options_.max_series) return DropReason::cardinality_limit;
  if (!f) {
    auto fam = std::make_unique<FamilyState>();
    fam->name = name;
    fam->kind = kind;
    fam->help = rule && !rule->help.empty() ? rule->help
                : internal                  ? "sonde: DogStatsD events and service checks."
                                            : "Metric autogenerated by sonde from DogStatsD.";
    const MappingDefaults* d = mapper_ ? &mapper_->defaults() : nullptr;
    auto pick = [&](auto member, const auto& fallback) {
      if (rule && (rule->observer.*member)) return *(rule->observer.*member);
      if (d && (d->observer.*member)) return *(d->observer.*member);
      return fallback;
    };
    fam->bounds = std::make_shared<const std::vector<double>>(
        pick(&ObserverSettings::buckets, options_.histogram_buckets));
    fam->quantiles = pick(&ObserverSettings::quantiles, options_.summary_quantiles);
    fam->max_age_ns =
        std::chrono::nanoseconds(pick(&ObserverSettings::max_age, options_.summary_max_age))
            .count();
    fam->names = exposed_names(name, kind);
    for (const auto& n : fam->names) names_.emplace(n, fam.get());
    f = fam.get();
    families_.emplace(name, std::move(fam));
  }
  auto s = std::make_shared<Series>();
  s->kind = kind;
  if (rule && rule->scale) s->scale = *rule->scale;
  std::chrono::milliseconds ttl = options_.ttl;
  if (mapper_ && mapper_->defaults().ttl) ttl = *mapper_->defaults().ttl;
  if (rule && rule->ttl) ttl = *rule->ttl;
  if (origin && ttl.count() == 0) ttl = options_.origin_ttl;
  s->ttl_ns = std::chrono::nanoseconds(ttl).count();
  s->last_ns.store(now_ns, std::memory_order_relaxed);
  switch (kind) {
    case SeriesKind::histogram: {
      s->bounds = f->bounds;
      const std::size_t n = f->bounds->size();
      s->cells = std::make_unique<std::atomic<double>[]>(n + 3);
      for (std::size_t i = 0; i < n + 3; ++i) s->cells[i].store(0, std::memory_order_relaxed);
      s->extra.reserve(n + 3);
      for (double b : *f->bounds)
        s->extra.push_back(render(name + "_bucket", labels, "le", format_bound(b)));
      s->extra.push_back(render(name + "_bucket", labels, "le", "+Inf"));
      s->extra.push_back(render(name + "_sum", labels));
      s->extra.push_back(render(name + "_count", labels));
      break;
    }
    case SeriesKind::summary:
      s->summary = std::make_unique<SummaryState>();
      for (double q : f->quantiles) {
        s->extra.push_back(render(name, labels, "quantile", format_bound(q)));
      }
      s->extra.push_back(render(name + "_sum", labels));
      s->extra.push_back(render(name + "_count", labels));
      break;
    case SeriesKind::set:
      s->set = std::make_unique<SetState>();
      break;
    case SeriesKind::counter:
    case SeriesKind::gauge:
      break;
  }
  s->text = std::move(text);
  f->series.emplace(s->text, s);
  series_count_++;
  return s;
}

void Aggregator::event_line(Worker& w, const EventLine& e, std::string_view line) {
  Labels labels = canonical_labels(e.tags);
  auto set = [&](std::string name, std::string_view value) {
    std::string v;
    append_valid_utf8(v, value);
    auto it =
        std::find_if(labels.begin(), labels.end(), [&](const auto& l) { return l.first == name; });
    if (it != labels.end()) labels.erase(it);
    if (!v.empty()) labels.emplace_back(std::move(name), std::move(v));
  };
  set("title", e.title);
  set("alert_type", e.alert_type);
  set("priority", e.priority);
  set("source_type", e.source_type);
  std::sort(labels.begin(), labels.end());
  const bool origin =
      options_.origin_detection && add_origin_labels(labels, w, container_field(w, e.container));
  auto s = register_series("sonde_app_events_total", SeriesKind::counter, std::move(labels),
                           nullptr, true, w.now_ns_, origin);
  if (!s) return reject(w, s.error(), line);
  add_atomic((*s)->value, 1);
  (*s)->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  accept(w);
}

void Aggregator::check_line(Worker& w, const ServiceCheckLine& c, std::string_view line) {
  Labels labels = canonical_labels(c.tags);
  std::string check;
  append_valid_utf8(check, c.name);
  labels.erase(std::remove_if(labels.begin(), labels.end(),
                              [](const auto& l) { return l.first == "check"; }),
               labels.end());
  labels.emplace_back("check", std::move(check));
  std::sort(labels.begin(), labels.end());
  const bool origin =
      options_.origin_detection && add_origin_labels(labels, w, container_field(w, c.container));
  auto status_series = register_series("sonde_app_service_check_status", SeriesKind::gauge, labels,
                                       nullptr, true, w.now_ns_, origin);
  if (!status_series) return reject(w, status_series.error(), line);
  auto ts_series = register_series("sonde_app_service_check_timestamp_seconds", SeriesKind::gauge,
                                   std::move(labels), nullptr, true, w.now_ns_, origin);
  if (!ts_series) return reject(w, ts_series.error(), line);
  const std::shared_ptr<Series>& status = *status_series;
  const std::shared_ptr<Series>& ts = *ts_series;
  status->value.store(c.status, std::memory_order_relaxed);
  const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
  ts->value.store(c.timestamp.value_or(now), std::memory_order_relaxed);
  status->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  ts->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  accept(w);
}

void Aggregator::collect(core::SnapshotBuilder& out) {
  const std::int64_t now = clock_.steady_now().time_since_epoch().count();
  {
    std::lock_guard lock(mu_);
    bool expired_any = false;
    for (auto fit = families_.begin(); fit != families_.end();) {
      FamilyState& f = *fit->second;
      const core::MetricType type = metric_type(f.kind);
      for (auto sit = f.series.begin(); sit != f.series.end();) {
        Series& s = *sit->second;
        if (s.ttl_ns > 0 && now - s.last_ns.load(std::memory_order_relaxed) > s.ttl_ns) {
          s.expired.store(true, std::memory_order_release);
          sit = f.series.erase(sit);
          series_count_--;
          expired_total_++;
          expired_any = true;
          continue;
        }
        switch (s.kind) {
          case SeriesKind::counter:
          case SeriesKind::gauge:
            out.add_raw(f.name, type, f.help, s.text, s.value.load(std::memory_order_relaxed));
            break;
          case SeriesKind::histogram: {
            const std::size_t n = f.bounds->size();
            double cumulative = 0;
            for (std::size_t i = 0; i <= n; ++i) {
              cumulative += s.cells[i].load(std::memory_order_relaxed);
              out.add_raw(f.name, type, f.help, s.extra[i], cumulative);
            }
            out.add_raw(f.name, type, f.help, s.extra[n + 1],
                        s.cells[n + 1].load(std::memory_order_relaxed));
            // The count is the +Inf bucket, so the two always agree within one scrape.
            out.add_raw(f.name, type, f.help, s.extra[n + 2], cumulative);
            break;
          }
          case SeriesKind::summary: {
            std::lock_guard slock(s.summary->mu);
            auto& st = *s.summary;
            while (!st.window.empty() && now - st.window.front().ns > f.max_age_ns) {
              st.window.pop_front();
            }
            std::vector<std::pair<double, double>> obs;
            obs.reserve(st.window.size());
            double total = 0;
            for (const auto& o : st.window) {
              obs.emplace_back(o.value, o.weight);
              total += o.weight;
            }
            std::sort(obs.begin(), obs.end());
            for (std::size_t i = 0; i < f.quantiles.size(); ++i) {
              double v = std::numeric_limits<double>::quiet_NaN();
              if (!obs.empty()) {
                const double rank = f.quantiles[i] * total;
                double cum = 0;
                v = obs.back().first;
                for (const auto& [x, wgt] : obs) {
                  cum += wgt;
                  if (cum >= rank) {
                    v = x;
                    break;
                  }
                }
              }
              out.add_raw(f.name, type, f.help, s.extra[i], v);
            }
            out.add_raw(f.name, type, f.help, s.extra[f.quantiles.size()], st.sum);
            out.add_raw(f.name, type, f.help, s.extra[f.quantiles.size() + 1], st.count);
            break;
          }
          case SeriesKind::set: {
            std::lock_guard slock(s.set->mu);
            const std::int64_t window = std::chrono::nanoseconds(options_.set_window).count();
            auto& seen = s.set->seen;
            for (auto it = seen.begin(); it != seen.end();) {
              it = now - it->second > window ? seen.erase(it) : std::next(it);
            }
            out.add_raw(f.name, type, f.help, s.text, static_cast<double>(seen.size()));
            break;
          }
        }
        ++sit;
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
              static_cast<double>(st->datagrams.load(std::memory_order_relaxed)));
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
