// PromQL's range-vector functions (Prometheus 2.42 promql/functions.go): rate, increase, delta,
// irate, idelta, deriv, predict_linear, holt_winters, changes, resets and the *_over_time family,
// each over one window of one series' samples.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "rules/promql/eval_internal.hpp"

namespace sonde::rules::promql::detail {
namespace {

void kahan_inc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

bool extrapolated_rate(std::span<const Point> p, const RangeCtx& c, double* out, bool counter,
                       bool rate) {
  if (p.size() < 2) return false;
  double result = p.back().v - p.front().v;
  if (counter) {
    double prev = p[0].v;
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (p[i].v < prev) result += prev;
      prev = p[i].v;
    }
  }
  double to_start = double(p.front().t - c.range_start) / 1000;
  double to_end = double(c.range_end - p.back().t) / 1000;
  double sampled = double(p.back().t - p.front().t) / 1000;
  double avg = sampled / double(p.size() - 1);
  if (counter && result > 0 && p.front().v >= 0) {
    double to_zero = sampled * (p.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg / 2;
  interval += to_end < threshold ? to_end : avg / 2;
  double factor = interval / sampled;
  if (rate) factor /= double(c.range_ms) / 1000;
  *out = result * factor;
  return true;
}

bool f_rate(std::span<const Point> p, const RangeCtx& c, double* o) {
  return extrapolated_rate(p, c, o, true, true);
}
bool f_increase(std::span<const Point> p, const RangeCtx& c, double* o) {
  return extrapolated_rate(p, c, o, true, false);
}
bool f_delta(std::span<const Point> p, const RangeCtx& c, double* o) {
  return extrapolated_rate(p, c, o, false, false);
}

bool instant_value(std::span<const Point> p, double* out, bool rate) {
  if (p.size() < 2) return false;
  const Point& last = p[p.size() - 1];
  const Point& prev = p[p.size() - 2];
  double v = (rate && last.v < prev.v) ? last.v : last.v - prev.v;
  std::int64_t dt = last.t - prev.t;
  if (dt == 0) return false;
  if (rate) v /= double(dt) / 1000;
  *out = v;
  return true;
}
bool f_irate(std::span<const Point> p, const RangeCtx&, double* o) {
  return instant_value(p, o, true);
}
bool f_idelta(std::span<const Point> p, const RangeCtx&, double* o) {
  return instant_value(p, o, false);
}

void linear_regression(std::span<const Point> p, std::int64_t intercept_time, double* slope,
                       double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  double init = p[0].v;
  bool const_y = true;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init) const_y = false;
    n += 1;
    double x = double(p[i].t - intercept_time) / 1e3;
    kahan_inc(x, sx, cx);
    kahan_inc(p[i].v, sy, cy);
    kahan_inc(x * p[i].v, sxy, cxy);
    kahan_inc(x * x, sx2, cx2);
  }
  if (const_y) {
    if (std::isinf(init)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

bool f_deriv(std::span<const Point> p, const RangeCtx&, double* o) {
  if (p.size() < 2) return false;
  double s, i;
  linear_regression(p, p[0].t, &s, &i);
  *o = s;
  return true;
}
bool f_predict_linear(std::span<const Point> p, const RangeCtx& c, double* o) {
  if (p.size() < 2) return false;
  double s, i;
  linear_regression(p, c.ts, &s, &i);
  *o = s * c.scalars[1] + i;
  return true;
}
bool f_holt_winters(std::span<const Point> p, const RangeCtx& c, double* o) {
  double sf = c.scalars[1], tf = c.scalars[2];
  if (sf <= 0 || sf >= 1)
    fail(fmt::format("invalid smoothing factor. Expected: 0 < sf < 1, got: {:f}", sf));
  if (tf <= 0 || tf >= 1)
    fail(fmt::format("invalid trend factor. Expected: 0 < tf < 1, got: {:f}", tf));
  if (p.size() < 2) return false;
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (std::size_t i = 1; i < p.size(); ++i) {
    double x = sf * p[i].v;
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  *o = s1;
  return true;
}
bool f_changes(std::span<const Point> p, const RangeCtx&, double* o) {
  int n = 0;
  for (std::size_t i = 1; i < p.size(); ++i)
    if (p[i].v != p[i - 1].v && !(std::isnan(p[i].v) && std::isnan(p[i - 1].v))) ++n;
  *o = n;
  return true;
}
bool f_resets(std::span<const Point> p, const RangeCtx&, double* o) {
  int n = 0;
  for (std::size_t i = 1; i < p.size(); ++i)
    if (p[i].v < p[i - 1].v) ++n;
  *o = n;
  return true;
}
bool f_avg_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  double mean = 0, count = 0, c = 0;
  for (const auto& x : p) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(x.v) && (mean > 0) == (x.v > 0)) continue;
      if (!std::isinf(x.v) && !std::isnan(x.v)) continue;
    }
    kahan_inc(x.v / count - mean / count, mean, c);
  }
  *o = std::isinf(mean) ? mean : mean + c;
  return true;
}
bool f_count_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  *o = double(p.size());
  return true;
}
bool f_last_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  *o = p.back().v;
  return true;
}
bool f_present_over_time(std::span<const Point>, const RangeCtx&, double* o) {
  *o = 1;
  return true;
}
bool f_absent_over_time(std::span<const Point>, const RangeCtx&, double* o) {
  *o = 1;
  return true;
}
bool f_max_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  double m = p[0].v;
  for (const auto& x : p)
    if (x.v > m || std::isnan(m)) m = x.v;
  *o = m;
  return true;
}
bool f_min_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  double m = p[0].v;
  for (const auto& x : p)
    if (x.v < m || std::isnan(m)) m = x.v;
  *o = m;
  return true;
}
bool f_sum_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  double s = 0, c = 0;
  for (const auto& x : p) kahan_inc(x.v, s, c);
  *o = std::isinf(s) ? s : s + c;
  return true;
}
double stdvar(std::span<const Point> p) {
  double count = 0, mean = 0, cm = 0, aux = 0, ca = 0;
  for (const auto& x : p) {
    count++;
    double delta = x.v - (mean + cm);
    kahan_inc(delta / count, mean, cm);
    kahan_inc(delta * (x.v - (mean + cm)), aux, ca);
  }
  return (aux + ca) / count;
}
bool f_stddev_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  *o = std::sqrt(stdvar(p));
  return true;
}
bool f_stdvar_over_time(std::span<const Point> p, const RangeCtx&, double* o) {
  *o = stdvar(p);
  return true;
}
bool f_quantile_over_time(std::span<const Point> p, const RangeCtx& c, double* o) {
  std::vector<double> v;
  v.reserve(p.size());
  for (const auto& x : p) v.push_back(x.v);
  *o = quantile(c.scalars[0], v);
  return true;
}

}  // namespace

RangeFn range_function(std::string_view name) {
  static const std::unordered_map<std::string_view, RangeFn> kFns = {
      {"rate", f_rate},
      {"increase", f_increase},
      {"delta", f_delta},
      {"irate", f_irate},
      {"idelta", f_idelta},
      {"deriv", f_deriv},
      {"predict_linear", f_predict_linear},
      {"holt_winters", f_holt_winters},
      {"changes", f_changes},
      {"resets", f_resets},
      {"avg_over_time", f_avg_over_time},
      {"count_over_time", f_count_over_time},
      {"last_over_time", f_last_over_time},
      {"present_over_time", f_present_over_time},
      {"absent_over_time", f_absent_over_time},
      {"max_over_time", f_max_over_time},
      {"min_over_time", f_min_over_time},
      {"sum_over_time", f_sum_over_time},
      {"stddev_over_time", f_stddev_over_time},
      {"stdvar_over_time", f_stdvar_over_time},
      {"quantile_over_time", f_quantile_over_time},
  };
  auto it = kFns.find(name);
  return it == kFns.end() ? nullptr : it->second;
}

}  // namespace sonde::rules::promql::detail
