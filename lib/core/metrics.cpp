#include "core/metrics.hpp"

#include <algorithm>
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
  // Runs without a character to escape are appended whole.
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out.append(value.data() + start, i - start);
    out += c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\";
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
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

std::size_t SnapshotBuilder::family(std::string_view name, MetricType type, std::string_view help) {
  // Collectors mostly add a family's samples one after another: the last family needs no
  // lookup.
  if (!snap_.families.empty() && snap_.families.back().name == name) {
    assert(snap_.families.back().type == type && "one family, one type");
    return snap_.families.size() - 1;
  }
  if ((snap_.families.size() + 1) * 2 > slots_.size()) grow();
  std::uint32_t& s = slot(name);
  if (s != 0) {
    assert(snap_.families[s - 1].type == type && "one family, one type");
    return s - 1;
  }
  if (next_spare_ < spare_.size()) {
    Family& f = snap_.families.emplace_back(std::move(spare_[next_spare_++]));
    f.name.assign(name);
    f.help.assign(help);
    f.type = type;
  } else {
    snap_.families.push_back(Family{std::string(name), std::string(help), type, {}});
  }
  used_.push_back(0);
  s = static_cast<std::uint32_t>(snap_.families.size());
  return snap_.families.size() - 1;
}

Sample& SnapshotBuilder::next_sample(std::size_t i) {
  std::vector<Sample>& samples = snap_.families[i].samples;
  const std::uint32_t u = used_[i]++;
  if (u < samples.size()) return samples[u];
  return samples.emplace_back();
}

void SnapshotBuilder::reserve(std::string_view name, MetricType type, std::string_view help,
                              std::size_t n) {
  const std::size_t i = family(name, type, help);
  snap_.families[i].samples.reserve(used_[i] + n);
}

void SnapshotBuilder::add(std::string_view name, MetricType type, std::string_view help,
                          std::span<const Label> labels, double value) {
  Sample& s = next_sample(family(name, type, help));
  s.series.clear();
  // The text's exact length unless a value needs escaping: one allocation (none for a recycled
  // sample whose text is as long as before).
  std::size_t length = name.size() + (labels.empty() ? 0 : 1);
  for (const auto& [k, v] : labels) length += k.size() + v.size() + 4;  // k="v", or k="v"}
  s.series.reserve(length);
  append_series(s.series, name, labels);
  s.value = value;
}

void SnapshotBuilder::add_raw(std::string_view family_name, MetricType type, std::string_view help,
                              std::string series, double value) {
  Sample& s = next_sample(family(family_name, type, help));
  s.series = std::move(series);
  s.value = value;
}

std::string& SnapshotBuilder::add_raw_text(std::string_view family_name, MetricType type,
                                           std::string_view help, double value) {
  Sample& s = next_sample(family(family_name, type, help));
  s.series.clear();
  s.value = value;
  return s.series;
}

Snapshot SnapshotBuilder::take() {
  // Recycled samples a family did not fill this time go; so do recycled families.
  for (std::size_t i = 0; i < snap_.families.size(); ++i) {
    snap_.families[i].samples.resize(used_[i]);
  }
  used_.clear();
  spare_.clear();
  next_spare_ = 0;
  // The table keeps its size for the next snapshot, emptied.
  std::fill(slots_.begin(), slots_.end(), 0);
  parse_errors_ = 0;
  return std::exchange(snap_, Snapshot{});
}

void SnapshotBuilder::recycle(Snapshot&& old) {
  // Whatever was recycled before and not yet used is replaced: one spare snapshot at a time.
  spare_ = std::move(old.families);
  old.families.clear();
  next_spare_ = 0;
  if (snap_.families.capacity() < spare_.size()) snap_.families.reserve(spare_.size());
}

}  // namespace sonde::core
