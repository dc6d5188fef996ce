// Internals of the evaluator shared by engine.cpp and functions.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rules/promql/engine.hpp"

namespace sonde::rules::promql::detail {

using Clock = std::chrono::steady_clock;

struct EvalFailure {
  EvalError error;
};
[[noreturn]] void fail(std::string msg);

/// The inputs of one step of range_eval: each argument's samples at `ts`, and for each sample
/// the index of its series in the argument's matrix. In an instant evaluation (one step) the
/// samples took their labels from the matrices (`instant`: mats' labels are empty then).
struct StepCtx {
  std::int64_t ts;
  std::vector<Vector>& vectors;
  std::vector<std::vector<std::size_t>>& origin;
  std::vector<Matrix>& mats;
  bool instant = false;
};
using StepFn = std::function<void(StepCtx&, Vector&)>;

class Evaluator {
 public:
  Evaluator(const Storage& storage, const EngineOptions& o, std::size_t* current,
            std::optional<Clock::time_point> deadline, std::int64_t start, std::int64_t end,
            std::int64_t interval)
      : storage_(storage),
        max_samples_(o.max_samples),
        max_series_(o.max_series),
        default_subquery_step_(o.default_subquery_step.count()),
        current_(current),
        deadline_(deadline),
        start_(start),
        end_(end),
        interval_(interval),
        query_start_(start),
        query_end_(end) {}
  /// A child evaluator (subquery) over another range, sharing limits and accounting.
  Evaluator(const Evaluator& p, std::int64_t start, std::int64_t end, std::int64_t interval)
      : storage_(p.storage_),
        max_samples_(p.max_samples_),
        max_series_(p.max_series_),
        default_subquery_step_(p.default_subquery_step_),
        current_(p.current_),
        deadline_(p.deadline_),
        start_(start),
        end_(end),
        interval_(interval),
        query_start_(p.query_start_),
        query_end_(p.query_end_) {}

  Matrix eval(const Expr& e);

  void check_deadline();
  void add_samples(std::size_t n);
  void sub_samples(std::size_t n);
  std::vector<std::int64_t> steps() const;

 private:
  friend struct CallEval;
  const Storage& storage_;
  std::size_t max_samples_;
  std::size_t max_series_;
  std::int64_t default_subquery_step_;
  std::size_t* current_;
  std::optional<Clock::time_point> deadline_;
  std::int64_t start_, end_, interval_;
  std::int64_t query_start_, query_end_;  // what `@ start()` and `@ end()` mean

  /// The time an `@` modifier pins a selector or subquery to, if any.
  std::optional<std::int64_t> pinned(AtKind at, const std::optional<std::int64_t>& ts) const {
    switch (at) {
      case AtKind::timestamp:
        return ts;
      case AtKind::start:
        return query_start_;
      case AtKind::end:
        return query_end_;
      default:
        return std::nullopt;
    }
  }
  unsigned ticks_ = 0;

  /// The series `vs` selects with their samples in [mint, maxt]; with `latest`, a storage may
  /// give only each series' last sample there.
  std::vector<SeriesView> select(const VectorSelector& vs, std::int64_t mint, std::int64_t maxt,
                                 bool latest = false);
  Matrix eval_vector_selector(const VectorSelector& vs, bool sample_times);
  Matrix eval_matrix_selector(const MatrixSelector& ms);
  Matrix eval_subquery_inner(const SubqueryExpr& sq, std::int64_t* out_start);
  /// `subset`: fn returns only samples of one vector argument with their labels as they are (a
  /// filter, `and`, `unless`), unique as every instant vector's are: no duplicate check.
  Matrix range_eval(const std::vector<const Expr*>& exprs, const StepFn& fn, bool subset = false);
  Matrix eval_binary(const BinaryExpr& e);
  Matrix eval_aggregate(const AggregateExpr& e);
  Matrix eval_call(const Call& e);
  void vector_binop(const BinaryExpr& e, const Vector& lhs, const Vector& rhs,
                    const std::vector<std::uint64_t>& lsig, const std::vector<std::uint64_t>& rsig,
                    Vector& out);
  void aggregate(Op op, std::vector<std::string> grouping, bool without, double param,
                 const std::string* value_label, const Vector& vec,
                 const std::vector<std::uint64_t>* keys, Vector& out);
};

bool drops_metric_name(Op op);
double scalar_binop(Op op, double l, double r);
double elem_binop(Op op, double l, double r, bool* keep);
/// One window of a range-vector function at one evaluation step.
struct RangeCtx {
  std::int64_t ts;
  std::int64_t range_start, range_end;
  std::int64_t range_ms;
  const std::vector<double>& scalars;  // the other (scalar) arguments at this step, by position
};

using RangeFn = bool (*)(std::span<const Point>, const RangeCtx&, double*);
/// The range-vector function called `name` (range_functions.cpp), or nullptr.
RangeFn range_function(std::string_view name);

double quantile(double q, std::vector<double>& values);
std::string format_f(double v);
std::size_t total_points(const Matrix& m);
void check_same_labelset(const Matrix& m);
void check_same_labelset(const Vector& v);

}  // namespace sonde::rules::promql::detail
