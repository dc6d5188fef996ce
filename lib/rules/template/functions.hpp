// The functions a template may call: Go 1.19's builtins (text/template/funcs.go) and
// Prometheus 2.42's FuncMap (template/template.go), each with its Go signature so that the
// executor checks and converts arguments as Go's reflection-based call does.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/template/value.hpp"

namespace sonde::rules::tmpl {

bool template_function_known(std::string_view name);

/// A parameter's Go type.
enum class Param { any, rvalue, string, float64, integer, sample, samples };
std::string param_type_name(Param p);

/// Whether a nil or missing value may stand for a parameter of type `p`, and its zero value.
bool param_can_be_nil(Param p);
Value param_zero(Param p);
/// exec.go's validateType for a parameter of type `p`: sets `out` to `value` (or to the zero
/// value of a nil-able type for a nil or missing value) and returns "", or returns Go's error
/// text ("wrong type for value; expected string; got int", …).
std::string validate_param(const Value& value, Param p, Value& out);

/// An error a function returns (Go: the error result); the executor reports it as
/// `error calling <name>: <message>`.
struct FuncError {
  std::string message;
};

struct CallEnv {
  const Context& ctx;
  std::size_t queries = 0;  // calls of `query` so far in this execution
};

struct Function {
  std::vector<Param> params;  // the last one repeats when variadic
  bool variadic = false;
  bool builtin = false;
  Value (*fn)(CallEnv&, std::vector<Value>&) = nullptr;
};

const Function* find_function(std::string_view name);

/// text/template's truth (isTrue): the second member is false for values if/with cannot use.
bool truth(const Value& v);

namespace detail {

using FunctionTable = std::map<std::string, Function, std::less<>>;
/// Go's builtins (builtins.cpp) and Prometheus's functions (prometheus_functions.cpp).
void add_go_builtins(FunctionTable& t);
void add_prometheus_functions(FunctionTable& t);
/// `match` and `reReplaceAll` (regexp_functions.cpp).
void add_regexp_functions(FunctionTable& t);

/// url.QueryEscape, as urlquery and Prometheus's graphLink/tableLink escape.
std::string query_escape(const std::string& s);

/// A function's error result (FuncError), as the functions raise it.
[[noreturn]] inline void fail(std::string msg) { throw FuncError{std::move(msg)}; }

}  // namespace detail

}  // namespace sonde::rules::tmpl
