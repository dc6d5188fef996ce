// Go's text/template language as Prometheus 2.42 uses it for alert labels and annotations
// (template/template.go and rules/alerting.go at v2.42.0, built with Go 1.19): the lexer, parser
// and executor of text/template with missingkey=zero, Go's builtins (and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call), Go's fmt
// formatting of values, and every function Prometheus adds (query, humanize*, toTime, ...).
//
// Errors read as Go's do, because promtool prints them: a parse error is
// `template: <name>:<line>: <message>`, an execution error
// `template: <name>:<line>:<col>: executing "<name>" at <<node>>: <message>`.
//
// The PromQL engine is not a dependency: the `query` function calls back through QueryFunc.
// Execution is bounded by Limits; exceeding one is an execution error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sonde::rules::tmpl {

using Labels = std::map<std::string, std::string>;

/// One element of an instant vector as the `query` template function sees it. Prometheus's
/// template sample has only Labels and Value; the timestamp is carried for callers.
struct Sample {
  Labels labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

/// Runs a PromQL instant query at the time of the evaluation that expands the template. The
/// error's message is printed as Prometheus prints the query error.
using QueryFunc = std::function<core::Result<std::vector<Sample>>(std::string_view query)>;

/// The data Prometheus passes to alert templates (template.AlertTemplateData): `.Labels`,
/// `.ExternalLabels`, `.ExternalURL`, `.Value`.
struct AlertData {
  Labels labels;
  Labels external_labels;
  std::string external_url;
  double value = 0;
};

/// Bounds on one execution.
struct Limits {
  std::size_t max_output_bytes = 1 << 20;  // bytes written by one execution
  std::size_t max_iterations = 100'000;    // range iterations, all loops together
  /// Nesting of {{template}} calls, control structures and pipelines while executing (Go
  /// allows 100000 {{template}} calls deep; sonde bounds its stack instead).
  std::size_t max_depth = 200;
  std::size_t max_queries = 100;  // calls of the `query` function
};

/// What the template functions need from the caller.
struct Context {
  QueryFunc query;  // `query`; unset: calling it is an execution error
  /// `externalURL` and `pathPrefix` (the URL's path). Unset, as promtool leaves it, calling
  /// either fails as Go's nil *url.URL does.
  std::optional<std::string> external_url;
  Limits limits;
};

class Program;  // the parsed trees (internal)

/// A parsed template: the top-level tree and every {{define}}/{{block}} of its text. Immutable;
/// copies share the trees, and executing one from several threads at once is safe.
class Template {
 public:
  const std::string& name() const;
  /// The program (for the executor).
  const Program& program() const { return *program_; }

 private:
  explicit Template(std::shared_ptr<const Program> p) : program_(std::move(p)) {}
  std::shared_ptr<const Program> program_;
  friend core::Result<Template> parse(std::string_view name, std::string_view text);
  friend core::Result<Template> parse_alert_template(std::string_view alert_name,
                                                     std::string_view text);
};

/// Parses `text` as Go's text/template named `name`, knowing the function names of Prometheus's
/// FuncMap and Go's builtins. The error message is Go's (`template: name:1: unexpected "}" in
/// operand`).
core::Result<Template> parse(std::string_view name, std::string_view text);

/// Executes `t` with `data` as dot, as Go's Template.Execute with Option("missingkey=zero").
/// The error message is Go's (`template: name:1:7: executing "name" at <...>: ...`).
core::Result<std::string> execute(const Template& t, const AlertData& data, const Context& ctx);

/// What rules/alerting.go prepends to every label and annotation template of an alerting rule.
inline constexpr std::string_view kAlertHeader =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// The name Prometheus gives an alert's templates: "__alert_" + the alert's name.
std::string alert_template_name(std::string_view alert_name);

/// Parses an alerting rule's label or annotation text as Prometheus does (the header prepended,
/// named after the alert). This is the check `promtool check rules` makes.
core::Result<Template> parse_alert_template(std::string_view alert_name, std::string_view text);

/// Expands an alerting rule's label or annotation text as rules/alerting.go does: the result,
/// or `<error expanding template: error parsing template __alert_X: ...>` /
/// `<error expanding template: error executing template __alert_X: ...>` on failure.
std::string expand_alert(std::string_view alert_name, std::string_view text, const AlertData& data,
                         const Context& ctx);

}  // namespace sonde::rules::tmpl
