// Prometheus 2.42's template functions (template/template.go, util/strutil, net.SplitHostPort,
// prometheus/common model.ParseDuration), with their Go signatures and error texts.
#include <arpa/inet.h>
#include <locale.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstring>
#include <cwctype>

#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"
#include "rules/template/go_time.hpp"

namespace sonde::rules::tmpl::detail {
namespace {

// --- Prometheus ---

Value f_query(CallEnv& env, std::vector<Value>& a) {
  if (!env.ctx.query) fail("no query function is available here");
  if (++env.queries > env.ctx.limits.max_queries) {
    fail("more than " + std::to_string(env.ctx.limits.max_queries) +
         " queries in one template expansion");
  }
  auto r = env.ctx.query(a[0].s);
  if (!r.ok()) fail(r.message());
  Value v;
  v.kind = Kind::samples;
  v.samples = std::make_shared<SampleList>();
  for (const auto& s : *r) {
    auto q = std::make_shared<QuerySample>();
    q->labels = s.labels;
    q->value = s.value;
    v.samples->push_back(std::move(q));
  }
  return v;
}

Value f_first(CallEnv&, std::vector<Value>& a) {
  if (a[0].samples && !a[0].samples->empty()) {
    Value v;
    v.kind = Kind::sample;
    v.sample = a[0].samples->front();
    return v;
  }
  fail("first() called on vector with no elements");
}

const char* kNilDeref = "runtime error: invalid memory address or nil pointer dereference";

Value f_label(CallEnv&, std::vector<Value>& a) {
  if (!a[1].sample) fail(kNilDeref);
  auto it = a[1].sample->labels.find(a[0].s);
  return Value::string(it == a[1].sample->labels.end() ? "" : it->second);
}
Value f_value(CallEnv&, std::vector<Value>& a) {
  if (!a[0].sample) fail(kNilDeref);
  return Value::floating(a[0].sample->value);
}
Value f_strvalue(CallEnv&, std::vector<Value>& a) {
  if (!a[0].sample) fail(kNilDeref);
  auto it = a[0].sample->labels.find("__value__");
  return Value::string(it == a[0].sample->labels.end() ? "" : it->second);
}

Value f_args(CallEnv&, std::vector<Value>& a) {
  auto m = std::make_shared<AnyMap>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    Value v = a[i];
    if (v.kind == Kind::invalid) v.kind = Kind::nil;
    m->entries.emplace_back("arg" + std::to_string(i), v);
  }
  std::sort(m->entries.begin(), m->entries.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  Value out;
  out.kind = Kind::any_map;
  out.map = std::move(m);
  return out;
}

Value f_safe_html(CallEnv&, std::vector<Value>& a) { return Value::string(a[0].s, Kind::html); }

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

std::string map_case(const std::string& s, bool upper) {
  std::string out;
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(s, i, w);
    if (r < 0x80) {
      char c = s[i];
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (loc != static_cast<locale_t>(nullptr)) {
      auto m =
          upper ? towupper_l(static_cast<wint_t>(r), loc) : towlower_l(static_cast<wint_t>(r), loc);
      gofmt::append_rune(out, static_cast<std::int32_t>(m));
    } else {
      out.append(s, i, w);
    }
    i += w;
  }
  return out;
}

Value f_to_upper(CallEnv&, std::vector<Value>& a) { return Value::string(map_case(a[0].s, true)); }
Value f_to_lower(CallEnv&, std::vector<Value>& a) { return Value::string(map_case(a[0].s, false)); }

bool is_separator(std::int32_t r) {
  if (r <= 0x7F) {
    if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_') {
      return false;
    }
    return true;
  }
  if (gofmt::is_letter(r) || gofmt::is_digit(r)) return false;
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

Value f_title(CallEnv&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  std::string out;
  std::int32_t prev = ' ';
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(s, i, w);
    if (is_separator(prev)) {
      if (r < 0x80) {
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
      } else if (loc != static_cast<locale_t>(nullptr)) {
        gofmt::append_rune(out, static_cast<std::int32_t>(towupper_l(static_cast<wint_t>(r), loc)));
      } else {
        out.append(s, i, w);
      }
    } else {
      out.append(s, i, w);
    }
    prev = r;
    i += w;
  }
  return Value::string(out);
}

Value f_graph_link(CallEnv&, std::vector<Value>& a) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=0");
}
Value f_table_link(CallEnv&, std::vector<Value>& a) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=1");
}

Value f_sort_by_label(CallEnv&, std::vector<Value>& a) {
  Value v = a[1];
  if (v.samples) {
    const std::string& label = a[0].s;
    auto get = [&](const std::shared_ptr<QuerySample>& s) -> std::string {
      auto it = s->labels.find(label);
      return it == s->labels.end() ? "" : it->second;
    };
    std::stable_sort(v.samples->begin(), v.samples->end(),
                     [&](const auto& x, const auto& y) { return get(x) < get(y); });
  }
  return v;
}

