// The functions a template may call: Go 1.19's builtins (text/template/funcs.go) and
// Prometheus 2.42's FuncMap (template/template.go), each with its Go signature so that the
// executor checks and converts arguments as Go's reflection-based call does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/template/value.hpp"

namespace sonde::rules::tmpl {

bool template_function_known(std::string_view name);

/// A parameter's Go type.
enum class Param { any, rvalue, string, float64, integer, sample, samples };
std::string param_type_name(Param p);

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

}  // namespace sonde::rules::tmpl
