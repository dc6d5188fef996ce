#include "ingest/series.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "core/exposition.hpp"

namespace sonde::ingest {

namespace {

constexpr std::size_t kLogLineBytes = 200;

}  // namespace

// KeyInfo sits in the padding after `expired`: a series costs the cache's answer nothing.
static_assert(sizeof(void*) != 8 || sizeof(Series) == 56, "Series grew past 56 bytes");

Series* Series::create(SeriesKind kind, std::string_view text, std::string_view raw, KeyInfo info) {
  // One block: the series, then its text, then its raw key (alignof(Series) is 8; what
  // operator new returns is aligned for any object).
  void* block = ::operator new(sizeof(Series) + text.size() + raw.size());
  auto* s = new (block) Series(kind, static_cast<std::uint32_t>(text.size()),
                               static_cast<std::uint32_t>(raw.size()), info);
  char* chars = reinterpret_cast<char*>(s + 1);
  if (!text.empty()) std::memcpy(chars, text.data(), text.size());
  if (!raw.empty()) std::memcpy(chars + text.size(), raw.data(), raw.size());
  return s;
}

void Series::release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  this->~Series();
  ::operator delete(static_cast<void*>(this));
}

KeyAlias* KeyAlias::create(std::string_view key, Series* series, KeyInfo info, double sample_rate) {
  void* block = ::operator new(sizeof(KeyAlias) + key.size());
  auto* a = new (block) KeyAlias(series, static_cast<std::uint32_t>(key.size()), info, sample_rate);
  if (!key.empty()) std::memcpy(reinterpret_cast<char*>(a + 1), key.data(), key.size());
  return a;
}

void KeyAlias::destroy(KeyAlias* a) {
  a->series->release();
  a->~KeyAlias();
  ::operator delete(static_cast<void*>(a));
}

FamilyState::~FamilyState() {
  series.for_each([](std::uintptr_t v) { reinterpret_cast<Series*>(v)->release(); });
}

bool has_total_suffix(std::string_view name) {
  constexpr std::string_view kTotal = "_total";
  return name.size() > kTotal.size() && name.substr(name.size() - kTotal.size()) == kTotal;
}

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
      if (has_total_suffix(name)) {
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

std::string render(std::string_view name, const Labels& labels, std::string_view extra_name,
                   std::string_view extra_value) {
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

}  // namespace sonde::ingest
