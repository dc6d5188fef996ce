// PromQL's binary operators (Prometheus 2.42 promql/engine.go): scalar and element-wise
// arithmetic and comparison, vector matching with on/ignoring and group_left/group_right, and the
// set operators.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rules/promql/eval_internal.hpp"

namespace sonde::rules::promql::detail {

Matrix Evaluator::eval_binary(const BinaryExpr& e) {
  ValueType lt = e.lhs->type(), rt = e.rhs->type();
  if (lt == ValueType::scalar && rt == ValueType::scalar) {
    return range_eval({e.lhs.get(), e.rhs.get()}, [&](StepCtx& c, Vector& out) {
      double v = scalar_binop(e.op, c.vectors[0][0].point.v, c.vectors[1][0].point.v);
      out.push_back(Sample{Labels{}, Point{c.ts, v}});
    });
  }
  if (lt == ValueType::vector && rt == ValueType::vector) {
    const VectorMatching& vm = *e.matching;
    // Signatures per input series, computed once (at one step, of each sample).
    std::vector<std::vector<std::uint64_t>> sigs(2);
    std::vector<std::uint64_t> ls, rs;
    bool computed = false;
    return range_eval(
        {e.lhs.get(), e.rhs.get()},
        [&](StepCtx& c, Vector& out) {
          if (!computed && !c.instant) {
            for (int i = 0; i < 2; ++i) {
              sigs[i].resize(c.mats[i].size());
              for (std::size_t k = 0; k < c.mats[i].size(); ++k)
                sigs[i][k] = c.mats[i][k].metric.hash_for(vm.labels, !vm.on);
            }
            computed = true;
          }
          auto fill = [&](int i, std::vector<std::uint64_t>& to) {
            to.resize(c.vectors[i].size());
            for (std::size_t k = 0; k < to.size(); ++k)
              to[k] = c.instant ? c.vectors[i][k].metric.hash_for(vm.labels, !vm.on)
                                : sigs[i][c.origin[i][k]];
          };
          fill(0, ls);
          fill(1, rs);
          vector_binop(e, c.vectors[0], c.vectors[1], ls, rs, out);
        },
        e.op == Op::land || e.op == Op::lunless);
  }
  bool swap = lt == ValueType::scalar;
  // A comparison without bool keeps samples of the vector with their labels (a filter).
  const bool filter = is_comparison(e.op) && !e.return_bool;
  return range_eval(
      {e.lhs.get(), e.rhs.get()},
      [&](StepCtx& c, Vector& out) {
        const Vector& vec = c.vectors[swap ? 1 : 0];
        double sv = c.vectors[swap ? 0 : 1][0].point.v;
        for (const auto& s : vec) {
          double lv = s.point.v, rv = sv;
          if (swap) std::swap(lv, rv);
          bool keep = true;
          double value = elem_binop(e.op, lv, rv, &keep);
          if (is_comparison(e.op) && swap) value = rv;
          if (e.return_bool) {
            value = keep ? 1.0 : 0.0;
            keep = true;
          }
          if (!keep) continue;
          Sample o{s.metric, Point{c.ts, value}};
          if (drops_metric_name(e.op) || e.return_bool) o.metric.erase(kMetricName);
          out.push_back(std::move(o));
        }
      },
      filter);
}

bool drops_metric_name(Op op) {
  return op == Op::add || op == Op::sub || op == Op::mul || op == Op::div || op == Op::pow ||
         op == Op::mod;
}

double scalar_binop(Op op, double l, double r) {
  switch (op) {
    case Op::add:
      return l + r;
    case Op::sub:
      return l - r;
    case Op::mul:
      return l * r;
    case Op::div:
      return l / r;
    case Op::pow:
      return std::pow(l, r);
    case Op::mod:
      return std::fmod(l, r);
    case Op::eql:
      return l == r;
    case Op::neq:
      return l != r;
    case Op::gtr:
      return l > r;
    case Op::lss:
      return l < r;
    case Op::gte:
      return l >= r;
    case Op::lte:
      return l <= r;
    case Op::atan2:
      return std::atan2(l, r);
    default:
      fail(fmt::format("operator \"{}\" not allowed for Scalar operations", op_string(op)));
  }
}

double elem_binop(Op op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case Op::eql:
      *keep = l == r;
      return l;
    case Op::neq:
      *keep = l != r;
      return l;
    case Op::gtr:
      *keep = l > r;
      return l;
    case Op::lss:
      *keep = l < r;
      return l;
    case Op::gte:
      *keep = l >= r;
      return l;
    case Op::lte:
      *keep = l <= r;
      return l;
    default:
      return scalar_binop(op, l, r);
  }
}

