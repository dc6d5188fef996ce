#include "rules/promql/value.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

double stale_nan() {
  double v;
  std::memcpy(&v, &kStaleNaNBits, sizeof v);
  return v;
}

Labels::Labels(std::vector<Label> labels) : v_(std::move(labels)) {
  std::stable_sort(v_.begin(), v_.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of equal names.
  std::vector<Label> out;
  out.reserve(v_.size());
  for (auto& l : v_) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  v_ = std::move(out);
}

std::string_view Labels::get(std::string_view name) const {
  for (const auto& l : v_)
    if (l.name == name) return l.value;
  return {};
}

bool Labels::has(std::string_view name) const {
  for (const auto& l : v_)
    if (l.name == name) return true;
  return false;
}

void Labels::set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(v_.begin(), v_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != v_.end() && it->name == name) {
    if (value.empty()) {
      v_.erase(it);
    } else {
      it->value = std::string(value);
    }
    return;
  }
  if (!value.empty()) v_.insert(it, Label{std::string(name), std::string(value)});
}

void Labels::erase(std::string_view name) { set(name, {}); }

Labels Labels::without_name() const {
  Labels l;
  l.v_.reserve(v_.size());
  for (const auto& x : v_)
    if (x.name != kMetricName) l.v_.push_back(x);
  return l;
}

namespace {
inline std::uint64_t mix(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= 0xff;
  h *= 0x100000001b3ULL;
  return h;
}
constexpr std::uint64_t kSeed = 0xcbf29ce484222325ULL;
}  // namespace

std::uint64_t Labels::hash() const {
  std::uint64_t h = kSeed;
  for (const auto& l : v_) h = mix(mix(h, l.name), l.value);
  return h;
}

std::uint64_t Labels::hash_for(const std::vector<std::string>& names, bool without) const {
  std::uint64_t h = kSeed;
  for (const auto& l : v_) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (without ? (listed || l.name == kMetricName) : !listed) continue;
    h = mix(mix(h, l.name), l.value);
  }
  return h;
}

std::string Labels::to_string() const {
  std::string s = "{";
  bool first = true;
  for (const auto& l : v_) {
    if (!first) s += ", ";
    first = false;
    s += l.name + "=" + go_quote(l.value);
  }
  return s + "}";
}

bool operator<(const Labels& a, const Labels& b) {
  std::size_t n = std::min(a.v_.size(), b.v_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.v_[i].name != b.v_[i].name) return a.v_[i].name < b.v_[i].name;
    if (a.v_[i].value != b.v_[i].value) return a.v_[i].value < b.v_[i].value;
  }
  return a.v_.size() < b.v_.size();
}

std::string to_string(const Value& v) {
  struct V {
    std::string operator()(const Scalar& s) const {
      return fmt::format("scalar: {} @[{}]", format_value(s.v), s.t);
    }
    std::string operator()(const String& s) const {
      return fmt::format("string: {} @[{}]", s.v, s.t);
    }
    std::string operator()(const Vector& vec) const {
      std::string out;
      for (const auto& s : vec)
        out += fmt::format("{} => {} @[{}]\n", s.metric.to_string(), format_value(s.point.v),
                           s.point.t);
      return out;
    }
    std::string operator()(const Matrix& m) const {
      std::string out;
      for (const auto& s : m) {
        out += s.metric.to_string() + " =>";
        for (const auto& p : s.points) out += fmt::format(" {} @[{}]", format_value(p.v), p.t);
        out += "\n";
      }
      return out;
    }
  };
  return std::visit(V{}, v);
}

}  // namespace sonde::rules::promql
