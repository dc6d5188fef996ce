// AST helpers: value types, operator names, the function table (parser/functions.go) and the
// printer (parser/printer.go), whose output re-parses to the same tree.
#include "rules/promql/ast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/duration.hpp"
#include "rules/promql/lexer.hpp"
#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::none:
      return "none";
    case ValueType::scalar:
      return "scalar";
    case ValueType::vector:
      return "vector";
    case ValueType::matrix:
      return "matrix";
    case ValueType::string:
      return "string";
  }
  return "none";
}

const char* document_name(ValueType t) {
  switch (t) {
    case ValueType::vector:
      return "instant vector";
    case ValueType::matrix:
      return "range vector";
    default:
      return value_type_name(t);
  }
}

const char* op_string(Op op) {
  switch (op) {
    case Op::add:
      return "+";
    case Op::sub:
      return "-";
    case Op::mul:
      return "*";
    case Op::div:
      return "/";
    case Op::mod:
      return "%";
    case Op::pow:
      return "^";
    case Op::atan2:
      return "atan2";
    case Op::eql:
      return "==";
    case Op::neq:
      return "!=";
    case Op::gtr:
      return ">";
    case Op::lss:
      return "<";
    case Op::gte:
      return ">=";
    case Op::lte:
      return "<=";
    case Op::land:
      return "and";
    case Op::lor:
      return "or";
    case Op::lunless:
      return "unless";
    case Op::sum:
      return "sum";
    case Op::avg:
      return "avg";
    case Op::count:
      return "count";
    case Op::min:
      return "min";
    case Op::max:
      return "max";
    case Op::group:
      return "group";
    case Op::stddev:
      return "stddev";
    case Op::stdvar:
      return "stdvar";
    case Op::topk:
      return "topk";
    case Op::bottomk:
      return "bottomk";
    case Op::count_values:
      return "count_values";
    case Op::quantile:
      return "quantile";
  }
  return "?";
}

bool is_comparison(Op op) {
  return op == Op::eql || op == Op::neq || op == Op::gtr || op == Op::lss || op == Op::gte ||
         op == Op::lte;
}
bool is_set_operator(Op op) { return op == Op::land || op == Op::lor || op == Op::lunless; }

namespace {
constexpr ValueType V = ValueType::vector, S = ValueType::scalar, M = ValueType::matrix,
                    Str = ValueType::string;
const std::vector<Function>& functions() {
  static const std::vector<Function> kFunctions = {
      {"abs", {V}, 0, V},
      {"absent", {V}, 0, V},
      {"absent_over_time", {M}, 0, V},
      {"acos", {V}, 0, V},
      {"acosh", {V}, 0, V},
      {"asin", {V}, 0, V},
      {"asinh", {V}, 0, V},
      {"atan", {V}, 0, V},
      {"atanh", {V}, 0, V},
      {"avg_over_time", {M}, 0, V},
      {"ceil", {V}, 0, V},
      {"changes", {M}, 0, V},
      {"clamp", {V, S, S}, 0, V},
      {"clamp_max", {V, S}, 0, V},
      {"clamp_min", {V, S}, 0, V},
      {"cos", {V}, 0, V},
      {"cosh", {V}, 0, V},
      {"count_over_time", {M}, 0, V},
      {"days_in_month", {V}, 1, V},
      {"day_of_month", {V}, 1, V},
      {"day_of_week", {V}, 1, V},
      {"day_of_year", {V}, 1, V},
      {"deg", {V}, 0, V},
      {"delta", {M}, 0, V},
      {"deriv", {M}, 0, V},
      {"exp", {V}, 0, V},
      {"floor", {V}, 0, V},
      {"histogram_count", {V}, 0, V},
      {"histogram_sum", {V}, 0, V},
      {"histogram_fraction", {S, S, V}, 0, V},
      {"histogram_quantile", {S, V}, 0, V},
      {"holt_winters", {M, S, S}, 0, V},
      {"hour", {V}, 1, V},
      {"idelta", {M}, 0, V},
      {"increase", {M}, 0, V},
      {"irate", {M}, 0, V},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V},
      {"label_join", {V, Str, Str, Str}, -1, V},
      {"last_over_time", {M}, 0, V},
      {"ln", {V}, 0, V},
      {"log10", {V}, 0, V},
      {"log2", {V}, 0, V},
      {"max_over_time", {M}, 0, V},
      {"min_over_time", {M}, 0, V},
      {"minute", {V}, 1, V},
      {"month", {V}, 1, V},
      {"pi", {}, 0, S},
      {"predict_linear", {M, S}, 0, V},
      {"present_over_time", {M}, 0, V},
      {"quantile_over_time", {S, M}, 0, V},
      {"rad", {V}, 0, V},
      {"rate", {M}, 0, V},
      {"resets", {M}, 0, V},
      {"round", {V, S}, 1, V},
      {"scalar", {V}, 0, S},
      {"sgn", {V}, 0, V},
      {"sin", {V}, 0, V},
      {"sinh", {V}, 0, V},
      {"sort", {V}, 0, V},
      {"sort_desc", {V}, 0, V},
      {"sqrt", {V}, 0, V},
      {"stddev_over_time", {M}, 0, V},
      {"stdvar_over_time", {M}, 0, V},
      {"sum_over_time", {M}, 0, V},
      {"tan", {V}, 0, V},
      {"tanh", {V}, 0, V},
      {"time", {}, 0, S},
      {"timestamp", {V}, 0, V},
      {"vector", {S}, 0, V},
      {"year", {V}, 1, V},
  };
  return kFunctions;
}
}  // namespace

