// The PromQL evaluator, following Prometheus 2.42's promql/engine.go: every expression is
// evaluated over the steps of [start, end] into a matrix (one point per step and series), then an
// instant query takes the single step. Functions are in functions.cpp.
#include "rules/promql/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rules/promql/eval_internal.hpp"
#include "rules/promql/lexer.hpp"

namespace sonde::rules::promql {

std::string QueryError::to_string() const {
  return kind == Kind::parse ? parse.to_string() : eval.to_string();
}

namespace detail {

[[noreturn]] void fail(std::string msg) {
  throw EvalFailure{EvalError{EvalError::Kind::execution, std::move(msg)}};
}

void Evaluator::check_deadline() {
  if (deadline_ && ++ticks_ % 64 == 0 && Clock::now() > *deadline_)
    throw EvalFailure{
        EvalError{EvalError::Kind::timeout, "query timed out in expression evaluation"}};
}

void Evaluator::add_samples(std::size_t n) {
  *current_ += n;
  if (*current_ > max_samples_)
    throw EvalFailure{
        EvalError{EvalError::Kind::too_many_samples,
                  "query processing would load too many samples into memory in query execution"}};
}
void Evaluator::sub_samples(std::size_t n) { *current_ = n > *current_ ? 0 : *current_ - n; }

std::size_t total_points(const Matrix& m) {
  std::size_t n = 0;
  for (const auto& s : m) n += s.points.size();
  return n;
}

namespace {

/// Fails when two of the label sets' hashes are equal: sorted in one buffer, not a hash set of
/// nodes (this runs after every step of every operator).
template <typename Elems, typename Metric>
void check_unique_hashes(const Elems& elems, Metric metric) {
  if (elems.size() < 2) return;
  thread_local std::vector<std::uint64_t> hashes;
  hashes.clear();
  for (const auto& e : elems) hashes.push_back(metric(e).hash());
  std::sort(hashes.begin(), hashes.end());
  if (std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end())
    fail("vector cannot contain metrics with the same labelset");
}

}  // namespace

void check_same_labelset(const Matrix& m) {
  check_unique_hashes(m, [](const Series& s) -> const Labels& { return s.metric; });
}

void check_same_labelset(const Vector& v) {
  check_unique_hashes(v, [](const Sample& s) -> const Labels& { return s.metric; });
}

namespace {

std::int64_t ref_time(std::int64_t ts, const std::optional<std::int64_t>& at, std::int64_t offset) {
  return (at ? *at : ts) - offset;
}

}  // namespace

std::vector<std::int64_t> Evaluator::steps() const {
  std::vector<std::int64_t> out;
  for (std::int64_t ts = start_; ts <= end_; ts += interval_) out.push_back(ts);
  return out;
}

std::vector<SeriesView> Evaluator::select(const VectorSelector& vs, std::int64_t mint,
                                          std::int64_t maxt, bool latest) {
  auto r = latest ? storage_.select_latest(vs.matchers, mint, maxt)
                  : storage_.select(vs.matchers, mint, maxt);
  if (max_series_ && r.size() > max_series_)
    throw EvalFailure{EvalError{EvalError::Kind::too_many_series,
                                fmt::format("query selects more than {} series", max_series_)}};
  return r;
}

Matrix Evaluator::eval_vector_selector(const VectorSelector& vs, bool sample_times) {
  std::int64_t first = ref_time(start_, pinned(vs.at, vs.timestamp_ms), vs.original_offset_ms);
  std::int64_t last = ref_time(end_, pinned(vs.at, vs.timestamp_ms), vs.original_offset_ms);
  // At one step only the last sample at or before it counts (then first == last).
  auto series = select(vs, first - kLookbackDeltaMs, last, start_ == end_);
  Matrix mat;
  mat.reserve(series.size());
  std::size_t nsteps = std::size_t((end_ - start_) / interval_) + 1;
  for (const auto& s : series) {
    check_deadline();
    Series out{*s.labels, {}};
    out.points.reserve(nsteps);
    // Index just past the last point at or before the first step's reference time.
    std::size_t cur =
        std::size_t(std::upper_bound(s.samples.begin(), s.samples.end(), first,
                                     [](std::int64_t t, const Point& p) { return t < p.t; }) -
                    s.samples.begin());
    for (std::int64_t ts = start_; ts <= end_; ts += interval_) {
      std::int64_t ref = ref_time(ts, pinned(vs.at, vs.timestamp_ms), vs.original_offset_ms);
      // Last point with t <= ref.
      while (cur < s.samples.size() && s.samples[cur].t <= ref) ++cur;
      if (cur == 0) continue;
      const Point& p = s.samples[cur - 1];
      if (p.t < ref - kLookbackDeltaMs || is_stale_nan(p.v)) continue;
      out.points.push_back(Point{ts, sample_times ? double(p.t) / 1000.0 : p.v});
    }
    if (!out.points.empty()) {
      add_samples(out.points.size());
      mat.push_back(std::move(out));
    }
  }
  return mat;
}

Matrix Evaluator::eval_matrix_selector(const MatrixSelector& ms) {
  const auto& vs = ms.vs();
  std::int64_t maxt = ref_time(start_, pinned(vs.at, vs.timestamp_ms), vs.original_offset_ms);
  std::int64_t mint = maxt - ms.range_ms;
  auto series = select(vs, mint, maxt);
  Matrix mat;
  mat.reserve(series.size());
  for (const auto& s : series) {
    check_deadline();
    Series out{*s.labels, {}};
    for (const auto& p : s.samples)
      if (p.t >= mint && p.t <= maxt && !is_stale_nan(p.v)) out.points.push_back(p);
    if (!out.points.empty()) {
      add_samples(out.points.size());
      mat.push_back(std::move(out));
    }
  }
  return mat;
}

// The evaluation of a subquery's inner expression over the grid of its steps.
Matrix Evaluator::eval_subquery_inner(const SubqueryExpr& sq, std::int64_t* out_start) {
  std::int64_t interval = sq.step_ms ? sq.step_ms : kDefaultSubqueryStepMs;
  std::int64_t first_end = ref_time(start_, pinned(sq.at, sq.timestamp_ms), sq.original_offset_ms);
  std::int64_t last_end = ref_time(end_, pinned(sq.at, sq.timestamp_ms), sq.original_offset_ms);
  std::int64_t lo = first_end - sq.range_ms;
  // Prometheus aligns the subquery's steps to multiples of its step (Go's truncating division).
  std::int64_t s = interval * (lo / interval);
  if (s < lo) s += interval;
  Evaluator inner(*this, s, last_end, interval);
  if (out_start) *out_start = s;
  return inner.eval(*sq.expr);
}

Matrix Evaluator::eval(const Expr& expr) {
  check_deadline();
  switch (expr.kind) {
    case NodeKind::paren:
      return eval(*static_cast<const ParenExpr&>(expr).expr);
    case NodeKind::step_invariant:
      return eval(*static_cast<const StepInvariantExpr&>(expr).expr);
    case NodeKind::number: {
      double v = static_cast<const NumberLiteral&>(expr).val;
      Matrix m(1);
      for (std::int64_t ts = start_; ts <= end_; ts += interval_)
        m[0].points.push_back(Point{ts, v});
      add_samples(m[0].points.size());
      return m;
    }
    case NodeKind::string:
      fail("unexpected string in evaluation");
    case NodeKind::vector_selector:
      return eval_vector_selector(static_cast<const VectorSelector&>(expr), false);
    case NodeKind::matrix_selector:
      if (start_ != end_) fail("cannot do range evaluation of matrix selector");
      return eval_matrix_selector(static_cast<const MatrixSelector&>(expr));
    case NodeKind::subquery:
      return eval_subquery_inner(static_cast<const SubqueryExpr&>(expr), nullptr);
    case NodeKind::unary: {
      auto& u = static_cast<const UnaryExpr&>(expr);
      Matrix m = eval(*u.expr);
      if (u.op == Op::sub) {
        for (auto& s : m) {
          s.metric.erase(kMetricName);
          for (auto& p : s.points) p.v = -p.v;
        }
        check_same_labelset(m);
      }
      return m;
    }
    case NodeKind::binary:
      return eval_binary(static_cast<const BinaryExpr&>(expr));
    case NodeKind::aggregate:
      return eval_aggregate(static_cast<const AggregateExpr&>(expr));
    case NodeKind::call:
      return eval_call(static_cast<const Call&>(expr));
  }
  fail("unhandled expression");
}

Matrix Evaluator::range_eval(const std::vector<const Expr*>& exprs, const StepFn& fn, bool subset) {
  std::size_t before = *current_;
  std::vector<Matrix> mats(exprs.size());
  for (std::size_t i = 0; i < exprs.size(); ++i)
    if (exprs[i] && exprs[i]->type() != ValueType::string) mats[i] = eval(*exprs[i]);
  std::vector<std::vector<std::size_t>> cursors(exprs.size());
  for (std::size_t i = 0; i < exprs.size(); ++i) cursors[i].assign(mats[i].size(), 0);
  std::vector<Vector> vectors(exprs.size());
  std::vector<std::vector<std::size_t>> origin(exprs.size());  // series index of each sample
  // Each step's vectors hold at most their matrix's series: reserved once, not grown.
  std::size_t widest = 0;
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    vectors[i].reserve(mats[i].size());
    origin[i].reserve(mats[i].size());
    widest = std::max(widest, mats[i].size());
  }
  Vector out;
  out.reserve(widest);
  std::unordered_map<std::uint64_t, std::size_t> index;
  Matrix result;
  bool instant = start_ == end_;
  for (std::int64_t ts = start_; ts <= end_; ts += interval_) {
    check_deadline();
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      vectors[i].clear();
      origin[i].clear();
      for (std::size_t si = 0; si < mats[i].size(); ++si) {
        auto& pts = mats[i][si].points;
        std::size_t& c = cursors[i][si];
        if (c < pts.size() && pts[c].t == ts) {
          // One step: the matrix is not read again, its labels move (no reference counting).
          vectors[i].push_back(
              Sample{instant ? std::move(mats[i][si].metric) : mats[i][si].metric, pts[c]});
          origin[i].push_back(si);
          ++c;
        }
      }
    }
    out.clear();
    StepCtx ctx{ts, vectors, origin, mats, instant};
    fn(ctx, out);
    if (!subset) check_same_labelset(out);
    if (instant) {
      Matrix m;
      m.reserve(out.size());
      for (auto& s : out) m.push_back(Series{std::move(s.metric), {Point{ts, s.point.v}}});
      sub_samples(*current_ - before);
      add_samples(m.size());
      return m;
    }
    add_samples(out.size());
    for (auto& s : out) {
      std::uint64_t h = s.metric.hash();
      auto [it, inserted] = index.emplace(h, result.size());
      if (inserted) result.push_back(Series{std::move(s.metric), {}});
      result[it->second].points.push_back(Point{ts, s.point.v});
    }
  }
  sub_samples(*current_ - before);
  add_samples(total_points(result));
  return result;
}

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