// net.SplitHostPort.
bool split_host_port(const std::string& hp, std::string& host, std::string& port) {
  std::size_t i = hp.rfind(':');
  if (i == std::string::npos) return false;
  std::size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    std::size_t end = hp.find(']');
    if (end == std::string::npos) return false;
    if (end + 1 == hp.size()) return false;
    if (end + 1 != i) return false;
    host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hp.substr(0, i);
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.find('[', j) != std::string::npos) return false;
  if (hp.find(']', k) != std::string::npos) return false;
  port = hp.substr(i + 1);
  return true;
}

Value f_strip_port(CallEnv&, std::vector<Value>& a) {
  std::string host, port;
  if (!split_host_port(a[0].s, host, port)) return Value::string(a[0].s);
  return Value::string(host);
}

bool parse_ip(const std::string& s) {
  unsigned char buf[16];
  if (s.find(':') != std::string::npos) return inet_pton(AF_INET6, s.c_str(), buf) == 1;
  return inet_pton(AF_INET, s.c_str(), buf) == 1;
}

Value f_strip_domain(CallEnv&, std::vector<Value>& a) {
  const std::string& hp = a[0].s;
  std::string host, port;
  if (!split_host_port(hp, host, port)) {
    host = hp;
    port.clear();
  }
  if (parse_ip(host)) return Value::string(hp);
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    if (host.find(':') != std::string::npos) return Value::string("[" + host + "]:" + port);
    return Value::string(host + ":" + port);
  }
  return Value::string(host);
}

// strconv.ParseFloat(s, 64), with Go's error texts.
double parse_float(const std::string& s) {
  std::string err = "strconv.ParseFloat: parsing " + gofmt::quote(s) + ": invalid syntax";
  if (s.empty()) fail(err);
  std::string body = s;
  std::string_view b = body;
  if (b[0] == '+' || b[0] == '-') b.remove_prefix(1);
  std::string lower;
  for (char c : b) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool neg = s[0] == '-';
  if (lower == "inf" || lower == "infinity") return neg ? -INFINITY : INFINITY;
  if (lower == "nan") return NAN;
  // Underscores only between digits, as in Go literals.
  if (!gofmt::underscore_ok(s)) fail(err);
  std::string clean;
  bool hex = lower.size() > 1 && lower[0] == '0' && lower[1] == 'x';
  for (char c : s) {
    if (c != '_') clean += c;
  }
  for (char c : lower) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'x' ||
          c == 'p' || c == '+' || c == '-' || c == '_')) {
      fail(err);
    }
  }
  if (hex && lower.find('p') == std::string::npos) fail(err);
  if (!hex && lower.find_first_of("abcdfx") != std::string::npos) fail(err);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size() || clean == "+" || clean == "-") fail(err);
  if (errno == ERANGE && std::isinf(v)) {
    fail("strconv.ParseFloat: parsing " + gofmt::quote(s) + ": value out of range");
  }
  return v;
}

double to_float(const Value& v) {
  switch (v.kind) {
    case Kind::floating:
      return v.f;
    case Kind::string:
      return parse_float(v.s);
    case Kind::integer:
      return static_cast<double>(v.i);
    case Kind::invalid:
    case Kind::nil:
      fail("can't convert <nil> to float");
    default:
      fail("can't convert " + type_name(v) + " to float");
  }
}

std::string g4(double v) { return gofmt::format_float(v, 'g', 4); }

Value f_humanize(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  static const char* big[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : big) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::string(g4(v) + prefix);
  }
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix);
}

Value f_humanize1024(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  static const char* big[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : big) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::string(g4(v) + prefix);
}

// Go's int64(f): truncation toward zero; out-of-range converts to MinInt64 on amd64.
std::int64_t go_int64(double f) {
  if (!(f > -9.2233720368547758e18 && f < 9.2233720368547758e18)) return INT64_MIN;
  return static_cast<std::int64_t>(f);
}