const Function* find_function(std::string_view name) {
  static const std::unordered_map<std::string_view, const Function*> kIndex = [] {
    std::unordered_map<std::string_view, const Function*> m;
    for (const auto& f : functions()) m.emplace(f.name, &f);
    return m;
  }();
  auto it = kIndex.find(name);
  return it == kIndex.end() ? nullptr : it->second;
}

const Expr* unwrap_parens(const Expr* e) {
  for (;;) {
    if (e->kind == NodeKind::paren) {
      e = static_cast<const ParenExpr*>(e)->expr.get();
    } else if (e->kind == NodeKind::step_invariant) {
      e = static_cast<const StepInvariantExpr*>(e)->expr.get();
    } else {
      return e;
    }
  }
}

ValueType Expr::type() const {
  switch (kind) {
    case NodeKind::number:
      return ValueType::scalar;
    case NodeKind::string:
      return ValueType::string;
    case NodeKind::vector_selector:
      return ValueType::vector;
    case NodeKind::matrix_selector:
      return ValueType::matrix;
    case NodeKind::subquery:
      return ValueType::matrix;
    case NodeKind::paren:
      return static_cast<const ParenExpr*>(this)->expr->type();
    case NodeKind::step_invariant:
      return static_cast<const StepInvariantExpr*>(this)->expr->type();
    case NodeKind::unary:
      return static_cast<const UnaryExpr*>(this)->expr->type();
    case NodeKind::binary: {
      auto* b = static_cast<const BinaryExpr*>(this);
      return b->lhs->type() == ValueType::scalar && b->rhs->type() == ValueType::scalar
                 ? ValueType::scalar
                 : ValueType::vector;
    }
    case NodeKind::aggregate:
      return ValueType::vector;
    case NodeKind::call:
      return static_cast<const Call*>(this)->func->return_type;
  }
  return ValueType::none;
}

namespace {

// Go's strconv.FormatFloat(v, 'g', -1, 64), as fmt's %v prints a float64.
std::string go_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits from {:e} of increasing precision.
  std::string e;
  for (int prec = 0; prec <= 17; ++prec) {
    e = fmt::format("{:.{}e}", v, prec);
    if (std::strtod(e.c_str(), nullptr) == v) break;
  }
  bool neg = e[0] == '-';
  std::size_t epos = e.find('e');
  std::string mant = e.substr(neg ? 1 : 0, epos - (neg ? 1 : 0));
  int exp = std::atoi(e.c_str() + epos + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 21 || (exp >= int(std::max<std::size_t>(digits.size(), 6)) && false)) {
  }
  int eprec = 6;
  if (exp < -4 || exp >= eprec) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(std::size_t(-exp - 1), '0') + digits;
  } else if (std::size_t(exp + 1) >= digits.size()) {
    out += digits + std::string(std::size_t(exp + 1) - digits.size(), '0');
  } else {
    out += digits.substr(0, std::size_t(exp + 1)) + "." + digits.substr(std::size_t(exp + 1));
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += v[i];
  }
  return s;
}

std::string offset_str(std::int64_t off) {
  if (off > 0) return " offset " + core::format_duration(core::Millis(off));
  if (off < 0) return " offset -" + core::format_duration(core::Millis(-off));
  return "";
}

