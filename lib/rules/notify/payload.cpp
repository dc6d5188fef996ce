#include "rules/notify/payload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "rules/api.hpp"
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

// A JSON string as Go's encoding/json writes it with HTML escaping on (json.Marshal and
// json.Encoder's default, which Prometheus and Alertmanager use): ", \ and \n \r \t short, other
// control characters and <, >, & as \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
void json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t width = 1;
    const std::int32_t r = tmpl::gofmt::decode_rune(s, i, width);
    if (r == 0xfffd && width == 1) {
      out += "\\ufffd";  // an invalid byte
    } else if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s, i, width);
    }
    i += width;
  }
  out += '"';
}

// A Go map[string]string as JSON: keys in byte order.
template <class Pairs>
void json_object(std::string& out, const Pairs& pairs) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : pairs) {
    if (!first) out += ',';
    first = false;
    json_string(out, k);
    out += ':';
    json_string(out, v);
  }
  out += '}';
}

void json_labels(std::string& out, const promql::Labels& labels) {
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    json_string(out, l.name);
    out += ':';
    json_string(out, l.value);
  }
  out += '}';
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
  return std::string(external_url) +
         "/graph?g0.expr=" + tmpl::detail::query_escape(std::string(expr)) + "&g0.tab=1";
}

std::string alertmanager_v2_body(std::span<const Notification> alerts) {
  // models.PostableAlert's MarshalJSON joins its own properties (annotations, endsAt, startsAt)
  // and then those of the embedded models.Alert (generatorURL, labels).
  std::string out = "[";
  bool first = true;
  for (const auto& a : alerts) {
    if (!first) out += ',';
    first = false;
    out += '{';
    if (!a.annotations.empty()) {
      out += "\"annotations\":";
      json_object(out, a.annotations);
      out += ',';
    }
    out += "\"endsAt\":\"" + openapi_time(a.ends_at_ms) + "\",";
    out += "\"startsAt\":\"" + openapi_time(a.starts_at_ms) + "\"";
    if (!a.generator_url.empty()) {
      out += ",\"generatorURL\":";
      json_string(out, a.generator_url);
    }
    out += ",\"labels\":";
    json_labels(out, a.labels);
    out += '}';
  }
  out += ']';
  return out;
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

  std::string out = "{\"receiver\":";
  json_string(out, quote_meta(group.receiver));
  out += firing ? ",\"status\":\"firing\"" : ",\"status\":\"resolved\"";
  out += ",\"alerts\":[";
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    const auto& a = alerts[i];
    const bool resolved = a.resolved(now_ms);
    if (i != 0) out += ',';
    out += resolved ? "{\"status\":\"resolved\"" : "{\"status\":\"firing\"";
    out += ",\"labels\":";
    json_labels(out, a.labels);
    out += ",\"annotations\":";
    json_object(out, a.annotations);
    out += ",\"startsAt\":\"" + go_time(a.starts_at_ms) + "\"";
    out += ",\"endsAt\":\"" + go_time(resolved ? a.ends_at_ms : 0) + "\"";
    out += ",\"generatorURL\":";
    json_string(out, a.generator_url);
    out += ",\"fingerprint\":\"" + fingerprint_string(fingerprint(a.labels)) + "\"}";
  }
  out += "],\"groupLabels\":";
  json_labels(out, group.group_labels);
  out += ",\"commonLabels\":";
  json_object(out, common_labels);
  out += ",\"commonAnnotations\":";
  json_object(out, common_annotations);
  out += ",\"externalURL\":";
  json_string(out, group.external_url);
  out += ",\"version\":\"4\",\"groupKey\":";
  json_string(out, group_key(group.group_labels));
  out += fmt::format(",\"truncatedAlerts\":{}}}\n", truncated);
  return out;
}

}  // namespace sonde::rules::notify
