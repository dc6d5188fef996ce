// The values a Prometheus alert template can hold (internal to lib/rules/template), each with
// the Go type it stands for, so that printing (fmt's %v), comparison and error messages name
// and treat it as Go would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/template/template.hpp"

namespace sonde::rules::tmpl {

struct Value;
struct AnyMap;  // map[string]interface{}: sorted (key, value) pairs
struct QuerySample {
  Labels labels;
  double value = 0;
};
using SampleList = std::vector<std::shared_ptr<QuerySample>>;

enum class Kind : std::uint8_t {
  invalid,   // no value (Go's invalid reflect.Value): prints "<no value>"
  nil,       // an untyped nil constant or nil interface{}: prints "<nil>"
  boolean,   // bool
  integer,   // int
  uint8,     // uint8 (a byte of a string from index)
  floating,  // float64
  complex,   // complex128 (parsed constants only)
  string,    // string
  html,      // html/template.HTML (safeHtml)
  labels,    // map[string]string
  any_map,   // map[string]interface {} (args)
  root,      // the struct of template.AlertTemplateData
  sample,    // *template.sample
  samples,   // template.queryResult
  time,      // *time.Time (toTime): ns since the epoch
};

struct Value {
  Kind kind = Kind::invalid;
  bool b = false;
  std::int64_t i = 0;  // integer, uint8, time (ns)
  double f = 0;        // floating; the real part of a complex
  double im = 0;       // the imaginary part of a complex
  std::string s;       // string, html
  std::shared_ptr<const Labels> labels;
  std::shared_ptr<const AnyMap> map;
  std::shared_ptr<QuerySample> sample;
  std::shared_ptr<SampleList> samples;
  const AlertData* root = nullptr;

  static Value boolean(bool v) {
    Value x;
    x.kind = Kind::boolean;
    x.b = v;
    return x;
  }
  static Value integer(std::int64_t v) {
    Value x;
    x.kind = Kind::integer;
    x.i = v;
    return x;
  }
  static Value floating(double v) {
    Value x;
    x.kind = Kind::floating;
    x.f = v;
    return x;
  }
  static Value string(std::string v, Kind k = Kind::string) {
    Value x;
    x.kind = k;
    x.s = std::move(v);
    return x;
  }
  bool valid() const { return kind != Kind::invalid; }
};

struct AnyMap {
  std::vector<std::pair<std::string, Value>> entries;  // sorted by key
};

/// Go's name of the value's type ("int", "map[string]string", "*template.sample", ...).
std::string type_name(const Value& v);

/// fmt.Sprint of one value as text/template prints an action's result (printableValue: a
/// pointer to a struct prints the struct, no value prints "<no value>").
std::string print_action(const Value& v);

/// fmt.Sprint(args...), fmt.Sprintln(args...), fmt.Sprintf(format, args...).
std::string sprint(const std::vector<Value>& args);
std::string sprintln(const std::vector<Value>& args);
std::string sprintf(const std::string& format, const std::vector<Value>& args);

/// A field of the template's data: Labels, ExternalLabels, ExternalURL or Value.
Value root_field(const AlertData& d, std::string_view field);
/// `receiver.field` for the data, samples, label maps and maps (not time methods): sets `out`
/// and returns "", or returns exec.go's error text ("can't evaluate field X in type T", …).
/// `has_args`: the field is called with arguments.
std::string field_value(const Value& receiver, const std::string& field, bool has_args, Value& out);

}  // namespace sonde::rules::tmpl
