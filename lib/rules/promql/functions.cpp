// PromQL's functions (Prometheus 2.42 promql/functions.go and quantile.go). Range-vector functions
// run over contiguous spans of each series' samples, one window per step.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "core/relabel.hpp"
#include "rules/promql/eval_internal.hpp"
#include "rules/promql/lexer.hpp"

namespace sonde::rules::promql::detail {

namespace {

std::string string_arg(const Expr& e) {
  const Expr* u = unwrap_parens(&e);
  if (u->kind != NodeKind::string) fail("expected a string argument");
  return static_cast<const StringLiteral*>(u)->val;
}

Labels absent_labels(const Expr& arg) {
  const Expr* e = unwrap_parens(&arg);
  const std::vector<Matcher>* lm = nullptr;
  if (e->kind == NodeKind::vector_selector) {
    lm = &static_cast<const VectorSelector*>(e)->matchers;
  } else if (e->kind == NodeKind::matrix_selector) {
    lm = &static_cast<const MatrixSelector*>(e)->vs().matchers;
  } else {
    return {};
  }
  Labels out;
  std::unordered_set<std::string> has;
  for (const auto& m : *lm) {
    if (m.name == kMetricName) continue;
    if (m.type == MatchType::equal && !has.count(m.name)) {
      out.set(m.name, m.value);
      has.insert(m.name);
    } else {
      out.erase(m.name);
    }
  }
  return out;
}

struct Bucket {
  double upper;
  double count;
};

double bucket_quantile(double q, std::vector<Bucket>& b) {
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (!std::isinf(b.back().upper) || b.back().upper < 0) return std::nan("");
  // coalesce
  std::size_t i = 0;
  Bucket last = b[0];
  for (std::size_t k = 1; k < b.size(); ++k) {
    if (b[k].upper == last.upper) {
      last.count += b[k].count;
    } else {
      b[i++] = last;
      last = b[k];
    }
  }
  b[i] = last;
  b.resize(i + 1);
  double mx = b[0].count;
  for (std::size_t k = 1; k < b.size(); ++k) {
    if (b[k].count > mx) {
      mx = b[k].count;
    } else if (b[k].count < mx) {
      b[k].count = mx;
    }
  }
  if (b.size() < 2) return std::nan("");
  double obs = b.back().count;
  if (obs == 0) return std::nan("");
  double rank = q * obs;
  std::size_t n = b.size() - 1, lo = 0, hi = n;
  while (lo < hi) {  // sort.Search
    std::size_t mid = (lo + hi) / 2;
    if (b[mid].count >= rank) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  std::size_t k = lo;
  if (k == b.size() - 1) return b[b.size() - 2].upper;
  if (k == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0, end = b[k].upper, count = b[k].count;
  if (k > 0) {
    start = b[k - 1].upper;
    count -= b[k - 1].count;
    rank -= b[k - 1].count;
  }
  return start + (end - start) * (rank / count);
}

std::optional<double> parse_go_float(std::string_view s) {
  std::string t(s);
  if (t.empty()) return std::nullopt;
  std::string low;
  for (char c : t) low += char(std::tolower(static_cast<unsigned char>(c)));
  std::string_view l = low;
  bool neg = false;
  if (!l.empty() && (l[0] == '+' || l[0] == '-')) {
    neg = l[0] == '-';
    l.remove_prefix(1);
  }
  if (l == "inf" || l == "infinity") return neg ? -INFINITY : INFINITY;
  if (l == "nan") return std::nan("");
  if (l.find("0x") == 0 || l.find("in") == 0 || l.find("na") == 0) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

using Simple = double (*)(double);

std::tm utc(double v) {
  std::time_t t = std::time_t(std::int64_t(v));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
double days_in_month(const std::tm& t) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = t.tm_year + 1900;
  return t.tm_mon == 1 && leap(y) ? 29 : kDays[t.tm_mon];
}

}  // namespace

Matrix Evaluator::eval_call(const Call& e) {
  std::string_view name = e.func->name;
  if (name == "timestamp") {
    const Expr* a = unwrap_parens(e.args[0].get());
    if (a->kind == NodeKind::vector_selector) {
      Matrix m = eval_vector_selector(*static_cast<const VectorSelector*>(a), true);
      for (auto& s : m) s.metric.erase(kMetricName);
      check_same_labelset(m);
      return m;
    }
  }
  std::size_t matrix_arg = e.args.size();
  for (std::size_t i = 0; i < e.args.size(); ++i) {
    const Expr* a = unwrap_parens(e.args[i].get());
    if (a->kind == NodeKind::matrix_selector || a->kind == NodeKind::subquery) {
      matrix_arg = i;
      break;
    }
  }
  if (matrix_arg == e.args.size()) {
    std::vector<const Expr*> args;
    for (const auto& a : e.args) args.push_back(a.get());
    auto simple = [&](Simple f) {
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        for (const auto& s : c.vectors[0]) {
          Sample o{s.metric, Point{0, f(s.point.v)}};
          o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      });
    };
    static const std::unordered_map<std::string_view, Simple> kSimple = {
        {"abs", [](double v) { return std::fabs(v); }},
        {"ceil", [](double v) { return std::ceil(v); }},
        {"floor", [](double v) { return std::floor(v); }},
        {"exp", [](double v) { return std::exp(v); }},
        {"sqrt", [](double v) { return std::sqrt(v); }},
        {"ln", [](double v) { return std::log(v); }},
        {"log2", [](double v) { return std::log2(v); }},
        {"log10", [](double v) { return std::log10(v); }},
        {"sin", [](double v) { return std::sin(v); }},
        {"cos", [](double v) { return std::cos(v); }},
        {"tan", [](double v) { return std::tan(v); }},
        {"asin", [](double v) { return std::asin(v); }},
        {"acos", [](double v) { return std::acos(v); }},
        {"atan", [](double v) { return std::atan(v); }},
        {"sinh", [](double v) { return std::sinh(v); }},
        {"cosh", [](double v) { return std::cosh(v); }},
        {"tanh", [](double v) { return std::tanh(v); }},
        {"asinh", [](double v) { return std::asinh(v); }},
        {"acosh", [](double v) { return std::acosh(v); }},
        {"atanh", [](double v) { return std::atanh(v); }},
        {"deg", [](double v) { return v * 180 / M_PI; }},
        {"rad", [](double v) { return v * M_PI / 180; }},
        {"sgn", [](double v) { return v < 0   ? -1.0
                                      : v > 0 ? 1.0
                                              : v; }},
    };
    if (auto it = kSimple.find(name); it != kSimple.end()) return simple(it->second);
    using DateFn = double (*)(const std::tm&);
    static const std::unordered_map<std::string_view, DateFn> kDate = {
        {"days_in_month", [](const std::tm& t) { return days_in_month(t); }},
        {"day_of_month", [](const std::tm& t) { return double(t.tm_mday); }},
        {"day_of_week", [](const std::tm& t) { return double(t.tm_wday); }},
        {"day_of_year", [](const std::tm& t) { return double(t.tm_yday + 1); }},
        {"hour", [](const std::tm& t) { return double(t.tm_hour); }},
        {"minute", [](const std::tm& t) { return double(t.tm_min); }},
        {"month", [](const std::tm& t) { return double(t.tm_mon + 1); }},
        {"year", [](const std::tm& t) { return double(t.tm_year + 1900); }},
    };
    if (auto it = kDate.find(name); it != kDate.end()) {
      DateFn f = it->second;
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        if (args.empty()) {
          out.push_back(Sample{Labels{}, Point{0, f(utc(double(c.ts / 1000)))}});
          return;
        }
        for (const auto& s : c.vectors[0]) {
          Sample o{s.metric, Point{0, f(utc(s.point.v))}};
          o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      });
    }
    if (name == "time")
      return range_eval(args, [](StepCtx& c, Vector& out) {
        out.push_back(Sample{Labels{}, Point{0, double(c.ts) / 1000}});
      });
    if (name == "pi")
      return range_eval(args, [](StepCtx&, Vector& out) {
        out.push_back(Sample{Labels{}, Point{0, M_PI}});
      });
    if (name == "vector")
      return range_eval(args, [](StepCtx& c, Vector& out) {
        out.push_back(Sample{Labels{}, Point{0, c.vectors[0][0].point.v}});
      });
    if (name == "scalar")
      return range_eval(args, [](StepCtx& c, Vector& out) {
        double v = c.vectors[0].size() == 1 ? c.vectors[0][0].point.v : std::nan("");
        out.push_back(Sample{Labels{}, Point{0, v}});
      });
    if (name == "timestamp")
      return range_eval(args, [](StepCtx& c, Vector& out) {
        for (const auto& s : c.vectors[0]) {
          Sample o{s.metric, Point{0, double(c.ts) / 1000}};
          o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      });
    if (name == "absent") {
      Labels l = absent_labels(*e.args[0]);
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        if (c.vectors[0].empty()) out.push_back(Sample{l, Point{0, 1}});
      });
    }
    if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
      int kind = name == "clamp" ? 0 : name == "clamp_min" ? 1 : 2;
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        double lo = -INFINITY, hi = INFINITY;
        if (kind == 0) {
          lo = c.vectors[1][0].point.v;
          hi = c.vectors[2][0].point.v;
          if (hi < lo) return;
        } else if (kind == 1) {
          lo = c.vectors[1][0].point.v;
        } else {
          hi = c.vectors[1][0].point.v;
        }
        for (const auto& s : c.vectors[0]) {
          double v = kind == 0   ? std::fmax(lo, std::fmin(hi, s.point.v))
                     : kind == 1 ? std::fmax(lo, s.point.v)
                                 : std::fmin(hi, s.point.v);
          // Go's math.Max/Min propagate NaN; fmax/fmin do not.
          if (std::isnan(s.point.v) || std::isnan(lo) || std::isnan(hi)) v = std::nan("");
          Sample o{s.metric, Point{0, v}};
          o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      });
    }
    if (name == "round")
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        double to = args.size() >= 2 ? c.vectors[1][0].point.v : 1;
        double inv = 1.0 / to;
        for (const auto& s : c.vectors[0]) {
          Sample o{s.metric, Point{0, std::floor(s.point.v * inv + 0.5) / inv}};
          o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      });
    if (name == "sort" || name == "sort_desc") {
      bool desc = name == "sort_desc";
      return range_eval(args, [desc](StepCtx& c, Vector& out) {
        out = c.vectors[0];
        std::stable_sort(out.begin(), out.end(), [desc](const Sample& a, const Sample& b) {
          double x = a.point.v, y = b.point.v;
          if (std::isnan(x)) return false;
          if (std::isnan(y)) return true;
          return desc ? x > y : x < y;
        });
      });
    }
    if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_fraction") {
      // Only native histograms have these; float series give nothing.
      return range_eval(args, [](StepCtx&, Vector&) {});
    }
    if (name == "histogram_quantile") {
      return range_eval(args, [](StepCtx& c, Vector& out) {
        double q = c.vectors[0][0].point.v;
        std::unordered_map<std::uint64_t, std::size_t> index;
        std::vector<std::pair<Labels, std::vector<Bucket>>> groups;
        static const std::vector<std::string> kLe = {"le"};
        for (const auto& s : c.vectors[1]) {
          auto ub = parse_go_float(s.metric.get("le"));
          if (!ub) continue;
          std::uint64_t h = s.metric.hash_for(kLe, true) ^ (s.metric.has(kMetricName) ? 0 : 1);
          // hash_for(without) skips __name__; Prometheus groups by every label but le.
          h ^= std::hash<std::string_view>{}(s.metric.get(kMetricName)) * 0x9E3779B97F4A7C15ULL;
          auto [it, inserted] = index.emplace(h, groups.size());
          if (inserted) {
            Labels l = s.metric;
            l.erase("le");
            l.erase(kMetricName);
            groups.emplace_back(std::move(l), std::vector<Bucket>{});
          }
          groups[it->second].second.push_back(Bucket{*ub, s.point.v});
        }
        for (auto& [l, b] : groups) out.push_back(Sample{l, Point{0, bucket_quantile(q, b)}});
      });
    }
    if (name == "label_replace") {
      std::string dst = string_arg(*e.args[1]), repl = string_arg(*e.args[2]),
                  src = string_arg(*e.args[3]), re_str = string_arg(*e.args[4]);
      auto re = core::Regex::compile(re_str, core::Regex::Anchor::full);
      if (!re.ok()) fail(fmt::format("invalid regular expression in label_replace(): {}", re_str));
      if (!is_label_name(dst))
        fail(fmt::format("invalid destination label name in label_replace(): {}", dst));
      std::unordered_map<std::uint64_t, Labels> cache;
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        for (const auto& s : c.vectors[0]) {
          std::uint64_t h = s.metric.hash();
          auto it = cache.find(h);
          if (it == cache.end()) {
            Labels l = s.metric;
            if (auto g = core::match_groups(*re, s.metric.get(src))) {
              std::string res = core::expand_template(repl, *g, re->re2().NamedCapturingGroups());
              l.erase(dst);
              if (!res.empty()) l.set(dst, res);
            }
            it = cache.emplace(h, std::move(l)).first;
          }
          out.push_back(Sample{it->second, Point{0, s.point.v}});
        }
      });
    }
    if (name == "label_join") {
      std::string dst = string_arg(*e.args[1]), sep = string_arg(*e.args[2]);
      std::vector<std::string> srcs;
      for (std::size_t i = 3; i < e.args.size(); ++i) {
        srcs.push_back(string_arg(*e.args[i]));
        if (!is_label_name(srcs.back()))
          fail(fmt::format("invalid source label name in label_join(): {}", srcs.back()));
      }
      if (!is_label_name(dst))
        fail(fmt::format("invalid destination label name in label_join(): {}", dst));
      return range_eval(args, [&](StepCtx& c, Vector& out) {
        for (const auto& s : c.vectors[0]) {
          std::string v;
          for (std::size_t i = 0; i < srcs.size(); ++i) {
            if (i) v += sep;
            v += s.metric.get(srcs[i]);
          }
          Labels l = s.metric;
          l.set(dst, v);
          out.push_back(Sample{std::move(l), Point{0, s.point.v}});
        }
      });
    }
    fail(fmt::format("function \"{}\" is not implemented", name));
  }

  // A range-vector argument: evaluate the function per series over each step's window.
  RangeFn fn = range_function(name);
  if (!fn) fail(fmt::format("function \"{}\" is not implemented", name));
  std::size_t nsteps = std::size_t((end_ - start_) / interval_) + 1;
  std::vector<Matrix> others(e.args.size());
  for (std::size_t i = 0; i < e.args.size(); ++i)
    if (i != matrix_arg) others[i] = eval(*e.args[i]);
  const Expr* a = unwrap_parens(e.args[matrix_arg].get());
  std::int64_t range_ms, offset;
  std::optional<std::int64_t> at;
  Matrix inner;  // a subquery's evaluation
  std::vector<SeriesView> views;
  if (a->kind == NodeKind::matrix_selector) {
    auto* ms = static_cast<const MatrixSelector*>(a);
    range_ms = ms->range_ms;
    offset = ms->vs().original_offset_ms;
    at = pinned(ms->vs().at, ms->vs().timestamp_ms);
    std::int64_t first = (at ? *at : start_) - offset - range_ms;
    std::int64_t last = (at ? *at : end_) - offset;
    views = select(ms->vs(), first, last);
  } else {
    auto* sq = static_cast<const SubqueryExpr*>(a);
    range_ms = sq->range_ms;
    offset = sq->original_offset_ms;
    at = pinned(sq->at, sq->timestamp_ms);
    inner = eval_subquery_inner(*sq, nullptr);
    for (const auto& s : inner) views.push_back(SeriesView{&s.metric, s.points, 0});
  }
  bool keep_name = name == "last_over_time";
  Matrix mat;
  mat.reserve(views.size());
  std::vector<double> scalars(e.args.size());
  std::vector<Point> scratch;
  for (const auto& s : views) {
    check_deadline();
    Series out{keep_name || !s.labels_without_name ? *s.labels : *s.labels_without_name, {}};
    if (!keep_name) out.metric.erase(kMetricName);
    std::size_t lo = 0, hi = 0, step = 0;
    for (std::int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      std::int64_t maxt = (at ? *at : ts) - offset;
      std::int64_t mint = maxt - range_ms;
      if (at || step == 0) {
        auto first = std::lower_bound(s.samples.begin(), s.samples.end(), mint,
                                      [](const Point& p, std::int64_t t) { return p.t < t; });
        lo = std::size_t(first - s.samples.begin());
        // The window's end by binary search too: a one-step evaluation (every rule's) would
        // otherwise walk the whole window once more just to find it.
        hi = std::size_t(std::upper_bound(first, s.samples.end(), maxt,
                                          [](std::int64_t t, const Point& p) { return t < p.t; }) -
                         s.samples.begin());
      }
      while (lo < s.samples.size() && s.samples[lo].t < mint) ++lo;
      if (hi < lo) hi = lo;
      while (hi < s.samples.size() && s.samples[hi].t <= maxt) ++hi;
      std::span<const Point> win = s.samples.subspan(lo, hi - lo);
      bool has_stale = false;
      for (const auto& p : win) has_stale |= is_stale_nan(p.v);  // no branch a sample
      if (has_stale) {
        scratch.clear();
        for (const auto& p : win)
          if (!is_stale_nan(p.v)) scratch.push_back(p);
        win = scratch;
      }
      if (win.empty()) continue;
      add_samples(win.size());
      for (std::size_t j = 0; j < e.args.size(); ++j)
        if (j != matrix_arg) scalars[j] = others[j][0].points[step].v;
      RangeCtx ctx{ts, maxt - range_ms, maxt, range_ms, scalars};
      double v;
      bool ok = fn(win, ctx, &v);
      sub_samples(win.size());
      if (ok) out.points.push_back(Point{ts, v});
    }
    (void)nsteps;
    if (!out.points.empty()) {
      add_samples(out.points.size());
      mat.push_back(std::move(out));
    }
  }
  if (name == "absent_over_time") {
    std::unordered_set<std::int64_t> found;
    for (const auto& s : mat)
      for (const auto& p : s.points) found.insert(p.t);
    Series r{absent_labels(*e.args[0]), {}};
    for (std::int64_t ts = start_; ts <= end_; ts += interval_)
      if (!found.count(ts)) r.points.push_back(Point{ts, 1});
    Matrix m;
    if (!r.points.empty()) m.push_back(std::move(r));
    return m;
  }
  check_same_labelset(mat);
  return mat;
}

}  // namespace sonde::rules::promql::detail
