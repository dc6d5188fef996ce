// PromQL's abstract syntax tree (Prometheus 2.42's promql/parser/ast.go) and its printer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/promql/lexer.hpp"
#include "rules/promql/storage.hpp"

namespace sonde::rules::promql {

enum class ValueType { none, scalar, vector, matrix, string };
/// "scalar", "instant vector", "range vector", "string" as Prometheus's error messages say.
const char* document_name(ValueType t);
/// The lowercase name Prometheus's parser prints for a value type ("vector", "matrix", …).
const char* value_type_name(ValueType t);

/// Operators and aggregations: the token kinds the parser keeps in the tree.
/// Arithmetic, set operators and aggregations come from lexer.hpp's lists, so a token and its
/// operator cannot drift apart; the comparisons differ (the lexer's `==` is eqlc, `=` is eql).
enum class Op {
  // binary arithmetic
  // clang-format off
  SONDE_PROMQL_ARITHMETIC(SONDE_PROMQL_ENUMERATOR)
  // clang-format on
  atan2,
  // comparison
  eql,
  neq,
  gtr,
  lss,
  gte,
  lte,
  // set
  SONDE_PROMQL_SET_OPERATORS(SONDE_PROMQL_ENUMERATOR)
  // aggregations
  SONDE_PROMQL_AGGREGATIONS(SONDE_PROMQL_ENUMERATOR)
};
/// The operator's text: "+", "==", "and", "sum", ...
const char* op_string(Op op);
bool is_comparison(Op op);
bool is_set_operator(Op op);

struct Function;

enum class NodeKind {
  number,
  string,
  vector_selector,
  matrix_selector,
  subquery,
  paren,
  unary,
  binary,
  aggregate,
  call,
  step_invariant
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// Byte offsets [start, end) of a node inside the expression text.
struct PosRange {
  int start = 0;
  int end = 0;
};

enum class AtKind { none, timestamp, start, end };

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  NodeKind kind;
  PosRange pos;
  ValueType type() const;
  /// The expression as Prometheus 2.42 prints it (parser.Expr.String()); re-parses to the same
  /// tree.
  std::string to_string() const;
};

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(NodeKind::number) {}
  double val = 0;
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(NodeKind::string) {}
  std::string val;
};

struct VectorSelector final : Expr {
  VectorSelector() : Expr(NodeKind::vector_selector) {}
  std::string name;               // empty when the selector names no metric
  std::vector<Matcher> matchers;  // includes the __name__ matcher for `name`
  std::int64_t original_offset_ms = 0;
  std::int64_t offset_ms =
      0;  // reserved (the engine reads original_offset_ms); the tree is read-only
  std::optional<std::int64_t> timestamp_ms;
  AtKind at = AtKind::none;  // `@ start()` / `@ end()` until resolved
};

struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(NodeKind::matrix_selector) {}
  ExprPtr vector_selector;  // a VectorSelector
  std::int64_t range_ms = 0;
  const VectorSelector& vs() const { return static_cast<const VectorSelector&>(*vector_selector); }
  VectorSelector& vs() { return static_cast<VectorSelector&>(*vector_selector); }
};

struct SubqueryExpr final : Expr {
  SubqueryExpr() : Expr(NodeKind::subquery) {}
  ExprPtr expr;
  std::int64_t range_ms = 0;
  std::int64_t step_ms = 0;  // 0 = the default evaluation interval
  std::int64_t original_offset_ms = 0;
  std::int64_t offset_ms =
      0;  // reserved (the engine reads original_offset_ms); the tree is read-only
  std::optional<std::int64_t> timestamp_ms;
  AtKind at = AtKind::none;
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(NodeKind::paren) {}
  ExprPtr expr;
};

struct UnaryExpr final : Expr {
  UnaryExpr() : Expr(NodeKind::unary) {}
  Op op = Op::sub;  // add or sub
  ExprPtr expr;
};

enum class Cardinality { one_to_one, many_to_one, one_to_many, many_to_many };

struct VectorMatching {
  Cardinality card = Cardinality::one_to_one;
  std::vector<std::string> labels;   // on(...) / ignoring(...) labels, as written
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> include;  // group_left(...)/group_right(...) labels
};

struct BinaryExpr final : Expr {
  BinaryExpr() : Expr(NodeKind::binary) {}
  Op op = Op::add;
  ExprPtr lhs, rhs;
  std::optional<VectorMatching> matching;  // set when both sides are vectors
  bool return_bool = false;
};

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(NodeKind::aggregate) {}
  Op op = Op::sum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile/count_values
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call final : Expr {
  Call() : Expr(NodeKind::call) {}
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

/// Inserted by the engine (not the parser) around subtrees whose value is the same at every step.
struct StepInvariantExpr final : Expr {
  StepInvariantExpr() : Expr(NodeKind::step_invariant) {}
  ExprPtr expr;
};

/// A PromQL function's signature (parser/functions.go).
struct Function {
  const char* name;
  std::vector<ValueType> arg_types;
  int variadic;  // 0: exactly arg_types; >0: up to that many optional trailing; -1: unbounded
  ValueType return_type;
};
/// The function called `name`, or nullptr.
const Function* find_function(std::string_view name);

/// Follows ParenExpr and StepInvariantExpr down to the expression they wrap.
const Expr* unwrap_parens(const Expr* e);

}  // namespace sonde::rules::promql