void Evaluator::vector_binop(const BinaryExpr& e, const Vector& lhs_in, const Vector& rhs_in,
                             const std::vector<std::uint64_t>& lsig_in,
                             const std::vector<std::uint64_t>& rsig_in, Vector& out) {
  const VectorMatching& vm = *e.matching;
  // The set operators look signatures up in a sorted copy (no hash set of nodes).
  auto sorted = [](const std::vector<std::uint64_t>& sigs) {
    std::vector<std::uint64_t> v(sigs);
    std::sort(v.begin(), v.end());
    return v;
  };
  auto contains = [](const std::vector<std::uint64_t>& v, std::uint64_t sig) {
    return std::binary_search(v.begin(), v.end(), sig);
  };
  if (e.op == Op::land) {
    if (lhs_in.empty() || rhs_in.empty()) return;
    const auto right = sorted(rsig_in);
    for (std::size_t i = 0; i < lhs_in.size(); ++i)
      if (contains(right, lsig_in[i])) out.push_back(lhs_in[i]);
    return;
  }
  if (e.op == Op::lor) {
    if (lhs_in.empty()) {
      out.insert(out.end(), rhs_in.begin(), rhs_in.end());
      return;
    }
    if (rhs_in.empty()) {
      out.insert(out.end(), lhs_in.begin(), lhs_in.end());
      return;
    }
    const auto left = sorted(lsig_in);
    out.insert(out.end(), lhs_in.begin(), lhs_in.end());
    for (std::size_t i = 0; i < rhs_in.size(); ++i)
      if (!contains(left, rsig_in[i])) out.push_back(rhs_in[i]);
    return;
  }
  if (e.op == Op::lunless) {
    if (lhs_in.empty() || rhs_in.empty()) {
      out.insert(out.end(), lhs_in.begin(), lhs_in.end());
      return;
    }
    const auto right = sorted(rsig_in);
    for (std::size_t i = 0; i < lhs_in.size(); ++i)
      if (!contains(right, lsig_in[i])) out.push_back(lhs_in[i]);
    return;
  }
  if (lhs_in.empty() || rhs_in.empty()) return;
  bool one_to_many = vm.card == Cardinality::one_to_many;
  const Vector& lhs = one_to_many ? rhs_in : lhs_in;
  const Vector& rhs = one_to_many ? lhs_in : rhs_in;
  const auto& lsig = one_to_many ? rsig_in : lsig_in;
  const auto& rsig = one_to_many ? lsig_in : rsig_in;
  // The right side's signatures sorted (with their index): a lookup is a binary search, and
  // equal neighbours are the duplicates (no hash map of nodes, which cost an allocation each).
  thread_local std::vector<std::pair<std::uint64_t, std::size_t>> right;
  right.clear();
  right.reserve(rhs.size());
  for (std::size_t i = 0; i < rhs.size(); ++i) right.emplace_back(rsig[i], i);
  std::sort(right.begin(), right.end());
  {
    // The duplicate met first in the right side's order: the smallest second index of a
    // signature, reported with the first one (as a map filled in order reports it).
    std::size_t dup = rhs.size(), first = 0;
    for (std::size_t k = 1; k < right.size(); ++k) {
      if (right[k].first == right[k - 1].first && right[k].second < dup &&
          (k < 2 || right[k - 2].first != right[k].first)) {
        dup = right[k].second;
        first = right[k - 1].second;
      }
    }
    if (dup != rhs.size()) {
      const std::size_t i = dup;
      Labels matched;
      for (const auto& l : rhs[i].metric) {
        bool listed = std::find(vm.labels.begin(), vm.labels.end(), l.name) != vm.labels.end();
        if (vm.on ? listed : (!listed && l.name != kMetricName)) matched.set(l.name, l.value);
      }
      fail(fmt::format(
          "found duplicate series for the match group {} on the {} hand-side of the operation: "
          "[{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
          matched.to_string(), one_to_many ? "left" : "right", rhs[i].metric.to_string(),
          rhs[first].metric.to_string()));
    }
  }
  // (left signature, output labels' hash) of every result: checked for repeats at the end.
  thread_local std::vector<std::pair<std::uint64_t, std::uint64_t>> matched;
  matched.clear();
  for (std::size_t i = 0; i < lhs.size(); ++i) {
    auto it = std::lower_bound(right.begin(), right.end(),
                               std::pair<std::uint64_t, std::size_t>(lsig[i], 0));
    if (it == right.end() || it->first != lsig[i]) continue;
    const Sample& ls = lhs[i];
    const Sample& rs = rhs[it->second];
    double vl = ls.point.v, vr = rs.point.v;
    if (one_to_many) std::swap(vl, vr);
    bool keep = true;
    double value = elem_binop(e.op, vl, vr, &keep);
    if (e.return_bool) {
      value = keep ? 1.0 : 0.0;
    } else if (!keep) {
      continue;
    }
    Labels metric = ls.metric;
    if (drops_metric_name(e.op)) metric.erase(kMetricName);
    if (vm.card == Cardinality::one_to_one) {
      if (vm.on) {
        std::vector<Label> kept;
        for (const auto& l : metric)
          if (!l.value.empty() &&
              std::find(vm.labels.begin(), vm.labels.end(), l.name) != vm.labels.end())
            kept.push_back(l);
        metric = Labels::from_sorted(std::move(kept));
      } else {
        for (const auto& n : vm.labels) metric.erase(n);
      }
    }
    for (const auto& n : vm.include) {
      std::string_view v = rs.metric.get(n);
      metric.set(n, v);  // an empty value removes the label
    }
    if (e.return_bool) metric.erase(kMetricName);
    matched.emplace_back(lsig[i], vm.card == Cardinality::one_to_one ? 0 : metric.hash());
    out.push_back(Sample{std::move(metric), Point{0, value}});
  }
  std::sort(matched.begin(), matched.end());
  if (std::adjacent_find(matched.begin(), matched.end()) != matched.end()) {
    if (vm.card == Cardinality::one_to_one)
      fail(
          "multiple matches for labels: many-to-one matching must be explicit "
          "(group_left/group_right)");
    fail("multiple matches for labels: grouping labels must ensure unique matches");
  }
}

}  // namespace sonde::rules::promql::detail
