#include "core/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sonde::core {

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  // Most values are integers (counters, bytes, states). Below 2^53 an integer's shortest
  // round-trip digits are its own, so printing it as an integer gives the same characters as
  // to_chars(double) at a fraction of the cost, except where to_chars's shortest form is
  // scientific (100000 -> "1e+05"): that case, -0 and everything else take to_chars.
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (v > -kExact && v < kExact && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
    const auto n = static_cast<std::int64_t>(v);
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    const auto* digits = buf + (n < 0 ? 1 : 0);
    const auto len = r.ptr - digits;
    // Scientific (d[.ddd]e+XX) is shorter only with 6 or more digits of which at least 5 are
    // trailing zeros ("1e+05" against "100000"): checking 4 leaves those cases to to_chars.
    if (len < 6 || r.ptr[-1] != '0' || r.ptr[-2] != '0' || r.ptr[-3] != '0' || r.ptr[-4] != '0') {
      out.append(buf, r.ptr);
      return;
    }
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_label_number(std::string& out, double v) {
  if (std::isnan(v) || std::isinf(v)) return append_value(out, v);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  int exp = 0;
  const auto e = sci.find('e');
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  if (exp < -4 || exp >= 6) {
    out += sci;
    return;
  }
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

namespace {

/// Appends `help` with `\\` and newline escaped, and `"` too when `quote` (OpenMetrics's
/// escaped-string rule). Runs without a character to escape are appended whole: help texts are
/// half a scrape's bytes and mostly need none.
void append_escaped(std::string& out, std::string_view help, bool quote) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < help.size(); ++i) {
    const char c = help[i];
    if (c != '\\' && c != '\n' && (!quote || c != '"')) continue;
    out.append(help.data() + start, i - start);
    out += c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\";
    start = i + 1;
  }
  out.append(help.data() + start, help.size() - start);
}

}  // namespace

void append_escaped_help(std::string& out, std::string_view help) {
  append_escaped(out, help, false);
}

namespace {

constexpr std::string_view kTotal = "_total";

bool ends_with_total(std::string_view name) {
  return name.size() > kTotal.size() && name.substr(name.size() - kTotal.size()) == kTotal;
}

// OpenMetrics escapes `"` in HELP as well (its escaped-string rule).
void append_escaped_om_help(std::string& out, std::string_view help) {
  append_escaped(out, help, true);
}

std::vector<const Family*> sorted_families(std::span<const SnapshotPtr> snapshots,
                                           std::size_t& bytes) {
  std::vector<const Family*> fams;
  bytes = 0;
  for (const auto& s : snapshots) {
    if (!s) continue;
    for (const auto& f : s->families) {
      if (f.samples.empty()) continue;
      fams.push_back(&f);
      bytes += f.name.size() * 2 + f.help.size() + 24;
      for (const auto& smp : f.samples) bytes += smp.series.size() + 24;
    }
  }
  std::stable_sort(fams.begin(), fams.end(),
                   [](const Family* a, const Family* b) { return a->name < b->name; });
  return fams;
}

void append_sample(std::string& out, std::string_view series, double value) {
  out += series;
  out += ' ';
  append_value(out, value);
  out += '\n';
}

/// Where the value of the series' last label starts, if that label is `label` and its value is a
/// plain number (sonde renders `le` and `quantile` last); npos otherwise.
std::size_t last_number_label(std::string_view series, std::string_view label) {
  if (series.size() < 2 || series.substr(series.size() - 2) != "\"}") return std::string_view::npos;
  std::size_t start = series.size() - 2;
  while (start > 0 &&
         std::string_view("0123456789.e+-").find(series[start - 1]) != std::string_view::npos) {
    --start;
  }
  if (start == series.size() - 2 || start < label.size() + 3) return std::string_view::npos;
  const std::size_t name_at = start - 2 - label.size();
  if (series.substr(name_at, label.size()) != label || series[start - 2] != '=' ||
      series[start - 1] != '"' || (series[name_at - 1] != '{' && series[name_at - 1] != ',')) {
    return std::string_view::npos;
  }
  return start;
}

/// OpenMetrics: `le="1"` becomes `le="1.0"` (a number with neither '.' nor an exponent gets
/// ".0"); `+Inf` and numbers that already have either stay.
void append_om_sample(std::string& out, std::string_view series, double value,
                      std::string_view number_label) {
  if (!number_label.empty()) {
    const std::size_t at = last_number_label(series, number_label);
    if (at != std::string_view::npos) {
      const std::string_view number = series.substr(at, series.size() - 2 - at);
      if (number.find_first_of(".e") == std::string_view::npos) {
        out += series.substr(0, series.size() - 2);
        out += ".0";
        out += series.substr(series.size() - 2);
        out += ' ';
        append_value(out, value);
        out += '\n';
        return;
      }
    }
  }
  append_sample(out, series, value);
}

}  // namespace

void write_text(std::span<const SnapshotPtr> snapshots, std::string& out) {
  std::size_t bytes = 0;
  const std::vector<const Family*> fams = sorted_families(snapshots, bytes);
  out.reserve(out.size() + bytes);
  for (std::size_t i = 0; i < fams.size(); ++i) {
    const Family& f = *fams[i];
    if (i == 0 || fams[i - 1]->name != f.name) {
      out += "# HELP ";
      out += f.name;
      out += ' ';
      append_escaped_help(out, f.help);
      out += "\n# TYPE ";
      out += f.name;
      out += ' ';
      out += type_name(f.type);
      out += '\n';
    }
    for (const auto& smp : f.samples) append_sample(out, smp.series, smp.value);
  }
}

void write_openmetrics(std::span<const SnapshotPtr> snapshots, std::string& out) {
  std::size_t bytes = 0;
  const std::vector<const Family*> fams = sorted_families(snapshots, bytes);
  out.reserve(out.size() + bytes + 8);
  for (std::size_t i = 0; i < fams.size(); ++i) {
    const Family& f = *fams[i];
    const bool counter = f.type == MetricType::counter;
    const bool has_total = ends_with_total(f.name);
    std::string_view family_name = f.name;
    if (counter && has_total) family_name.remove_suffix(kTotal.size());
    if (i == 0 || fams[i - 1]->name != f.name) {
      out += "# HELP ";
      out += family_name;
      out += ' ';
      append_escaped_om_help(out, f.help);
      out += "\n# TYPE ";
      out += family_name;
      out += ' ';
      out += f.type == MetricType::untyped ? std::string_view("unknown") : type_name(f.type);
      out += '\n';
    }
    const std::string_view number_label = f.type == MetricType::histogram ? "le"
                                          : f.type == MetricType::summary ? "quantile"
                                                                          : "";
    for (const auto& smp : f.samples) {
      const std::string_view series = smp.series;
      // A counter named without `_total` (as prometheus-cpp allows) gets it on its samples, as
      // client_golang's OpenMetrics encoder does.
      if (counter && !has_total && series.substr(0, f.name.size()) == f.name &&
          (series.size() == f.name.size() || series[f.name.size()] == '{')) {
        out += f.name;
        out += kTotal;
        append_sample(out, series.substr(f.name.size()), smp.value);
      } else {
        append_om_sample(out, series, smp.value, number_label);
      }
    }
  }
  out += "# EOF\n";
}

}  // namespace sonde::core
