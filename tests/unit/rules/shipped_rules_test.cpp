// The shipped rules (config/rules/*.yml, docs/alerts.md) select only series sonde exposes: every
// expression is parsed with sonde's PromQL parser and each selector's metric name is checked
// against docs/metrics.md. The application rules select `{__name__=~"[a-z][a-z0-9]*_<series>"}`
// (one rule for every service); those regexes are checked against docs/ingest.md's naming table
// ("Measure a service: the naming convention") instead, as docs/metrics.md lists no application
// series. Files are read from the source tree (fixture_root() is tests/fixtures).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/rule_file.hpp"
#include "rules/promql/ast.hpp"
#include "rules/promql/parser.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace sonde;
using namespace sonde::rules::promql;

namespace {

const fs::path kSource = sonde::test::fixture_root() / "../..";
const char* const kShipped[] = {"host.yml", "gpu.yml", "app.yml"};
// What `<service>` stands for in the application rules' regexes (docs/alerts.md: one lower-case
// word of letters and digits).
const std::string kServiceRegex = "[a-z][a-z0-9]*";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool metric_name(const std::string& s) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(s, re);
}

/// The names docs/metrics.md documents: literal names in backticks, and the notations it uses
/// for families:
/// - `node_network_receive_{bytes,errs}_total`: each alternative;
/// - `node_memory_<Field>_bytes`, `node_xfs_vnode_*_total`: a pattern (`<...>` and `*` stand
///   for a name part);
/// - "`DCGM_FI_DEV_FB_FREE` / `_USED`": a suffix replaces as many trailing `_` parts of the
///   previous name on the line;
/// - "`node_timex_*` ... `offset_seconds`": a span ending in `_*` is the prefix of the bare
///   lower-case names in the rest of its section.
struct Documented {
  std::set<std::string> names;
  std::vector<std::regex> patterns;
  std::vector<std::string> pattern_texts;

  bool has(const std::string& name) const {
    if (names.count(name)) return true;
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::regex& re) { return std::regex_match(name, re); });
  }

  void add(const std::string& span) {
    if (span.find('<') != std::string::npos || span.find('*') != std::string::npos) {
      // A family notation names its family: a literal start up to a `_` (`node_`, `DCGM_`);
      // `<PROTO>` or `*` alone in prose is none.
      const std::size_t wild = span.find_first_of("<*");
      if (wild < 2 || span.find('_') > wild || !std::isalpha(static_cast<unsigned char>(span[0]))) {
        return;
      }
      std::string re;
      for (std::size_t i = 0; i < span.size(); ++i) {
        if (span[i] == '<') {
          const std::size_t close = span.find('>', i);
          if (close == std::string::npos) return;
          re += "[A-Za-z0-9_]+";
          i = close;
        } else if (span[i] == '*') {
          re += "[A-Za-z0-9_]*";
        } else if (std::isalnum(static_cast<unsigned char>(span[i])) || span[i] == '_' ||
                   span[i] == ':') {
          re += span[i];
        } else {
          return;  // not a family notation
        }
      }
      patterns.emplace_back(re);
      pattern_texts.push_back(re);
    } else if (metric_name(span)) {
      names.insert(span);
    }
  }
};

Documented read_metrics_md() {
  Documented d;
  std::istringstream in(read(kSource / "docs/metrics.md"));
  std::string prefix;  // a `..._*` span of the current section
  static const std::regex span_re("`([^`]+)`");
  static const std::regex bare_re("[a-z][a-z0-9_]*");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0) prefix.clear();
    std::string previous;  // the last full name of the line
    for (auto it = std::sregex_iterator(line.begin(), line.end(), span_re);
         it != std::sregex_iterator(); ++it) {
      std::string span = (*it)[1];
      if (span.size() > 2 && span.compare(span.size() - 2, 2, "_*") == 0 &&
          span.find_first_of("<{") == std::string::npos) {
        prefix = span.substr(0, span.size() - 1);
        continue;
      }
      if (span[0] == '_' && !previous.empty()) {
        const auto parts = std::count(span.begin(), span.end(), '_');
        std::string base = previous;
        for (int i = 0; i < parts && base.rfind('_') != std::string::npos; ++i) {
          base.erase(base.rfind('_'));
        }
        d.add(base + span);
        continue;
      }
      if (const auto open = span.find('{'); open != std::string::npos) {
        const auto close = span.find('}', open);
        if (close == std::string::npos) continue;
        const std::string head = span.substr(0, open);
        const std::string tail = span.substr(close + 1);
        d.add(head);  // `name{label,...}`: the name
        std::istringstream alts(span.substr(open + 1, close - open - 1));
        for (std::string alt; std::getline(alts, alt, ',');) {
          alt.erase(0, alt.find_first_not_of(' '));
          d.add(head + alt + tail);
        }
        if (metric_name(head)) previous = head;
        continue;
      }
      if (!prefix.empty() && std::regex_match(span, bare_re) && span.rfind(prefix, 0) != 0 &&
          span.find('_') != std::string::npos) {
        d.add(prefix + span);
      }
      d.add(span);
      if (metric_name(span)) previous = span;
    }
  }
  return d;
}