std::string format_f(double v);

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

}  // namespace detail

namespace {

using detail::EvalFailure;
using detail::Evaluator;

core::Result<Value, EvalError> run(const EngineOptions& o, const Storage& storage,
                                   const Expr& cexpr, std::int64_t start, std::int64_t end,
                                   std::int64_t step, bool instant) {
  // The tree is only read: one parsed expression may be evaluated by several threads at once.
  const Expr& expr = cexpr;
  std::size_t current = 0;
  std::optional<detail::Clock::time_point> deadline;
  if (o.timeout.count() > 0) deadline = detail::Clock::now() + o.timeout;
  try {
    if (expr.type() == ValueType::string) {
      const Expr* s = unwrap_parens(&expr);
      if (!instant)
        return EvalError{EvalError::Kind::execution,
                         "invalid expression type \"string\" for range query, must be Scalar or "
                         "instant Vector"};
      return Value{String{start, static_cast<const StringLiteral*>(s)->val}};
    }
    if (!instant && expr.type() == ValueType::matrix)
      return EvalError{EvalError::Kind::execution,
                       "invalid expression type \"range vector\" for range query, must be Scalar "
                       "or instant Vector"};
    Evaluator ev(storage, o, &current, deadline, start, end, instant ? 1 : step);
    Matrix m = ev.eval(expr);
    if (!instant) {
      std::sort(m.begin(), m.end(),
                [](const Series& a, const Series& b) { return a.metric < b.metric; });
      return Value{std::move(m)};
    }
    switch (expr.type()) {
      case ValueType::scalar: {
        double v = m.empty() || m[0].points.empty() ? std::nan("") : m[0].points[0].v;
        return Value{Scalar{start, v}};
      }
      case ValueType::vector: {
        Vector v;
        v.reserve(m.size());
        for (auto& s : m)
          if (!s.points.empty())
            v.push_back(Sample{std::move(s.metric), Point{start, s.points[0].v}});
        detail::check_same_labelset(v);
        return Value{std::move(v)};
      }
      default:
        return Value{std::move(m)};
    }
  } catch (EvalFailure& f) {
    return f.error;
  }
}

}  // namespace

