// What the parser makes of single tokens (tokens.hpp): number literals as Go's strconv reads
// them, operator precedence, and the operators and aggregations tokens stand for.
#include "rules/promql/tokens.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "rules/promql/literal.hpp"
#include "rules/promql/parse_checks.hpp"

namespace sonde::rules::promql::detail {

int precedence(T t) {
  switch (t) {
    case T::lor:
      return 1;
    case T::land:
    case T::lunless:
      return 2;
    case T::eqlc:
    case T::neq:
    case T::lss:
    case T::lte:
    case T::gtr:
    case T::gte:
      return 3;
    case T::add:
    case T::sub:
      return 4;
    case T::mul:
    case T::div:
    case T::mod:
    case T::atan2:
      return 5;
    case T::pow:
      return 6;
    default:
      return 0;
  }
}

double number_value(const Token& t) {
  std::string s(t.val);
  std::string low;
  for (char c : s) low += char(std::tolower(static_cast<unsigned char>(c)));
  if (low == "inf") return std::numeric_limits<double>::infinity();
  if (low == "nan") return std::numeric_limits<double>::quiet_NaN();
  // strconv.ParseInt(s, 0, 64): 0x hex, leading 0 octal; else ParseFloat.
  bool all_digits = !s.empty();
  for (char c : s) all_digits = all_digits && c >= '0' && c <= '9';
  if (low.size() > 2 && low[0] == '0' && low[1] == 'x') {
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s.c_str() + 2, &end, 16);
    if (errno == 0 && *end == 0 && v <= std::uint64_t(std::numeric_limits<int64_t>::max()))
      return double(std::int64_t(v));
    // Go's ParseFloat accepts hex floats with p exponents only; "0x..." without one fails.
    fail(t.pos, fmt::format("error parsing number: strconv.ParseFloat: parsing {}: invalid syntax",
                            go_quote(s)));
  }
  if (all_digits) {
    int base = (s.size() > 1 && s[0] == '0') ? 8 : 10;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s.c_str(), &end, base);
    if (errno == 0 && *end == 0 && v <= std::uint64_t(std::numeric_limits<int64_t>::max()))
      return double(std::int64_t(v));
  }
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size())
    fail(t.pos, fmt::format("error parsing number: strconv.ParseFloat: parsing {}: invalid syntax",
                            go_quote(s)));
  return d;
}

#define SONDE_PROMQL_SAME_NAME(name) \
  case T::name:                      \
    return Op::name;

Op binary_op(T t) {
  switch (t) {
    SONDE_PROMQL_ARITHMETIC(SONDE_PROMQL_SAME_NAME)
    case T::atan2:
      return Op::atan2;
    case T::eqlc:
      return Op::eql;
    case T::neq:
      return Op::neq;
    case T::gtr:
      return Op::gtr;
    case T::lss:
      return Op::lss;
    case T::gte:
      return Op::gte;
    case T::lte:
      return Op::lte;
    case T::land:
      return Op::land;
    case T::lor:
      return Op::lor;
    default:
      return Op::lunless;
  }
}
Op aggregate_op(T t) {
  switch (t) {
    SONDE_PROMQL_AGGREGATIONS(SONDE_PROMQL_SAME_NAME)
    default:
      return Op::quantile;
  }
}

#undef SONDE_PROMQL_SAME_NAME

}  // namespace sonde::rules::promql::detail