/// The application series of docs/ingest.md's naming table, as the regexes the rules use:
/// `<service>_request_duration_seconds_bucket{...}` →
/// `[a-z][a-z0-9]*_request_duration_seconds_bucket`;
/// `_sum`, `_count` after it replace its `_bucket`.
std::set<std::string> read_naming_convention() {
  const std::string text = read(kSource / "docs/ingest.md");
  const auto start = text.find("## Measure a service: the naming convention");
  REQUIRE(start != std::string::npos);
  const auto end = text.find("\n## ", start + 1);
  std::istringstream in(text.substr(start, end - start));
  std::set<std::string> out;
  static const std::regex span_re("`([^`]+)`");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `<service>.", 0) != 0) continue;  // the table's rows
    std::string base;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), span_re);
         it != std::sregex_iterator(); ++it) {
      std::string span = (*it)[1];
      span = span.substr(0, span.find('{'));
      if (span.rfind("<service>_", 0) == 0) {
        base = span.substr(std::string("<service>").size());
        out.insert(kServiceRegex + base);
      } else if (span[0] == '_' && !base.empty()) {
        out.insert(kServiceRegex + base.substr(0, base.rfind('_')) + span);
      }
    }
  }
  return out;
}

void selectors(const Expr* e, std::vector<const VectorSelector*>& out) {
  if (e == nullptr) return;
  switch (e->kind) {
    case NodeKind::vector_selector:
      out.push_back(static_cast<const VectorSelector*>(e));
      return;
    case NodeKind::matrix_selector:
      return selectors(static_cast<const MatrixSelector*>(e)->vector_selector.get(), out);
    case NodeKind::subquery:
      return selectors(static_cast<const SubqueryExpr*>(e)->expr.get(), out);
    case NodeKind::paren:
      return selectors(static_cast<const ParenExpr*>(e)->expr.get(), out);
    case NodeKind::unary:
      return selectors(static_cast<const UnaryExpr*>(e)->expr.get(), out);
    case NodeKind::step_invariant:
      return selectors(static_cast<const StepInvariantExpr*>(e)->expr.get(), out);
    case NodeKind::binary: {
      const auto* b = static_cast<const BinaryExpr*>(e);
      selectors(b->lhs.get(), out);
      return selectors(b->rhs.get(), out);
    }
    case NodeKind::aggregate: {
      const auto* a = static_cast<const AggregateExpr*>(e);
      selectors(a->param.get(), out);
      return selectors(a->expr.get(), out);
    }
    case NodeKind::call:
      for (const auto& a : static_cast<const Call*>(e)->args) selectors(a.get(), out);
      return;
    case NodeKind::number:
    case NodeKind::string:
      return;
  }
}

const Matcher* name_matcher(const VectorSelector& vs) {
  for (const auto& m : vs.matchers) {
    if (m.name == "__name__") return &m;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("docs/metrics.md and docs/ingest.md are read as the check needs", "[rules][shipped]") {
  const Documented d = read_metrics_md();
  CHECK(d.names.size() > 300);
  // Literal, brace-expanded, placeholder, suffix and section-prefix notations.
  for (const char* name :
       {"node_cpu_seconds_total", "node_network_transmit_drop_total",
        "node_memory_MemAvailable_bytes", "node_vmstat_oom_kill", "DCGM_FI_DEV_FB_USED",
        "DCGM_FI_PROF_PCIE_RX_BYTES", "node_timex_offset_seconds", "node_timex_maxerror_seconds"}) {
    INFO(name);
    CHECK(d.has(name));
  }
  // And names it does not document.
  for (const char* name : {"node_cpu_usage_ratio", "node_timex_offset",
                           "DCGM_FI_DEV_GPU_TEMPERATURE", "nvidia_smi_temperature_gpu"}) {
    INFO(name);
    CHECK_FALSE(d.has(name));
  }

  const auto convention = read_naming_convention();
  CHECK(convention == std::set<std::string>{
                          kServiceRegex + "_heartbeat_timestamp_seconds",
                          kServiceRegex + "_request_duration_seconds_bucket",
                          kServiceRegex + "_request_duration_seconds_count",
                          kServiceRegex + "_request_duration_seconds_sum",
                          kServiceRegex + "_request_inflight",
                          kServiceRegex + "_request_timeouts_total",
                      });
}

TEST_CASE("shipped expressions select only documented series", "[rules][shipped]") {
  const Documented documented = read_metrics_md();
  const auto convention = read_naming_convention();
  int rules = 0;
  int checked = 0;
  std::set<std::string> app_regexes;
  for (const char* file : kShipped) {
    const fs::path path = kSource / "config/rules" / file;
    auto read_result = config::read_rule_file(path);
    REQUIRE(read_result.ok());
    const auto& rf = read_result.value();
    REQUIRE(rf.ok());
    for (const auto& group : rf.spec.groups) {
      for (const auto& rule : group.rules) {
        ++rules;
        INFO(file << ": " << rule.alert.value << rule.record.value << ": " << rule.expr.value);
        auto parsed = parse(rule.expr.value);
        REQUIRE(parsed.ok());
        std::vector<const VectorSelector*> found;
        selectors(parsed.value().get(), found);
        CHECK_FALSE(found.empty());
        for (const auto* vs : found) {
          const Matcher* m = name_matcher(*vs);
          REQUIRE(m != nullptr);
          INFO("selector " << vs->to_string());
          ++checked;
          if (m->type == MatchType::equal) {
            CHECK(documented.has(m->value));
          } else {
            // Only the application rules select by a name regex, and only the convention's.
            REQUIRE(m->type == MatchType::regex);
            CHECK(std::string(file) == "app.yml");
            CHECK(convention.count(m->value) == 1);
            app_regexes.insert(m->value);
            CHECK(m->matches("checkout" + m->value.substr(kServiceRegex.size())));
            CHECK_FALSE(m->matches("sonde_http" + m->value.substr(kServiceRegex.size())));
          }
        }
      }
    }
  }
  CHECK(rules >= 30);
  CHECK(checked >= 60);
  // The app rules use the histogram's buckets and count, the timeouts and the heartbeat.
  CHECK(app_regexes.size() == 4);
}
