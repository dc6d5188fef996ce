#include "rules/promql/value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

double stale_nan() {
  double v;
  std::memcpy(&v, &kStaleNaNBits, sizeof v);
  return v;
}

Labels::Labels(std::vector<Label> labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of equal names.
  std::vector<Label> out;
  out.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  reset(std::move(out));
}

std::string_view Labels::get(std::string_view name) const {
  for (const auto& l : list())
    if (l.name == name) return l.value;
  return {};
}

bool Labels::has(std::string_view name) const {
  for (const auto& l : list())
    if (l.name == name) return true;
  return false;
}

void Labels::set(std::string_view name, std::string_view value) {
  const auto cur = list();
  auto it = std::lower_bound(cur.begin(), cur.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  bool found = it != cur.end() && it->name == name;
  if (!found && value.empty()) return;
  if (found && it->value == value) return;
  std::vector<Label> v;
  v.reserve(cur.size() + 1);
  v.insert(v.end(), cur.begin(), it);
  if (!value.empty()) v.push_back(Label{std::string(name), std::string(value)});
  v.insert(v.end(), found ? it + 1 : it, cur.end());
  reset(std::move(v));
}

void Labels::erase(std::string_view name) {
  if (name == kMetricName && (!p_ || skip_name_)) return;  // a view without it already
  if (p_ && name == kMetricName && p_->v.front().name == kMetricName) {
    // A view without the first label: no copy.
    if (p_->v.size() == 1) {
      p_.reset();
    } else {
      skip_name_ = true;
    }
    return;
  }
  set(name, {});
}

Labels Labels::without_name() const {
  Labels l = *this;
  l.erase(kMetricName);
  return l;
}

namespace {
// wyhash's multiply-fold: the 128-bit product's halves XORed.
__extension__ typedef unsigned __int128 u128;  // GCC's and Clang's, outside ISO C++
inline std::uint64_t fold(std::uint64_t a, std::uint64_t b) {
  const u128 r = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
/// Mixes one string into h, 8 bytes at a time (a label set's hash hashes every name and value;
/// byte-at-a-time FNV was a tenth of a rule evaluation). Its length goes in last, so where one
/// string ends and the next begins counts.
inline std::uint64_t mix(std::uint64_t h, std::string_view s) {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL;
  constexpr std::uint64_t k1 = 0xe7037ed1a0b428dbULL;
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = fold(h ^ w ^ k0, k1);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return fold(h ^ tail ^ k1, k0 ^ s.size());
}
constexpr std::uint64_t kSeed = 0xcbf29ce484222325ULL;
}  // namespace

void Labels::reset(std::vector<Label> v) {
  if (v.empty()) {
    p_.reset();
    return;
  }
  std::uint64_t h = kSeed;
  for (const auto& l : v) h = mix(mix(h, l.name), l.value);
  std::uint64_t without = h;
  if (v.front().name == kMetricName) {
    without = kSeed;
    for (std::size_t i = 1; i < v.size(); ++i) without = mix(mix(without, v[i].name), v[i].value);
  }
  p_ = std::make_shared<const Rep>(Rep{std::move(v), h, without});
  skip_name_ = false;
}

std::uint64_t Labels::empty_hash() { return kSeed; }

std::uint64_t Labels::hash_for(const std::vector<std::string>& names, bool without) const {
  // Without nothing but the metric name: the same mixing as hash() of the set without it.
  if (without && names.empty()) {
    if (!p_ || skip_name_ || p_->v.front().name == kMetricName) {
      return p_ ? p_->hash_without_name : empty_hash();
    }
    if (!has(kMetricName)) return hash();
  }
  std::uint64_t h = kSeed;
  for (const auto& l : list()) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (without ? (listed || l.name == kMetricName) : !listed) continue;
    h = mix(mix(h, l.name), l.value);
  }
  return h;
}

std::string Labels::to_string() const {
  std::string s = "{";
  bool first = true;
  for (const auto& l : list()) {
    if (!first) s += ", ";
    first = false;
    s += l.name + "=" + go_quote(l.value);
  }
  return s + "}";
}

bool operator<(const Labels& a, const Labels& b) {
  const auto x = a.list();
  const auto y = b.list();
  std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i].name != y[i].name) return x[i].name < y[i].name;
    if (x[i].value != y[i].value) return x[i].value < y[i].value;
  }
  return x.size() < y.size();
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