std::string at_str(const std::optional<std::int64_t>& ts, AtKind at) {
  if (at == AtKind::timestamp && ts) return fmt::format(" @ {:.3f}", double(*ts) / 1000.0);
  if (at == AtKind::start) return " @ start()";
  if (at == AtKind::end) return " @ end()";
  return "";
}

std::string selector_str(const VectorSelector& vs, bool with_mods) {
  std::vector<std::string> ls;
  for (const auto& m : vs.matchers) {
    if (m.name == kMetricName && m.type == MatchType::equal && m.value == vs.name) continue;
    ls.push_back(m.to_string());
  }
  std::string mods =
      with_mods ? at_str(vs.timestamp_ms, vs.at) + offset_str(vs.original_offset_ms) : "";
  if (ls.empty()) return vs.name + mods;
  std::sort(ls.begin(), ls.end());
  std::string s = vs.name + "{";
  for (std::size_t i = 0; i < ls.size(); ++i) {
    if (i) s += ",";
    s += ls[i];
  }
  return s + "}" + mods;
}

}  // namespace

std::string format_value(double v) { return go_g(v); }

std::string Expr::to_string() const {
  switch (kind) {
    case NodeKind::number:
      return go_g(static_cast<const NumberLiteral*>(this)->val);
    case NodeKind::string:
      return go_quote(static_cast<const StringLiteral*>(this)->val);
    case NodeKind::vector_selector:
      return selector_str(*static_cast<const VectorSelector*>(this), true);
    case NodeKind::matrix_selector: {
      auto* m = static_cast<const MatrixSelector*>(this);
      const auto& vs = m->vs();
      return selector_str(vs, false) + "[" + core::format_duration(core::Millis(m->range_ms)) +
             "]" + at_str(vs.timestamp_ms, vs.at) + offset_str(vs.original_offset_ms);
    }
    case NodeKind::subquery: {
      auto* s = static_cast<const SubqueryExpr*>(this);
      return s->expr->to_string() + "[" + core::format_duration(core::Millis(s->range_ms)) + ":" +
             (s->step_ms ? core::format_duration(core::Millis(s->step_ms)) : "") + "]" +
             at_str(s->timestamp_ms, s->at) + offset_str(s->original_offset_ms);
    }
    case NodeKind::paren:
      return "(" + static_cast<const ParenExpr*>(this)->expr->to_string() + ")";
    case NodeKind::step_invariant:
      return static_cast<const StepInvariantExpr*>(this)->expr->to_string();
    case NodeKind::unary: {
      auto* u = static_cast<const UnaryExpr*>(this);
      return std::string(op_string(u->op)) + u->expr->to_string();
    }
    case NodeKind::binary: {
      auto* b = static_cast<const BinaryExpr*>(this);
      std::string matching;
      if (b->matching && (!b->matching->labels.empty() || b->matching->on)) {
        const auto& vm = *b->matching;
        matching = fmt::format(" {} ({})", vm.on ? "on" : "ignoring", join(vm.labels));
        if (vm.card == Cardinality::many_to_one || vm.card == Cardinality::one_to_many)
          matching +=
              fmt::format(" group_{} ({})", vm.card == Cardinality::many_to_one ? "left" : "right",
                          join(vm.include));
      }
      return fmt::format("{} {}{}{} {}", b->lhs->to_string(), op_string(b->op),
                         b->return_bool ? " bool" : "", matching, b->rhs->to_string());
    }
    case NodeKind::aggregate: {
      auto* a = static_cast<const AggregateExpr*>(this);
      std::string s = op_string(a->op);
      if (a->without) {
        s += fmt::format(" without ({}) ", join(a->grouping));
      } else if (!a->grouping.empty()) {
        s += fmt::format(" by ({}) ", join(a->grouping));
      }
      s += "(";
      if (a->param) s += a->param->to_string() + ", ";
      return s + a->expr->to_string() + ")";
    }
    case NodeKind::call: {
      auto* c = static_cast<const Call*>(this);
      std::string s = std::string(c->func->name) + "(";
      for (std::size_t i = 0; i < c->args.size(); ++i) {
        if (i) s += ", ";
        s += c->args[i]->to_string();
      }
      return s + ")";
    }
  }
  return "";
}

}  // namespace sonde::rules::promql