Value f_humanize_duration(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  if (v == 0) return Value::string(g4(v) + "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    std::int64_t d = go_int64(v);
    std::int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24,
                 days = d / 60 / 60 / 24;
    if (days != 0) {
      return Value::string(sign + std::to_string(days) + "d " + std::to_string(hours) + "h " +
                           std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    }
    if (hours != 0) {
      return Value::string(sign + std::to_string(hours) + "h " + std::to_string(minutes) + "m " +
                           std::to_string(seconds) + "s");
    }
    if (minutes != 0) {
      return Value::string(sign + std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    }
    return Value::string(sign + g4(v) + "s");
  }
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix + "s");
}

Value f_humanize_percentage(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  return Value::string(g4(v * 100) + "%");
}

// floatToTime: seconds to a time with millisecond resolution (model.TimeFromUnixNano).
bool float_to_time(double v, std::int64_t& ns) {
  if (std::isnan(v) || std::isinf(v)) return false;
  double ts = v * 1e9;
  if (ts > 9.2233720368547758e18 || ts < -9.2233720368547758e18) {
    fail(gofmt::format_float(v, 'g', -1) +
         " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  std::int64_t n = go_int64(ts);
  ns = (n / 1'000'000) * 1'000'000;
  return true;
}

Value f_humanize_timestamp(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  std::int64_t ns = 0;
  if (!float_to_time(v, ns)) return Value::string(g4(v));
  return Value::string(time_string(ns));
}

Value f_to_time(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  std::int64_t ns = 0;
  if (!float_to_time(v, ns)) fail("value is NaN or Inf");
  Value t;
  t.kind = Kind::time;
  t.i = ns;
  return t;
}

std::string url_path(const std::string& url) {
  // The path of scheme://authority/path?query#fragment.
  std::size_t start = 0;
  std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string::npos) return "";
  }
  std::size_t end = url.find_first_of("?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Value f_path_prefix(CallEnv& env, std::vector<Value>&) {
  if (!env.ctx.external_url) fail(kNilDeref);
  return Value::string(url_path(*env.ctx.external_url));
}
Value f_external_url(CallEnv& env, std::vector<Value>&) {
  if (!env.ctx.external_url) fail(kNilDeref);
  return Value::string(*env.ctx.external_url);
}

// prometheus/common v0.39 model.ParseDuration.
Value f_parse_duration(CallEnv&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  if (s == "0") return Value::floating(0);
  if (s.empty()) fail("empty duration string");
  static const std::pair<const char*, std::int64_t> units[] = {{"y", 1000LL * 60 * 60 * 24 * 365},
                                                               {"w", 1000LL * 60 * 60 * 24 * 7},
                                                               {"d", 1000LL * 60 * 60 * 24},
                                                               {"h", 1000LL * 60 * 60},
                                                               {"m", 1000LL * 60},
                                                               {"s", 1000},
                                                               {"ms", 1}};
  std::string invalid = "not a valid duration string: " + gofmt::quote(s);
  std::size_t i = 0, next_unit = 0;
  std::int64_t dur_ns = 0;
  bool overflow = false;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) fail(invalid);
    std::string digits = s.substr(i, j - i);
    std::size_t k = j;
    while (k < s.size() && !(s[k] >= '0' && s[k] <= '9')) ++k;
    std::string unit = s.substr(j, k - j);
    std::size_t u = next_unit;
    while (u < 7 && unit != units[u].first) ++u;
    if (u == 7) fail(invalid);
    next_unit = u + 1;
    long double n = std::strtold(digits.c_str(), nullptr);
    long double limit = static_cast<long double>(INT64_MAX) / units[u].second / 1'000'000;
    if (n > limit) overflow = true;
    long double add = n * units[u].second * 1'000'000.0L;
    if (static_cast<long double>(dur_ns) + add > static_cast<long double>(INT64_MAX)) {
      overflow = true;
    } else {
      dur_ns += static_cast<std::int64_t>(add);
    }
    i = k;
  }
  if (overflow) fail("duration out of range");
  return Value::floating(static_cast<double>(dur_ns) / 1e9);
}

}  // namespace

void add_prometheus_functions(FunctionTable& t) {
  using P = Param;
  t.insert({
      {"query", {{P::string}, false, false, f_query}},
      {"first", {{P::samples}, false, false, f_first}},
      {"label", {{P::string, P::sample}, false, false, f_label}},
      {"value", {{P::sample}, false, false, f_value}},
      {"strvalue", {{P::sample}, false, false, f_strvalue}},
      {"args", {{P::any}, true, false, f_args}},
      {"safeHtml", {{P::string}, false, false, f_safe_html}},
      {"title", {{P::string}, false, false, f_title}},
      {"toUpper", {{P::string}, false, false, f_to_upper}},
      {"toLower", {{P::string}, false, false, f_to_lower}},
      {"graphLink", {{P::string}, false, false, f_graph_link}},
      {"tableLink", {{P::string}, false, false, f_table_link}},
      {"sortByLabel", {{P::string, P::samples}, false, false, f_sort_by_label}},
      {"stripPort", {{P::string}, false, false, f_strip_port}},
      {"stripDomain", {{P::string}, false, false, f_strip_domain}},
      {"humanize", {{P::any}, false, false, f_humanize}},
      {"humanize1024", {{P::any}, false, false, f_humanize1024}},
      {"humanizeDuration", {{P::any}, false, false, f_humanize_duration}},
      {"humanizePercentage", {{P::any}, false, false, f_humanize_percentage}},
      {"humanizeTimestamp", {{P::any}, false, false, f_humanize_timestamp}},
      {"toTime", {{P::any}, false, false, f_to_time}},
      {"pathPrefix", {{}, false, false, f_path_prefix}},
      {"externalURL", {{}, false, false, f_external_url}},
      {"parseDuration", {{P::string}, false, false, f_parse_duration}},
  });
}

}  // namespace sonde::rules::tmpl::detail
