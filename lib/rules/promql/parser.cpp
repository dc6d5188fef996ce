// PromQL recursive-descent parser following Prometheus 2.42's promql/parser (lex.go,
// generated_parser.y, parse.go): the same tokens, precedence, checks and error messages.
#include "rules/promql/parser.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/duration.hpp"
#include "rules/promql/lexer.hpp"
#include "rules/promql/parse_checks.hpp"
#include "rules/promql/tokens.hpp"

namespace sonde::rules::promql {

std::string ParseError::to_string() const {
  return fmt::format("{}:{}: parse error: {}", line, column, message);
}

namespace {

using detail::aggregate_op;
using detail::binary_op;
using detail::check_binary;
using detail::check_call;
using detail::check_selectors;
using detail::expect_type;
using detail::fail;
using detail::Failure;
using detail::number_value;
using detail::precedence;

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), toks_(lex(input)) {}

  ExprPtr parse_top() {
    if (peek().type == T::eof) fail(0, "no expression found in input");
    ExprPtr e = parse_expr(0);
    if (peek().type != T::eof) unexpected(peek(), "", "");
    check_selectors(*e);
    return e;
  }

  std::vector<Matcher> parse_selector_top() {
    ExprPtr e = parse_expr(0);
    if (peek().type != T::eof) unexpected(peek(), "", "");
    if (e->kind != NodeKind::vector_selector) fail(e->pos.start, "expected a vector selector");
    check_selectors(*e);
    return std::move(static_cast<VectorSelector&>(*e).matchers);
  }

