// The checks of Prometheus 2.42's promql/parser (parse.go checkAST and the grammar's actions):
// operand types, bool modifiers, vector matching, set operators, function arity and argument
// types, and selectors, with Prometheus's positions and messages (parse_checks.hpp).
#include "rules/promql/parse_checks.hpp"

#include <fmt/format.h>

#include "rules/promql/literal.hpp"

namespace sonde::rules::promql::detail {
namespace {

// Where the operator of `b` starts: the first non-space after its left operand.
int op_pos(const BinaryExpr& b, std::string_view input) {
  int p = b.lhs->pos.end;
  while (p < int(input.size()) &&
         (input[p] == ' ' || input[p] == '\t' || input[p] == '\n' || input[p] == '\r'))
    ++p;
  return p;
}

}  // namespace

void expect_type(const Expr& e, ValueType want, std::string_view context) {
  ValueType t = e.type();
  if (t != want)
    fail(e.pos.start, fmt::format("expected type {} in {}, got {}", document_name(want), context,
                                  document_name(t)));
}

void check_binary(BinaryExpr& n, std::string_view input) {
  ValueType lt = n.lhs->type(), rt = n.rhs->type();
  bool cmp = is_comparison(n.op), set = is_set_operator(n.op);
  if (n.return_bool && !cmp)
    fail(op_pos(n, input), "bool modifier can only be used on comparison operators");
  if (cmp && !n.return_bool && lt == ValueType::scalar && rt == ValueType::scalar)
    fail(op_pos(n, input), "comparisons between scalars must use BOOL modifier");
  auto& vm = *n.matching;
  if (set && vm.card == Cardinality::one_to_one) vm.card = Cardinality::many_to_many;
  if (vm.on)
    for (auto& l1 : vm.labels)
      for (auto& l2 : vm.include)
        if (l1 == l2)
          fail(op_pos(n, input),
               fmt::format("label {} must not occur in ON and GROUP clause at once", go_quote(l1)));
  if (lt != ValueType::scalar && lt != ValueType::vector)
    fail(n.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
  if (rt != ValueType::scalar && rt != ValueType::vector)
    fail(n.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
  if (lt != ValueType::vector || rt != ValueType::vector) {
    if (!vm.labels.empty())
      fail(n.pos.start, "vector matching only allowed between instant vectors");
    n.matching.reset();
  } else if (set) {
    if (vm.card == Cardinality::one_to_many || vm.card == Cardinality::many_to_one)
      fail(n.pos.start, fmt::format("no grouping allowed for \"{}\" operation", op_string(n.op)));
    if (vm.card != Cardinality::many_to_many)
      fail(n.pos.start, "set operations must always be many-to-many");
  }
  if ((lt == ValueType::scalar || rt == ValueType::scalar) && set)
    fail(n.pos.start, fmt::format("set operator \"{}\" not allowed in binary scalar expression",
                                  op_string(n.op)));
}

void check_call(const Call& n) {
  const Function& f = *n.func;
  std::size_t nargs = f.arg_types.size();
  if (f.variadic == 0) {
    if (nargs != n.args.size())
      fail(n.pos.start, fmt::format("expected {} argument(s) in call to \"{}\", got {}", nargs,
                                    f.name, n.args.size()));
  } else {
    std::size_t na = nargs - 1;
    if (na > n.args.size()) {
      fail(n.pos.start, fmt::format("expected at least {} argument(s) in call to \"{}\", got {}",
                                    na, f.name, n.args.size()));
    } else if (f.variadic > 0 && na + f.variadic < n.args.size()) {
      fail(n.pos.start, fmt::format("expected at most {} argument(s) in call to \"{}\", got {}",
                                    na + f.variadic, f.name, n.args.size()));
    }
  }
  for (std::size_t i = 0; i < n.args.size(); ++i) {
    std::size_t j = i;
    if (j >= nargs) {
      if (f.variadic == 0) break;
      j = nargs - 1;
    }
    expect_type(*n.args[i], f.arg_types[j], fmt::format("call to function \"{}\"", f.name));
  }
}

// Checks that need the finished tree (parse.go checkAST for selectors).
void check_selectors(const Expr& e) {
  switch (e.kind) {
    case NodeKind::vector_selector: {
      auto& vs = static_cast<const VectorSelector&>(e);
      if (!vs.name.empty()) {
        for (std::size_t i = 0; i + 1 < vs.matchers.size(); ++i)
          if (vs.matchers[i].name == kMetricName)
            fail(vs.pos.start, fmt::format("metric name must not be set twice: {} or {}",
                                           go_quote(vs.name), go_quote(vs.matchers[i].value)));
        break;
      }
      bool not_empty = false;
      for (auto& m : vs.matchers) not_empty = not_empty || !m.matches("");
      if (!not_empty)
        fail(vs.pos.start, "vector selector must contain at least one non-empty matcher");
      break;
    }
    case NodeKind::matrix_selector:
      check_selectors(*static_cast<const MatrixSelector&>(e).vector_selector);
      break;
    case NodeKind::subquery:
      check_selectors(*static_cast<const SubqueryExpr&>(e).expr);
      break;
    case NodeKind::paren:
      check_selectors(*static_cast<const ParenExpr&>(e).expr);
      break;
    case NodeKind::unary:
      check_selectors(*static_cast<const UnaryExpr&>(e).expr);
      break;
    case NodeKind::binary: {
      auto& b = static_cast<const BinaryExpr&>(e);
      check_selectors(*b.lhs);
      check_selectors(*b.rhs);
      break;
    }
    case NodeKind::aggregate: {
      auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) check_selectors(*a.param);
      check_selectors(*a.expr);
      break;
    }
    case NodeKind::call:
      for (auto& a : static_cast<const Call&>(e).args) check_selectors(*a);
      break;
    default:
      break;
  }
}

}  // namespace sonde::rules::promql::detail
