// The series registry: the slow path of a raw key seen for the first time (mapping, name,
// canonical labels, origin labels) and the registration of a series under the registry mutex
// (reserved names, type conflicts, cardinality limits, TTLs, rendered sample texts).
#include <algorithm>
#include <chrono>

#include "core/utf8.hpp"
#include "ingest/names.hpp"
#include "ingest/series.hpp"

namespace sonde::ingest {

namespace {

constexpr std::string_view kReservedPrefixes[] = {"node_", "DCGM_", "sonde_", "process_"};

}  // namespace

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
    core::append_valid_utf8(v, value);
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
  std::uint8_t ignored = 0;
  const std::string_view id = container_field(w, field, ignored);
  count_ignored(ignored);
  return id;
}

std::string_view Aggregator::container_field(const Worker& w, std::string_view field,
                                             std::uint8_t& ignored) const {
  const auto ignore = [&](FieldIgnored why) {
    ignored = static_cast<std::uint8_t>(1 + static_cast<unsigned>(why));
    return std::string_view{};
  };
  ignored = 0;
  if (field.empty()) return {};
  std::string_view id;
  switch (parse_container_field(field, id)) {
    case ContainerField::id:
      break;
    case ContainerField::inode:
      return ignore(FieldIgnored::inode);
    case ContainerField::invalid:
      return ignore(FieldIgnored::invalid);
  }
  // What the kernel says about the sender wins over what it says about itself.
  if (w.origin_ && !w.origin_->container_id.empty()) {
    if (w.origin_->container_id != id) return ignore(FieldIgnored::overridden);
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

Aggregator::Admitted Aggregator::resolve(Worker& w, const MetricLine& m, std::string_view container,
                                         std::string_view raw_key, KeyInfo info) {
  std::optional<MappingResult> mapped;
  if (mapper_) mapped = mapper_->map(m.name, m.kind);
  if (mapped && mapped->rule->drop) return DropReason::mapping_drop;
  std::string name;
  if (mapped) {
    name = is_valid_metric_name(mapped->name) ? mapped->name : sanitize_name(mapped->name);
  } else {
    name = sanitize_name(m.name);
    if (m.kind == MetricKind::counter && !has_total_suffix(name)) {
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
      core::append_valid_utf8(value, label.second);
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
                         mapped ? mapped->rule : nullptr, false, w.now_ns_, origin, raw_key, info);
}

Aggregator::Admitted Aggregator::register_series(const std::string& name, SeriesKind kind,
                                                 Labels labels, const MappingRule* rule,
                                                 bool internal, std::int64_t now_ns, bool origin,
                                                 std::string_view raw_key, KeyInfo info) {
  if (!internal) {
    for (auto prefix : kReservedPrefixes) {
      if (std::string_view(name).substr(0, prefix.size()) == prefix) {
        return DropReason::reserved_name;
      }
    }
  }
  const std::string text = render(name, labels);
  const std::uint64_t hash = hash_bytes(text);
  const auto same_text = [&](std::uintptr_t v) {
    return reinterpret_cast<const Series*>(v)->text() == text;
  };
  std::lock_guard lock(mu_);
  FamilyState* f = nullptr;
  if (auto it = families_.find(name); it != families_.end()) {
    f = it->second.get();
    if (f->kind != kind) return DropReason::type_conflict;
    if (const std::uintptr_t v = f->series.find(hash, same_text)) {
      auto* s = reinterpret_cast<Series*>(v);
      s->retain();
      return SeriesRef(s);
    }
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
  SeriesRef s(Series::create(kind, text, raw_key, info));
  if (rule && rule->scale) s->scale = *rule->scale;
  std::chrono::milliseconds ttl = options_.ttl;
  if (mapper_ && mapper_->defaults().ttl) ttl = *mapper_->defaults().ttl;
  if (rule && rule->ttl) ttl = *rule->ttl;
  if (origin && ttl.count() == 0) ttl = options_.origin_ttl;
  s->ttl_ns = std::chrono::nanoseconds(ttl).count();
  s->last_ns.store(now_ns, std::memory_order_relaxed);
  switch (kind) {
    case SeriesKind::histogram: {
      auto& x = *(s->extra = std::make_unique<SeriesExtra>());
      x.bounds = f->bounds;
      const std::size_t n = f->bounds->size();
      x.cells = std::make_unique<std::atomic<double>[]>(n + 3);
      for (std::size_t i = 0; i < n + 3; ++i) x.cells[i].store(0, std::memory_order_relaxed);
      x.sample_texts.reserve(n + 3);
      for (double b : *f->bounds)
        x.sample_texts.push_back(render(name + "_bucket", labels, "le", format_bound(b)));
      x.sample_texts.push_back(render(name + "_bucket", labels, "le", "+Inf"));
      x.sample_texts.push_back(render(name + "_sum", labels));
      x.sample_texts.push_back(render(name + "_count", labels));
      break;
    }
    case SeriesKind::summary: {
      auto& x = *(s->extra = std::make_unique<SeriesExtra>());
      x.summary = std::make_unique<SummaryState>();
      for (double q : f->quantiles) {
        x.sample_texts.push_back(render(name, labels, "quantile", format_bound(q)));
      }
      x.sample_texts.push_back(render(name + "_sum", labels));
      x.sample_texts.push_back(render(name + "_count", labels));
      break;
    }
    case SeriesKind::set:
      s->extra = std::make_unique<SeriesExtra>();
      s->extra->set = std::make_unique<SetState>();
      break;
    case SeriesKind::counter:
    case SeriesKind::gauge:
      break;
  }
  s->retain();  // the family's reference
  f->series.insert(hash, reinterpret_cast<std::uintptr_t>(s.get()));
  series_count_++;
  return s;
}

}  // namespace sonde::ingest
