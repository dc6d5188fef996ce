// The function table of Go templates in sonde: Go 1.19's builtins (builtins.cpp) and
// Prometheus 2.42's FuncMap (prometheus_functions.cpp), and text/template's truth.
#include "rules/template/functions.hpp"

#include <map>

namespace sonde::rules::tmpl {
namespace {

const detail::FunctionTable& table() {
  static const detail::FunctionTable t = [] {
    detail::FunctionTable all;
    detail::add_go_builtins(all);
    detail::add_prometheus_functions(all);
    detail::add_regexp_functions(all);
    return all;
  }();
  return t;
}

}  // namespace

bool template_function_known(std::string_view name) { return table().count(name) > 0; }

const Function* find_function(std::string_view name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

std::string param_type_name(Param p) {
  switch (p) {
    case Param::any:
      return "interface {}";
    case Param::rvalue:
      return "reflect.Value";
    case Param::string:
      return "string";
    case Param::float64:
      return "float64";
    case Param::integer:
      return "int";
    case Param::sample:
      return "*template.sample";
    case Param::samples:
      return "template.queryResult";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Kind::invalid:
    case Kind::nil:
      return false;
    case Kind::boolean:
      return v.b;
    case Kind::integer:
    case Kind::uint8:
      return v.i != 0;
    case Kind::floating:
      return v.f != 0;
    case Kind::complex:
      return true;
    case Kind::string:
    case Kind::html:
      return !v.s.empty();
    case Kind::labels:
      return !v.labels->empty();
    case Kind::any_map:
      return !v.map->entries.empty();
    case Kind::root:
      return true;
    case Kind::sample:
      return v.sample != nullptr;
    case Kind::samples:
      return v.samples && !v.samples->empty();
    case Kind::time:
      return true;
  }
  return false;
}

bool param_can_be_nil(Param p) {
  return p == Param::any || p == Param::sample || p == Param::samples;
}

Value param_zero(Param p) {
  Value v;
  if (p == Param::sample) v.kind = Kind::sample;
  if (p == Param::samples) {
    v.kind = Kind::samples;
    v.samples = std::make_shared<SampleList>();
  }
  return v;
}

std::string validate_param(const Value& value, Param p, Value& out) {
  out = value;
  if (!value.valid() || value.kind == Kind::nil) {
    if (p == Param::rvalue) return {};
    if (param_can_be_nil(p)) {
      out = param_zero(p);
      return {};
    }
    return "invalid value; expected " + param_type_name(p);
  }
  bool ok = true;
  switch (p) {
    case Param::any:
    case Param::rvalue:
      break;
    case Param::string:
      ok = value.kind == Kind::string;
      break;
    case Param::float64:
      ok = value.kind == Kind::floating;
      break;
    case Param::integer:
      ok = value.kind == Kind::integer;
      break;
    case Param::sample:
      ok = value.kind == Kind::sample;
      break;
    case Param::samples:
      ok = value.kind == Kind::samples;
      break;
  }
  if (!ok)
    return "wrong type for value; expected " + param_type_name(p) + "; got " + type_name(value);
  return {};
}

}  // namespace sonde::rules::tmpl