 private:
  std::string_view input_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int depth_ = 0;

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t j = std::min(i_ + ahead, toks_.size() - 1);
    return toks_[j];
  }
  const Token& next() {
    const Token& t = toks_[i_];
    if (t.type == T::error) fail(t.pos, std::string(t.val));
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  int last_end() const { return i_ == 0 ? 0 : toks_[i_ - 1].pos + int(toks_[i_ - 1].val.size()); }

  [[noreturn]] void unexpected(const Token& t, std::string_view context,
                               std::string_view expected) {
    if (t.type == T::error) fail(t.pos, std::string(t.val));
    std::string m = "unexpected " + token_desc(t);
    if (!context.empty()) m += fmt::format(" in {}", context);
    if (!expected.empty()) m += fmt::format(", expected {}", expected);
    fail(t.pos, m);
  }
  const Token& expect(T type, std::string_view context, std::string_view expected) {
    if (peek().type != type) unexpected(peek(), context, expected);
    return next();
  }

  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& pp, int pos) : p(pp) {
      if (++p.depth_ > kMaxParseDepth)
        fail(pos, fmt::format("expression nested deeper than {} levels", kMaxParseDepth));
    }
    ~DepthGuard() { --p.depth_; }
  };

  // Binding power of binary operators (generated_parser.y: %left LOR; %left LAND LUNLESS; %left
  // comparisons; %left ADD SUB; %left MUL DIV MOD ATAN2; %right POW).
  ExprPtr parse_expr(int min_prec) {
    DepthGuard g(*this, peek().pos);
    ExprPtr lhs = parse_unary();
    for (;;) {
      const Token& op = peek();
      int p = precedence(op.type);
      if (p == 0 || p < min_prec) break;
      next();
      auto bin = std::make_unique<BinaryExpr>();
      bin->op = binary_op(op.type);
      VectorMatching vm;
      bool has_matching = false;
      if (peek().type == T::kw_bool) {
        next();
        bin->return_bool = true;
      }
      if (peek().type == T::kw_on || peek().type == T::kw_ignoring) {
        vm.on = next().type == T::kw_on;
        vm.labels = parse_grouping_labels();
        has_matching = true;
        if (peek().type == T::kw_group_left || peek().type == T::kw_group_right) {
          vm.card =
              next().type == T::kw_group_left ? Cardinality::many_to_one : Cardinality::one_to_many;
          if (peek().type == T::lparen) vm.include = parse_grouping_labels();
        }
      } else if (peek().type == T::kw_group_left || peek().type == T::kw_group_right) {
        unexpected(peek(), "", "");
      }
      (void)has_matching;
      int next_min = op.type == T::pow ? p : p + 1;
      ExprPtr rhs = parse_expr(next_min);
      bin->pos = {lhs->pos.start, rhs->pos.end};
      bin->lhs = std::move(lhs);
      bin->rhs = std::move(rhs);
      bin->matching = std::move(vm);
      lhs = std::move(bin);
      check_binary(static_cast<BinaryExpr&>(*lhs), input_);
    }
    return lhs;
  }

  ExprPtr parse_unary() {
    const Token& t = peek();
    if (t.type == T::add || t.type == T::sub) {
      DepthGuard g(*this, t.pos);
      next();
      ExprPtr e = parse_expr(precedence(T::pow));  // unary_op expr %prec MUL
      if (e->kind == NodeKind::number) {
        auto& nl = static_cast<NumberLiteral&>(*e);
        if (t.type == T::sub) nl.val = -nl.val;
        nl.pos.start = t.pos;
        return e;
      }
      auto u = std::make_unique<UnaryExpr>();
      u->op = t.type == T::sub ? Op::sub : Op::add;
      u->pos = {t.pos, e->pos.end};
      u->expr = std::move(e);
      ValueType vt = u->expr->type();
      if (vt != ValueType::scalar && vt != ValueType::vector)
        fail(u->pos.start,
             fmt::format("unary expression only allowed on expressions of type scalar or instant "
                         "vector, got \"{}\"",
                         document_name(vt)));
      return u;
    }
    return parse_postfix(parse_primary());
  }

  static bool is_metric_identifier_token(T t) {
    switch (t) {
      case T::identifier:
      case T::metric_identifier:
      case T::avg:
      case T::bottomk:
      case T::kw_by:
      case T::count:
      case T::count_values:
      case T::group:
      case T::land:
      case T::lor:
      case T::lunless:
      case T::max:
      case T::min:
      case T::kw_offset:
      case T::quantile:
      case T::stddev:
      case T::stdvar:
      case T::sum:
      case T::topk:
      case T::kw_without:
      case T::kw_start:
      case T::kw_end:
        return true;
      default:
        return false;
    }
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.type) {
      case T::number: {
        next();
        auto n = std::make_unique<NumberLiteral>();
        n->val = number_value(t);
        n->pos = {t.pos, t.pos + int(t.val.size())};
        return n;
      }
      case T::string: {
        next();
        auto s = std::make_unique<StringLiteral>();
        s->val = unquote(t);
        s->pos = {t.pos, t.pos + int(t.val.size())};
        return s;
      }
      case T::lparen: {
        next();
        auto p = std::make_unique<ParenExpr>();
        p->expr = parse_expr(0);
        expect(T::rparen, "paren expression", "\")\"");
        p->pos = {t.pos, last_end()};
        return p;
      }
      case T::lbrace: {
        auto vs = std::make_unique<VectorSelector>();
        vs->pos.start = t.pos;
        parse_label_matchers(*vs);
        vs->pos.end = last_end();
        return vs;
      }
      default:
        break;
    }
    if (is_aggregator(t.type) &&
        (peek(1).type == T::lparen || peek(1).type == T::kw_by || peek(1).type == T::kw_without))
      return parse_aggregate();
    if (t.type == T::identifier && peek(1).type == T::lparen) return parse_call();
    if (is_metric_identifier_token(t.type)) {
      next();
      auto vs = std::make_unique<VectorSelector>();
      vs->name = std::string(t.val);
      vs->pos.start = t.pos;
      if (peek().type == T::lbrace) parse_label_matchers(*vs);
      auto m = Matcher::make(MatchType::equal, std::string(kMetricName), vs->name);
      vs->matchers.push_back(std::move(*m));
      vs->pos.end = last_end();
      return vs;
    }
    if (t.type == T::eof) unexpected(t, "", "");
    unexpected(t, "", "");
  }

  void parse_label_matchers(VectorSelector& vs) {
    expect(T::lbrace, "label matching", "\"{\"");
    for (;;) {
      const Token& t = peek();
      if (t.type == T::rbrace) {
        next();
        break;
      }
      if (t.type != T::identifier) unexpected(t, "label matching", "identifier or \"}\"");
      next();
      const Token& op = peek();
      MatchType mt;
      switch (op.type) {
        case T::eql:
          mt = MatchType::equal;
          break;
        case T::neq:
          mt = MatchType::not_equal;
          break;
        case T::eql_regex:
          mt = MatchType::regex;
          break;
        case T::neq_regex:
          mt = MatchType::not_regex;
          break;
        default:
          unexpected(op, "label matching", "label matching operator");
      }
      next();
      const Token& v = peek();
      if (v.type != T::string) unexpected(v, "label matching", "string");
      next();
      auto m = Matcher::make(mt, std::string(t.val), unquote(v));
      if (!m.ok()) fail(t.pos, m.message());
      vs.matchers.push_back(std::move(*m));
      if (peek().type == T::comma) {
        next();
        continue;
      }
      if (peek().type != T::rbrace) unexpected(peek(), "label matching", "\",\" or \"}\"");
    }
  }

  std::vector<std::string> parse_grouping_labels() {
    if (peek().type != T::lparen) unexpected(peek(), "grouping opts", "\"(\"");
    next();
    std::vector<std::string> out;
    for (;;) {
      const Token& t = peek();
      if (t.type == T::rparen) {
        next();
        break;
      }
      if (t.type == T::eof || t.type == T::error) unexpected(t, "grouping opts", "label");
      if (!is_label_name(t.val) || t.type == T::number || t.type == T::string ||
          t.type == T::duration)
        unexpected(t, "grouping opts", "label");
      next();
      out.emplace_back(t.val);
      if (peek().type == T::comma) {
        next();
        continue;
      }
      if (peek().type != T::rparen) unexpected(peek(), "grouping opts", "\",\" or \")\"");
    }
    return out;
  }

  std::vector<ExprPtr> parse_args(std::string_view context) {
    expect(T::lparen, context, "\"(\"");
    std::vector<ExprPtr> args;
    if (peek().type == T::rparen) {
      next();
      return args;
    }
    for (;;) {
      args.push_back(parse_expr(0));
      if (peek().type == T::comma) {
        const Token& c = next();
        if (peek().type == T::rparen)
          fail(c.pos, "trailing commas not allowed in function call args");
        continue;
      }
      if (peek().type == T::rparen) {
        next();
        break;
      }
      unexpected(peek(), context, "\",\" or \")\"");
    }
    return args;
  }

  ExprPtr parse_call() {
    const Token& name = next();
    const Function* f = find_function(name.val);
    if (!f) fail(name.pos, fmt::format("unknown function with name {}", go_quote(name.val)));
    auto c = std::make_unique<Call>();
    c->func = f;
    c->pos.start = name.pos;
    DepthGuard g(*this, name.pos);
    c->args = parse_args("function call");
    c->pos.end = last_end();
    check_call(*c);
    return c;
  }

  ExprPtr parse_aggregate() {
    const Token& op = next();
    auto a = std::make_unique<AggregateExpr>();
    a->op = aggregate_op(op.type);
    a->pos.start = op.pos;
    bool have_mod = false;
    if (peek().type == T::kw_by || peek().type == T::kw_without) {
      a->without = next().type == T::kw_without;
      a->grouping = parse_grouping_labels();
      have_mod = true;
    }
    DepthGuard g(*this, op.pos);
    std::vector<ExprPtr> args = parse_args("aggregation");
    if (!have_mod && (peek().type == T::kw_by || peek().type == T::kw_without)) {
      a->without = next().type == T::kw_without;
      a->grouping = parse_grouping_labels();
    }
    a->pos.end = last_end();
    if (args.empty()) fail(a->pos.start, "no arguments for aggregate expression provided");
    bool with_param = a->op == Op::topk || a->op == Op::bottomk || a->op == Op::quantile ||
                      a->op == Op::count_values;
    std::size_t want = with_param ? 2 : 1;
    if (args.size() != want)
      fail(a->pos.start,
           fmt::format("wrong number of arguments for aggregate expression provided, expected {}, "
                       "got {}",
                       want, args.size()));
    if (with_param) a->param = std::move(args[0]);
    a->expr = std::move(args[want - 1]);
    expect_type(*a->expr, ValueType::vector, "aggregation expression");
    if (a->op == Op::topk || a->op == Op::bottomk || a->op == Op::quantile)
      expect_type(*a->param, ValueType::scalar, "aggregation parameter");
    if (a->op == Op::count_values)
      expect_type(*a->param, ValueType::string, "aggregation parameter");
    return a;
  }

  std::int64_t parse_duration_tok(const Token& t) {
    auto d = core::parse_duration(t.val);
    if (!d) {
      fail(t.pos, d.error() == core::DurationError::overflow
                      ? std::string("duration out of range")
                      : fmt::format("not a valid duration string: {}", go_quote(t.val)));
    }
    if (d->count() == 0) fail(t.pos, "duration must be greater than 0");
    return d->count();
  }

  ExprPtr parse_postfix(ExprPtr e) {
    for (;;) {
      const Token& t = peek();
      if (t.type == T::lbracket) {
        next();
        const Token& d = peek();
        if (d.type != T::duration) unexpected(d, "subquery or range", "duration");  // lexer says
        next();
        std::int64_t range = parse_duration_tok(d);
        if (peek().type == T::rbracket) {
          next();
          std::string err;
          if (e->kind != NodeKind::vector_selector) {
            err = "ranges only allowed for vector selectors";
          } else if (static_cast<VectorSelector&>(*e).original_offset_ms != 0) {
            err = "no offset modifiers allowed before range";
          } else if (static_cast<VectorSelector&>(*e).timestamp_ms ||
                     static_cast<VectorSelector&>(*e).at != AtKind::none) {
            err = "no @ modifiers allowed before range";
          }
          if (!err.empty()) fail(e->pos.start, err);
          auto m = std::make_unique<MatrixSelector>();
          m->pos = {e->pos.start, last_end()};
          m->range_ms = range;
          m->vector_selector = std::move(e);
          e = std::move(m);
          continue;
        }
        if (peek().type != T::colon) unexpected(peek(), "subquery or range", "\":\" or \"]\"");
        next();
        auto s = std::make_unique<SubqueryExpr>();
        s->range_ms = range;
        if (peek().type == T::duration) {
          s->step_ms = parse_duration_tok(next());
        } else if (peek().type != T::rbracket) {
          unexpected(peek(), "subquery selector", "duration or \"]\"");
        }
        expect(T::rbracket, "subquery selector", "\"]\"");
        s->pos = {e->pos.start, last_end()};
        s->expr = std::move(e);
        if (s->expr->type() != ValueType::vector)
          fail(s->pos.start,
               fmt::format("subquery is only allowed on instant vector, got {} instead",
                           value_type_name(s->expr->type())));
        e = std::move(s);
        continue;
      }
      if (t.type == T::kw_offset) {
        next();
        bool neg = false;
        if (peek().type == T::sub) {
          next();
          neg = true;
        }
        if (peek().type != T::duration) unexpected(peek(), "offset", "duration");
        std::int64_t off = parse_duration_tok(next());
        if (neg) off = -off;
        std::int64_t* orig = nullptr;
        if (e->kind == NodeKind::vector_selector) {
          orig = &static_cast<VectorSelector&>(*e).original_offset_ms;
        } else if (e->kind == NodeKind::matrix_selector) {
          orig = &static_cast<MatrixSelector&>(*e).vs().original_offset_ms;
        } else if (e->kind == NodeKind::subquery) {
          orig = &static_cast<SubqueryExpr&>(*e).original_offset_ms;
        } else {
          fail(e->pos.start,
               "offset modifier must be preceded by an instant vector selector or range vector "
               "selector or a subquery");
        }
        if (*orig != 0) fail(e->pos.start, "offset may not be set multiple times");
        *orig = off;
        e->pos.end = last_end();
        continue;
      }
      if (t.type == T::at) {
        next();
        std::optional<std::int64_t>* ts = nullptr;
        AtKind* at = nullptr;
        if (e->kind == NodeKind::vector_selector) {
          auto& vs = static_cast<VectorSelector&>(*e);
          ts = &vs.timestamp_ms;
          at = &vs.at;
        } else if (e->kind == NodeKind::matrix_selector) {
          auto& vs = static_cast<MatrixSelector&>(*e).vs();
          ts = &vs.timestamp_ms;
          at = &vs.at;
        } else if (e->kind == NodeKind::subquery) {
          auto& sq = static_cast<SubqueryExpr&>(*e);
          ts = &sq.timestamp_ms;
          at = &sq.at;
        }
        if (peek().type == T::kw_start || peek().type == T::kw_end) {
          bool start = next().type == T::kw_start;
          expect(T::lparen, "@", "\"(\"");
          expect(T::rparen, "@", "\")\"");
          if (!at)
            fail(e->pos.start,
                 "@ modifier must be preceded by an instant vector selector or range vector "
                 "selector or a subquery");
          if (*at != AtKind::none)
            fail(e->pos.start, "@ <timestamp> may not be set multiple times");
          *at = start ? AtKind::start : AtKind::end;
        } else {
          bool neg = false;
          if (peek().type == T::sub || peek().type == T::add) neg = next().type == T::sub;
          if (peek().type != T::number) unexpected(peek(), "@", "timestamp");
          double v = number_value(next());
          if (neg) v = -v;
          if (!at)
            fail(e->pos.start,
                 "@ modifier must be preceded by an instant vector selector or range vector "
                 "selector or a subquery");
          if (std::isinf(v) || std::isnan(v) || v >= double(std::numeric_limits<int64_t>::max()) ||
              v <= double(std::numeric_limits<int64_t>::min()))
            fail(e->pos.start, fmt::format("timestamp out of bounds for @ modifier: {:f}", v));
          if (*at != AtKind::none)
            fail(e->pos.start, "@ <timestamp> may not be set multiple times");
          *at = AtKind::timestamp;
          *ts = std::int64_t(std::round(v * 1000));
        }
        e->pos.end = last_end();
        continue;
      }
      break;
    }
    return e;
  }

  std::string unquote(const Token& t) {
    auto r = unquote_literal(t.val);
    if (!r) fail(t.pos, fmt::format("error unquoting string {}: invalid syntax", go_quote(t.val)));
    return *r;
  }
};

ParseError make_error(std::string_view input, int pos, std::string msg) {
  ParseError e;
  e.message = std::move(msg);
  int line = 1, last_break = -1;
  if (pos > int(input.size())) pos = int(input.size());
  for (int i = 0; i < pos; ++i)
    if (input[i] == '\n') {
      last_break = i;
      ++line;
    }
  e.line = line;
  e.column = pos - last_break;
  return e;
}

}  // namespace

core::Result<ExprPtr, ParseError> parse(std::string_view expr) {
  try {
    Parser p(expr);
    return p.parse_top();
  } catch (Failure& f) {
    return make_error(expr, f.pos, std::move(f.msg));
  }
}

core::Result<std::vector<Matcher>, ParseError> parse_metric_selector(std::string_view input) {
  try {
    Parser p(input);
    return p.parse_selector_top();
  } catch (Failure& f) {
    return make_error(input, f.pos, std::move(f.msg));
  }
}

}  // namespace sonde::rules::promql
