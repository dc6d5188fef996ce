// The PromQL evaluator: instant and range evaluation at explicit times over a Storage, with
// Prometheus 2.42's semantics and the limits of EngineOptions. No clock of its own (only the
// timeout reads a monotonic clock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "rules/options.hpp"
#include "rules/promql/ast.hpp"
#include "rules/promql/parser.hpp"
#include "rules/promql/storage.hpp"
#include "rules/promql/value.hpp"

namespace sonde::rules::promql {

/// Why an evaluation failed. Distinct from ParseError: a query that parsed but could not be run.
struct EvalError {
  enum class Kind {
    execution,  // e.g. many-to-many matching, duplicate label sets, bad argument
    too_many_samples,
    too_many_series,
    timeout,
  };
  Kind kind = Kind::execution;
  std::string message;
  std::string to_string() const { return message; }
};

/// A failed query: either it did not parse or it did not evaluate.
struct QueryError {
  enum class Kind { parse, eval };
  Kind kind = Kind::parse;
  ParseError parse;
  EvalError eval;
  std::string to_string() const;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  /// Evaluates `expr` at `t_ms` (an instant query). The result is a Scalar, String or Vector.
  core::Result<Value, EvalError> instant(const Storage& storage, const Expr& expr,
                                         std::int64_t t_ms) const;
  /// Evaluates `expr` at every step from start to end (a range query): a Matrix (or a Matrix of
  /// one series without labels for scalar expressions, as Prometheus returns them).
  core::Result<Value, EvalError> range(const Storage& storage, const Expr& expr,
                                       std::int64_t start_ms, std::int64_t end_ms,
                                       std::int64_t step_ms) const;

  /// Parse and evaluate in one call.
  core::Result<Value, QueryError> instant(const Storage& storage, std::string_view query,
                                          std::int64_t t_ms) const;
  core::Result<Value, QueryError> range(const Storage& storage, std::string_view query,
                                        std::int64_t start_ms, std::int64_t end_ms,
                                        std::int64_t step_ms) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

/// Lookback of instant selectors (Prometheus's default --query.lookback-delta).
inline constexpr std::int64_t kLookbackDeltaMs = 5 * 60 * 1000;

}  // namespace sonde::rules::promql
