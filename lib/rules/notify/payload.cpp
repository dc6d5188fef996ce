#include "rules/notify/payload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "rules/api.hpp"
#include "rules/go_json.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"

namespace sonde::rules::notify {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;
constexpr unsigned char kSeparator = 0xff;

std::uint64_t fnv_add(std::uint64_t h, std::string_view s) {
  for (const unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::uint64_t fnv_add_byte(std::uint64_t h, unsigned char c) {
  h ^= c;
  return h * kFnvPrime;
}

using Json = nlohmann::ordered_json;

// A Go map[string]string (keys in byte order: `pairs` are sorted) or a label set as JSON.
template <class Pairs>
Json json_object(const Pairs& pairs) {
  Json j = Json::object();
  for (const auto& [k, v] : pairs) j[k] = v;
  return j;
}

Json json_labels(const promql::Labels& labels) {
  Json j = Json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j;
}

// strfmt.DateTime's JSON (go-openapi, as Alertmanager's API models write times): RFC 3339 with
// exactly three fraction digits, in UTC; 0 is Go's zero time.
std::string openapi_time(std::int64_t ms) {
  using namespace std::chrono;
  if (ms == 0) return "0001-01-01T00:00:00.000Z";
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

// regexp.QuoteMeta, which Alertmanager applies to the receiver's name in template.Data.
std::string quote_meta(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (std::string_view(R"(\.+*?()|[]{}^$)").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Prometheus's labels.Compare order of two sorted label lists (model.LabelSet.Before).
bool labels_before(const promql::Labels& a, const promql::Labels& b) {
  const auto la = a.list(), lb = b.list();
  const std::size_t n = std::min(la.size(), lb.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (la[i].name != lb[i].name) return la[i].name < lb[i].name;
    if (la[i].value != lb[i].value) return la[i].value < lb[i].value;
  }
  return la.size() < lb.size();
}

}  // namespace

std::uint64_t fingerprint(const promql::Labels& labels) {
  std::uint64_t h = kFnvOffset;
  for (const auto& l : labels) {
    h = fnv_add(h, l.name);
    h = fnv_add_byte(h, kSeparator);
    h = fnv_add(h, l.value);
    h = fnv_add_byte(h, kSeparator);
  }
  return h;
}

std::string fingerprint_string(std::uint64_t fp) { return fmt::format("{:016x}", fp); }

std::string generator_url(std::string_view external_url, std::string_view expr) {
  // Prometheus's external URL never ends in "/" (computeExternalURL trims it).
  while (!external_url.empty() && external_url.back() == '/') external_url.remove_suffix(1);
  return std::string(external_url) +
         "/graph?g0.expr=" + tmpl::detail::query_escape(std::string(expr)) + "&g0.tab=1";
}

std::string alertmanager_v2_body(std::span<const Notification> alerts) {
  // models.PostableAlert's MarshalJSON joins its own properties (annotations, endsAt, startsAt)
  // and then those of the embedded models.Alert (generatorURL, labels).
  Json body = Json::array();
  for (const auto& a : alerts) {
    Json j = Json::object();
    if (!a.annotations.empty()) j["annotations"] = json_object(a.annotations);
    j["endsAt"] = openapi_time(a.ends_at_ms);
    j["startsAt"] = openapi_time(a.starts_at_ms);
    if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
    j["labels"] = json_labels(a.labels);
    body.push_back(std::move(j));
  }
  return go_json_dump(body);
}

void sort_alerts(std::vector<Notification>& alerts) {
  std::stable_sort(alerts.begin(), alerts.end(), [](const Notification& a, const Notification& b) {
    for (const std::string_view key : {"job", "instance"}) {
      const bool ha = a.labels.has(key), hb = b.labels.has(key);
      if (!ha && !hb) continue;
      if (!ha) return false;
      if (!hb) return true;
      const auto va = a.labels.get(key), vb = b.labels.get(key);
      if (va != vb) return va < vb;
    }
    return labels_before(a.labels, b.labels);
  });
}

std::string group_key(const promql::Labels& group_labels) {
  // model.LabelSet.String() sorts the printed `name="value"` pairs, not the names.
  std::vector<std::string> pairs;
  for (const auto& l : group_labels) pairs.push_back(l.name + "=" + tmpl::gofmt::quote(l.value));
  std::sort(pairs.begin(), pairs.end());
  std::string out = "{}:{";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i != 0) out += ", ";
    out += pairs[i];
  }
  return out + "}";
}

std::string webhook_body(const WebhookGroup& group, std::vector<Notification> alerts,
                         std::int64_t now_ms) {
  sort_alerts(alerts);
  std::uint64_t truncated = 0;
  if (group.max_alerts != 0 && alerts.size() > group.max_alerts) {
    truncated = alerts.size() - group.max_alerts;
    alerts.resize(group.max_alerts);
  }
  bool firing = false;
  for (const auto& a : alerts) firing = firing || !a.resolved(now_ms);

  // Common labels and annotations: the pairs every alert carries with the same value.
  std::map<std::string, std::string> common_labels, common_annotations;
  if (!alerts.empty()) {
    for (const auto& l : alerts.front().labels) common_labels.emplace(l.name, l.value);
    common_annotations.insert(alerts.front().annotations.begin(), alerts.front().annotations.end());
    for (std::size_t i = 1; i < alerts.size(); ++i) {
      std::erase_if(common_labels, [&](const auto& kv) {
        return !alerts[i].labels.has(kv.first) || alerts[i].labels.get(kv.first) != kv.second;
      });
      std::erase_if(common_annotations, [&](const auto& kv) {
        const auto& an = alerts[i].annotations;
        const auto it = std::lower_bound(an.begin(), an.end(), kv.first,
                                         [](const std::pair<std::string, std::string>& p,
                                            const std::string& k) { return p.first < k; });
        return it == an.end() || it->first != kv.first || it->second != kv.second;
      });
    }
  }

  Json list = Json::array();
  for (const auto& a : alerts) {
    const bool resolved = a.resolved(now_ms);
    Json j = Json::object();
    j["status"] = resolved ? "resolved" : "firing";
    j["labels"] = json_labels(a.labels);
    j["annotations"] = json_object(a.annotations);
    j["startsAt"] = go_time(a.starts_at_ms);
    j["endsAt"] = go_time(resolved ? a.ends_at_ms : 0);
    j["generatorURL"] = a.generator_url;
    j["fingerprint"] = fingerprint_string(fingerprint(a.labels));
    list.push_back(std::move(j));
  }
  Json msg = Json::object();
  msg["receiver"] = quote_meta(group.receiver);
  msg["status"] = firing ? "firing" : "resolved";
  msg["alerts"] = std::move(list);
  msg["groupLabels"] = json_labels(group.group_labels);
  msg["commonLabels"] = json_object(common_labels);
  msg["commonAnnotations"] = json_object(common_annotations);
  msg["externalURL"] = group.external_url;
  msg["version"] = "4";
  msg["groupKey"] = group_key(group.group_labels);
  msg["truncatedAlerts"] = truncated;
  return go_json_dump(msg) + "\n";  // json.Encoder.Encode ends the message with a newline
}

}  // namespace sonde::rules::notify