core::Result<Value, EvalError> Engine::instant(const Storage& storage, const Expr& expr,
                                               std::int64_t t_ms) const {
  return run(options_, storage, expr, t_ms, t_ms, 1, true);
}

core::Result<Value, EvalError> Engine::range(const Storage& storage, const Expr& expr,
                                             std::int64_t start_ms, std::int64_t end_ms,
                                             std::int64_t step_ms) const {
  if (step_ms <= 0)
    return EvalError{EvalError::Kind::execution,
                     "zero or negative query resolution step widths are not accepted"};
  if (end_ms < start_ms)
    return EvalError{EvalError::Kind::execution, "end timestamp must not be before start time"};
  if ((end_ms - start_ms) / step_ms > 11000)
    return EvalError{EvalError::Kind::execution,
                     "exceeded maximum resolution of 11,000 points per timeseries"};
  return run(options_, storage, expr, start_ms, end_ms, step_ms, false);
}

core::Result<Value, QueryError> Engine::instant(const Storage& storage, std::string_view query,
                                                std::int64_t t_ms) const {
  auto e = parse(query);
  if (!e.ok()) return QueryError{QueryError::Kind::parse, e.error(), {}};
  auto r = instant(storage, **e, t_ms);
  if (!r.ok()) return QueryError{QueryError::Kind::eval, {}, r.error()};
  return std::move(*r);
}

core::Result<Value, QueryError> Engine::range(const Storage& storage, std::string_view query,
                                              std::int64_t start_ms, std::int64_t end_ms,
                                              std::int64_t step_ms) const {
  auto e = parse(query);
  if (!e.ok()) return QueryError{QueryError::Kind::parse, e.error(), {}};
  auto r = range(storage, **e, start_ms, end_ms, step_ms);
  if (!r.ok()) return QueryError{QueryError::Kind::eval, {}, r.error()};
  return std::move(*r);
}

}  // namespace sonde::rules::promql
