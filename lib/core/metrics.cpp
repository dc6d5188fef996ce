#include "core/metrics.hpp"

#include <cassert>

namespace sonde::core {

std::string_view type_name(MetricType t) {
  switch (t) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::untyped:
      return "untyped";
    case MetricType::histogram:
      return "histogram";
    case MetricType::summary:
      return "summary";
  }
  return "untyped";
}

std::size_t Snapshot::series_count() const {
  std::size_t n = 0;
  for (const auto& f : families) n += f.samples.size();
  return n;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_series(std::string& out, std::string_view name, std::span<const Label> labels) {
  out += name;
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped_label_value(out, v);
    out += '"';
  }
  out += '}';
}

std::string render_series(std::string_view name, std::span<const Label> labels) {
  std::string s;
  s.reserve(name.size() + 2 + labels.size() * 16);
  append_series(s, name, labels);
  return s;
}

Family& SnapshotBuilder::family(std::string_view name, MetricType type, std::string_view help) {
  // Collectors add a family's samples one after another: the last family needs no lookup (nor
  // the key string the map's find would build).
  if (!snap_.families.empty() && snap_.families.back().name == name) {
    assert(snap_.families.back().type == type && "one family, one type");
    return snap_.families.back();
  }
  auto it = index_.find(std::string(name));
  if (it != index_.end()) {
    Family& f = snap_.families[it->second];
    assert(f.type == type && "one family, one type");
    return f;
  }
  index_.emplace(std::string(name), snap_.families.size());
  snap_.families.push_back(Family{std::string(name), std::string(help), type, {}});
  return snap_.families.back();
}

void SnapshotBuilder::add(std::string_view name, MetricType type, std::string_view help,
                          std::span<const Label> labels, double value) {
  family(name, type, help).samples.push_back(Sample{render_series(name, labels), value});
}

void SnapshotBuilder::add_raw(std::string_view family_name, MetricType type, std::string_view help,
                              std::string series, double value) {
  family(family_name, type, help).samples.push_back(Sample{std::move(series), value});
}

Snapshot SnapshotBuilder::take() {
  index_.clear();
  parse_errors_ = 0;
  return std::exchange(snap_, Snapshot{});
}

}  // namespace sonde::core
