// PromQL's aggregations (Prometheus 2.42 promql/engine.go and quantile.go): sum, avg, min,
// max, count, group, stddev, stdvar, topk, bottomk, quantile and count_values, by and without.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rules/promql/eval_internal.hpp"
#include "rules/promql/lexer.hpp"

namespace sonde::rules::promql::detail {

Matrix Evaluator::eval_aggregate(const AggregateExpr& e) {
  std::vector<std::string> grouping = e.grouping;
  std::sort(grouping.begin(), grouping.end());
  const Expr* param = e.param ? unwrap_parens(e.param.get()) : nullptr;
  std::vector<std::uint64_t> keys;
  bool computed = false;
  if (param && param->kind == NodeKind::string) {
    std::string label = static_cast<const StringLiteral*>(param)->val;
    return range_eval({e.expr.get()}, [&](StepCtx& c, Vector& out) {
      aggregate(e.op, grouping, e.without, 0, &label, c.vectors[0], nullptr, out);
    });
  }
  std::vector<std::uint64_t> sk;
  return range_eval({e.param.get(), e.expr.get()}, [&](StepCtx& c, Vector& out) {
    if (!computed && !c.instant) {
      keys.resize(c.mats[1].size());
      for (std::size_t k = 0; k < keys.size(); ++k)
        keys[k] = c.mats[1][k].metric.hash_for(grouping, e.without);
      computed = true;
    }
    sk.resize(c.vectors[1].size());
    for (std::size_t k = 0; k < sk.size(); ++k)
      sk[k] =
          c.instant ? c.vectors[1][k].metric.hash_for(grouping, e.without) : keys[c.origin[1][k]];
    double p = e.param ? (c.vectors[0].empty() ? std::nan("") : c.vectors[0][0].point.v) : 0;
    aggregate(e.op, grouping, e.without, p, nullptr, c.vectors[1], &sk, out);
  });
}

namespace {

struct Group {
  Labels labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<const Sample*> heap;  // topk, bottomk, quantile
};

}  // namespace

void Evaluator::aggregate(Op op, std::vector<std::string> grouping, bool without, double param,
                          const std::string* value_label, const Vector& vec,
                          const std::vector<std::uint64_t>* keys, Vector& out) {
  std::int64_t k = 0;
  if (op == Op::topk || op == Op::bottomk) {
    if (!(param >= -9.223372036854775808e18 && param <= 9.223372036854775807e18))
      fail(fmt::format("Scalar value {} overflows int64", format_value(param)));
    k = std::int64_t(param);
    if (k < 1) return;
  }
  Vector relabelled;
  const Vector* in = &vec;
  if (op == Op::count_values) {
    if (!is_label_name(*value_label))
      fail(fmt::format("invalid label name {}", go_quote(*value_label)));
    if (!without) {
      grouping.push_back(*value_label);
      std::sort(grouping.begin(), grouping.end());
    }
    relabelled = vec;
    for (auto& s : relabelled) s.metric.set(*value_label, format_f(s.point.v));
    in = &relabelled;
    keys = nullptr;
  }
  std::unordered_map<std::uint64_t, std::size_t> index;
  std::vector<Group> groups;
  for (std::size_t si = 0; si < in->size(); ++si) {
    const Sample& s = (*in)[si];
    std::uint64_t key = keys ? (*keys)[si] : s.metric.hash_for(grouping, without);
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) {
      Group g;
      if (without) {
        g.labels = s.metric;
        for (const auto& n : grouping) g.labels.erase(n);
        g.labels.erase(kMetricName);
      } else if (!grouping.empty()) {
        for (const auto& l : s.metric)
          if (std::binary_search(grouping.begin(), grouping.end(), l.name))
            g.labels.set(l.name, l.value);
      }
      g.value = s.point.v;
      g.mean = s.point.v;
      g.count = 1;
      if (op == Op::stddev || op == Op::stdvar) g.value = 0;
      if (op == Op::group) g.value = 1;
      if (op == Op::topk || op == Op::bottomk || op == Op::quantile) g.heap.push_back(&s);
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    double v = s.point.v;
    switch (op) {
      case Op::sum:
        g.value += v;
        break;
      case Op::avg:
        g.count++;
        if (std::isinf(g.mean)) {
          if (std::isinf(v) && (g.mean > 0) == (v > 0)) break;
          if (!std::isinf(v) && !std::isnan(v)) break;
        }
        g.mean += v / g.count - g.mean / g.count;
        break;
      case Op::group:
        break;
      case Op::max:
        if (g.value < v || std::isnan(g.value)) g.value = v;
        break;
      case Op::min:
        if (g.value > v || std::isnan(g.value)) g.value = v;
        break;
      case Op::count:
      case Op::count_values:
        g.count++;
        break;
      case Op::stddev:
      case Op::stdvar: {
        g.count++;
        double delta = v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (v - g.mean);
        break;
      }
      case Op::topk:
      case Op::bottomk:
      case Op::quantile:
        g.heap.push_back(&s);
        break;
      default:
        break;
    }
  }
  for (auto& g : groups) {
    switch (op) {
      case Op::avg:
        g.value = g.mean;
        break;
      case Op::count:
      case Op::count_values:
        g.value = g.count;
        break;
      case Op::stdvar:
        g.value = g.value / g.count;
        break;
      case Op::stddev:
        g.value = std::sqrt(g.value / g.count);
        break;
      case Op::quantile: {
        std::vector<double> vals;
        for (const Sample* s : g.heap) vals.push_back(s->point.v);
        g.value = quantile(param, vals);
        break;
      }
      case Op::topk:
      case Op::bottomk: {
        // Keep the k largest (smallest), NaN counting as the least wanted; output best first.
        bool top = op == Op::topk;
        auto better = [top](const Sample* a, const Sample* b) {
          double x = a->point.v, y = b->point.v;
          if (std::isnan(x)) return false;
          if (std::isnan(y)) return true;
          return top ? x > y : x < y;
        };
        std::stable_sort(g.heap.begin(), g.heap.end(), better);
        if (std::int64_t(g.heap.size()) > k) g.heap.resize(std::size_t(k));
        for (const Sample* s : g.heap) out.push_back(Sample{s->metric, Point{0, s->point.v}});
        continue;
      }
      default:
        break;
    }
    out.push_back(Sample{std::move(g.labels), Point{0, g.value}});
  }
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  double n = double(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[std::size_t(lower)] * (1 - weight) + values[std::size_t(upper)] * weight;
}

// strconv.FormatFloat(v, 'f', -1, 64).
std::string format_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  for (int prec = 0; prec <= 17; ++prec) {
    std::string e = fmt::format("{:.{}e}", v, prec);
    if (std::strtod(e.c_str(), nullptr) == v) {
      int exp = std::atoi(e.c_str() + e.find('e') + 1);
      int decimals = std::max(0, prec - exp);
      return fmt::format("{:.{}f}", v, decimals);
    }
  }
  return fmt::format("{}", v);
}

}  // namespace sonde::rules::promql::detail
