#include "config/collectors_section.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace sonde::config {
namespace {

using collectors::Key;

bool present(const YAML::Node& map, std::string_view key) {
  const YAML::Node& cn = map;
  if (!cn.IsMap()) return false;
  const YAML::Node v = cn[std::string(key)];
  return v.IsDefined() && !v.IsNull();
}

template <class O>
void read_key(Reader& r, const YAML::Node& n, const std::string& p, const Key<O, bool>& k, O& out) {
  r.boolean(n, p, k.name, out.*k.member);
}

template <class O>
void read_key(Reader& r, const YAML::Node& n, const std::string& p, const Key<O, core::Millis>& k,
              O& out) {
  r.duration(n, p, k.name, out.*k.member, k.min, k.max);
}

/// The words of a comma-separated list that are not in `words`, sorted, each once.
std::vector<std::string> unknown_words(std::string_view list,
                                       std::span<const std::string_view> words) {
  std::vector<std::string> unknown;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view word = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    if (!word.empty() && std::find(words.begin(), words.end(), word) == words.end()) {
      unknown.emplace_back(word);
    }
  }
  std::sort(unknown.begin(), unknown.end());
  unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
  return unknown;
}

template <class O>
void read_key(Reader& r, const YAML::Node& n, const std::string& p, const Key<O, std::string>& k,
              O& out) {
  if (k.regex) {
    r.regex(n, p, k.name, out.*k.member);
  } else if (auto t = r.string(n, p, k.name)) {
    // Relative paths would depend on the daemon's working directory, which systemd sets to /.
    if (k.absolute_path && !t->value.empty() && t->value.front() != '/') {
      r.fail(t->node, join(p, k.name),
             "must be an absolute path (or empty), got " + describe(t->node));
      return;
    }
    if (!k.words.empty()) {
      if (const auto unknown = unknown_words(t->value, k.words); !unknown.empty()) {
        std::string known, bad;
        for (const auto w : k.words) known += (known.empty() ? "" : ", ") + std::string(w);
        for (const auto& w : unknown) bad += (bad.empty() ? "" : ", ") + w;
        r.fail(t->node, join(p, k.name),
               "unknown entries \"" + bad + "\"; expected a comma-separated list of: " + known);
        return;
      }
    }
    out.*k.member = t->value;
  }
}

/// The string member of the key named `name` in `keys`, or null.
template <class O, class Keys>
std::string* string_member(const Keys& keys, std::string_view name, O& out) {
  std::string* found = nullptr;
  const auto one = [&](const auto& key) {
    using K = std::decay_t<decltype(key)>;
    if constexpr (std::is_same_v<K, Key<O, std::string>>) {
      if (key.name == name) found = &(out.*key.member);
    }
  };
  std::apply([&](const auto&... k) { (one(k), ...); }, keys);
  return found;
}

/// An include key with an exclude alternative (node_exporter's device-include/device-exclude):
/// the include alone replaces the exclude's default; both non-empty is an error.
template <class O, class Keys>
void apply_alternative(Reader& r, const YAML::Node& n, const std::string& p,
                       const Key<O, std::string>& k, const Keys& keys, O& out) {
  if (k.alternative.empty()) return;
  std::string* other = string_member(keys, k.alternative, out);
  if (!other) return;  // a key table naming no such key: nothing to pair with
  if (present(n, k.name) && !present(n, k.alternative)) other->clear();
  if (!(out.*k.member).empty() && !other->empty()) {
    r.fail(r.child(n, k.name), join(p, k.name),
           std::string(k.name) + " and " + std::string(k.alternative) +
               " are mutually exclusive; set one of them");
  }
}

template <class O, class T, class Keys>
void apply_alternative(Reader&, const YAML::Node&, const std::string&, const Key<O, T>&,
                       const Keys&, O&) {}

template <class O>
void read_section(Reader& r, const YAML::Node& n, const std::string& p, O& out) {
  constexpr auto keys = O::keys();
  const auto names = std::apply(
      [](const auto&... k) { return std::array<std::string_view, sizeof...(k)>{k.name...}; }, keys);
  if (!r.only_keys(n, p, names)) return;
  std::apply([&](const auto&... k) { (read_key(r, n, p, k, out), ...); }, keys);
  std::apply([&](const auto&... k) { (apply_alternative(r, n, p, k, keys, out), ...); }, keys);
}

}  // namespace

void read_collectors(Reader& r, const YAML::Node& n, const std::string& p,
                     collectors::CollectorsOptions& out) {
  constexpr auto& sections = collectors::kSections;
  const auto names = std::apply(
      [](const auto&... s) { return std::array<std::string_view, sizeof...(s)>{s.name...}; },
      sections);
  if (!r.only_keys(n, p, names)) return;
  std::apply(
      [&](const auto&... s) {
        (read_section(r, r.child(n, s.name), join(p, s.name), out.*s.member), ...);
      },
      sections);
}

}  // namespace sonde::config
