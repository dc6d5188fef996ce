// The PromQL evaluator, following Prometheus 2.42's promql/engine.go: every expression is
// evaluated over the steps of [start, end] into a matrix (one point per step and series), then an
// instant query takes the single step. Operators are in binary.cpp,
// aggregations in aggregate.cpp, functions in functions.cpp and range_functions.cpp.
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
  std::int64_t interval = sq.step_ms ? sq.step_ms : default_subquery_step_;
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
