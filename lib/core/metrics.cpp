#include "core/metrics.hpp"

#include <cassert>
#include <functional>

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

std::uint32_t& SnapshotBuilder::slot(std::string_view name) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = std::hash<std::string_view>{}(name)&mask;; i = (i + 1) & mask) {
    std::uint32_t& s = slots_[i];
    if (s == 0 || snap_.families[s - 1].name == name) return s;
  }
}

void SnapshotBuilder::grow() {
  std::vector<std::uint32_t> old = std::exchange(slots_, {});
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  for (const std::uint32_t s : old) {
    if (s != 0) slot(snap_.families[s - 1].name) = s;
  }
}

Family& SnapshotBuilder::family(std::string_view name, MetricType type, std::string_view help) {
  // Collectors mostly add a family's samples one after another: the last family needs no
  // lookup.
  if (!snap_.families.empty() && snap_.families.back().name == name) {
    assert(snap_.families.back().type == type && "one family, one type");
    return snap_.families.back();
  }
  if ((snap_.families.size() + 1) * 2 > slots_.size()) grow();
  std::uint32_t& s = slot(name);
  if (s != 0) {
    Family& f = snap_.families[s - 1];
    assert(f.type == type && "one family, one type");
    return f;
  }
  snap_.families.push_back(Family{std::string(name), std::string(help), type, {}});
  s = static_cast<std::uint32_t>(snap_.families.size());
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
  slots_.clear();
  parse_errors_ = 0;
  return std::exchange(snap_, Snapshot{});
}

}  // namespace sonde::core
