// Runs Prometheus 2.42's PromQL test scripts (tests/promql/*.test) against sonde's engine with the
// rules of Prometheus's own runner (promql/test.go at v2.42.0):
// - `load <step>` appends series descriptions at 0, step, 2·step, ... from the Unix epoch;
//   `clear` empties the storage;
// - `eval[_fail|_ordered] instant at <dur> <expr>` runs the query at that time, then again with
//   every selector pinned by `@` at that time (at the times -10t, 0, t/5, t, 10t; or -1000, 0, 1000
//   when t = 0) unless it calls a function whose value depends on the step, and each of those as a
//   range query from t-1m to t+1m step 1m, compared at t (not for eval_ordered);
// - results are compared with almostEqual (relative epsilon 1e-6), every expected series must be
//   present and none other, eval_ordered checks positions, eval_fail wants an evaluation error.
//
// Usage: promql_test_runner --expect FILE SCRIPT...   (exit 1 when a case fails unexpectedly or
//        a listed failure passes), or promql_test_runner --self-test.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/duration.hpp"
#include "rules/promql/engine.hpp"
#include "rules/promql/lexer.hpp"

using namespace sonde::rules::promql;

namespace {

struct CaseResult {
  int line = 0;
  bool ok = true;
  std::string message;
};

std::string trim(std::string s) {
  std::size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  std::size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

bool almost_equal(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  constexpr double kEpsilon = 0.000001;
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

struct Expected {
  int pos;
  Labels metric;
  double value;
};

struct EvalCmd {
  int line;
  std::string expr;
  std::int64_t t;
  bool fail = false, ordered = false;
  bool scalar = false;
  double scalar_value = 0;
  std::vector<Expected> metrics;
};

std::string compare(const EvalCmd& ev, const Value& result) {
  if (std::holds_alternative<Matrix>(result)) return "received range result on instant evaluation";
  if (std::holds_alternative<String>(result)) return "unexpected string result";
  if (auto* s = std::get_if<Scalar>(&result)) {
    if (!ev.scalar) return "unexpected scalar result";
    if (!almost_equal(ev.scalar_value, s->v))
      return "expected Scalar " + format_value(ev.scalar_value) + " but got " + format_value(s->v);
    return "";
  }
  const Vector& vec = std::get<Vector>(result);
  std::unordered_map<std::uint64_t, const Expected*> exp;
  for (const auto& e : ev.metrics) exp[e.metric.hash()] = &e;
  std::set<std::uint64_t> seen;
  for (std::size_t pos = 0; pos < vec.size(); ++pos) {
    std::uint64_t h = vec[pos].metric.hash();
    auto it = exp.find(h);
    if (it == exp.end()) return "unexpected metric " + vec[pos].metric.to_string() + " in result";
    if (ev.ordered && it->second->pos != int(pos) + 1)
      return "expected metric " + vec[pos].metric.to_string() + " at position " +
             std::to_string(it->second->pos) + " but was at " + std::to_string(pos + 1);
    if (!almost_equal(it->second->value, vec[pos].point.v))
      return "expected " + format_value(it->second->value) + " for " + vec[pos].metric.to_string() +
             " but got " + format_value(vec[pos].point.v);
    seen.insert(h);
  }
  for (const auto& e : ev.metrics)
    if (!seen.count(e.metric.hash()))
      return "expected metric " + e.metric.to_string() + " not found";
  return "";
}

bool at_unsafe(std::string_view name) {
  static const std::set<std::string_view> k = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  return k.count(name) > 0;
}

// atModifierTestCases: pin every selector (and outermost subquery) without @ at `ts`.
void pin(Expr& e, std::int64_t ts, bool& unsafe) {
  switch (e.kind) {
    case NodeKind::vector_selector: {
      auto& vs = static_cast<VectorSelector&>(e);
      if (vs.at == AtKind::none) {
        vs.at = AtKind::timestamp;
        vs.timestamp_ms = ts;
      }
      break;
    }
    case NodeKind::matrix_selector:
      pin(*static_cast<MatrixSelector&>(e).vector_selector, ts, unsafe);
      break;
    case NodeKind::subquery: {
      auto& s = static_cast<SubqueryExpr&>(e);
      if (s.at == AtKind::none) {
        s.at = AtKind::timestamp;
        s.timestamp_ms = ts;
      }
      break;  // inside a pinned subquery nothing changes (and nothing is inspected)
    }
    case NodeKind::paren:
      pin(*static_cast<ParenExpr&>(e).expr, ts, unsafe);
      break;
    case NodeKind::unary:
      pin(*static_cast<UnaryExpr&>(e).expr, ts, unsafe);
      break;
    case NodeKind::binary:
      pin(*static_cast<BinaryExpr&>(e).lhs, ts, unsafe);
      pin(*static_cast<BinaryExpr&>(e).rhs, ts, unsafe);
      break;
    case NodeKind::aggregate: {
      auto& a = static_cast<AggregateExpr&>(e);
      if (a.param) pin(*a.param, ts, unsafe);
      pin(*a.expr, ts, unsafe);
      break;
    }
    case NodeKind::call: {
      auto& c = static_cast<Call&>(e);
      unsafe = unsafe || at_unsafe(c.func->name);
      for (auto& a : c.args) pin(*a, ts, unsafe);
      break;
    }
    default:
      break;
  }
}

struct Query {
  std::string expr;
  std::int64_t t;
};

std::vector<CaseResult> run_script(const std::string& text) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) {
      l = trim(l);
      if (!l.empty() && l[0] == '#') l.clear();
      lines.push_back(l);
    }
  }
  sonde::rules::EngineOptions opts;
  opts.max_samples = 10000;  // as Prometheus's test runner
  opts.timeout = std::chrono::seconds(100);
  Engine engine(opts);
  MemoryStorage storage;
  std::vector<CaseResult> results;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    std::string word = l.substr(0, l.find_first_of(" \t"));
    for (auto& c : word) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (word == "clear") {
      storage.clear();
      continue;
    }
    if (word == "load") {
      auto gap = sonde::core::parse_duration(trim(l.substr(4)));
      if (!gap) {
        results.push_back({int(i + 1), false, "invalid load step"});
        return results;
      }
      while (i + 1 < lines.size() && !lines[i + 1].empty()) {
        ++i;
        auto d = parse_series_desc(lines[i]);
        if (!d.ok()) {
          results.push_back({int(i + 1), false, "bad series: " + d.error().to_string()});
          return results;
        }
        std::size_t id = storage.series_id(d->labels);
        for (std::size_t k = 0; k < d->values.size(); ++k)
          if (!d->values[k].omitted) storage.append(id, std::int64_t(k) * gap->count(), d->values[k].value);
      }
      continue;
    }
    if (word.rfind("eval", 0) != 0) {
      results.push_back({int(i + 1), false, "invalid command " + l});
      return results;
    }
    // ^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$
    EvalCmd ev;
    ev.line = int(i + 1);
    std::istringstream ls(l);
    std::string cmd, instant, at, dur;
    ls >> cmd >> instant >> at >> dur;
    ev.fail = cmd == "eval_fail";
    ev.ordered = cmd == "eval_ordered";
    std::string rest;
    std::getline(ls, rest);
    ev.expr = trim(rest);
    auto off = sonde::core::parse_duration(dur);
    CaseResult res{ev.line, true, ""};
    if (instant != "instant" || at != "at" || !off) {
      results.push_back({ev.line, false, "invalid eval command"});
      continue;
    }
    ev.t = off->count();
    while (i + 1 < lines.size() && !lines[i + 1].empty()) {
      ++i;
      const std::string& def = lines[i];
      char* end = nullptr;
      double num = std::strtod(def.c_str(), &end);
      if (end == def.c_str() + def.size() && !def.empty()) {
        ev.scalar = true;
        ev.scalar_value = num;
        break;
      }
      auto d = parse_series_desc(def);
      if (!d.ok() || d->values.size() != 1) {
        res = {ev.line, false, "bad expected series at line " + std::to_string(i + 1)};
        break;
      }
      ev.metrics.push_back(Expected{int(ev.metrics.size()) + 1, d->labels, d->values[0].value});
    }
    if (!res.ok) {
      results.push_back(res);
      continue;
    }
    auto parsed = parse(ev.expr);
    if (!parsed.ok()) {
      results.push_back({ev.line, false, "parse error: " + parsed.error().to_string()});
      continue;
    }
    std::vector<Query> queries{{ev.expr, ev.t}};
    bool unsafe = false;
    pin(**parsed, ev.t, unsafe);
    if (!unsafe) {
      std::string pinned = (*parsed)->to_string();
      std::vector<std::int64_t> times = {-10 * ev.t, 0, ev.t / 5, ev.t, 10 * ev.t};
      if (ev.t == 0) times = {-1000, 0, 1000};
      for (auto t : times) queries.push_back({pinned, t});
    }
    for (const auto& q : queries) {
      auto r = engine.instant(storage, q.expr, q.t);
      if (!r.ok()) {
        if (r.error().kind == QueryError::Kind::parse) {
          res = {ev.line, false, "cannot parse " + q.expr + ": " + r.error().to_string()};
          break;
        }
        if (ev.fail) continue;
        res = {ev.line, false, "error evaluating " + q.expr + ": " + r.error().to_string()};
        break;
      }
      if (ev.fail) {
        res = {ev.line, false, "expected error evaluating " + q.expr + " but got none"};
        break;
      }
      std::string msg = compare(ev, *r);
      if (!msg.empty()) {
        res = {ev.line, false, q.expr + " at " + std::to_string(q.t) + ": " + msg};
        break;
      }
      auto rr = engine.range(storage, q.expr, q.t - 60000, q.t + 60000, 60000);
      if (!rr.ok()) {
        res = {ev.line, false,
               "error evaluating " + q.expr + " in range mode: " + rr.error().to_string()};
        break;
      }
      if (ev.ordered) continue;
      const Matrix* mat = std::get_if<Matrix>(&*rr);
      if (!mat) {
        res = {ev.line, false, "range query did not return a matrix"};
        break;
      }
      Vector vec;
      for (const auto& s : *mat)
        for (const auto& p : s.points)
          if (p.t == q.t) {
            vec.push_back(Sample{s.metric, p});
            break;
          }
      if (std::holds_alternative<Scalar>(*r)) {
        if (vec.empty()) {
          res = {ev.line, false, "range mode: no scalar value at the step"};
          break;
        }
        msg = compare(ev, Value{Scalar{q.t, vec[0].point.v}});
      } else {
        msg = compare(ev, Value{vec});
      }
      if (!msg.empty()) {
        res = {ev.line, false, q.expr + " at " + std::to_string(q.t) + " (range mode): " + msg};
        break;
      }
    }
    results.push_back(res);
  }
  return results;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string base_name(const std::string& p) {
  auto s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// The runner must reject wrong answers: each mutant of a passing script must fail.
int self_test() {
  const std::string good = R"(
load 5m
  m{a="1"} 0+10x10
  m{a="2"} 0+20x10

eval instant at 50m m
  m{a="1"} 100
  m{a="2"} 200

eval_ordered instant at 50m sort_desc(m)
  m{a="2"} 200
  m{a="1"} 100

eval instant at 50m sum(m)
  {} 300

eval instant at 50m scalar(sum(m))
  300

eval_fail instant at 50m m + on() m

eval instant at 50m rate(m[10m])
  {a="1"} 0.03333333333
  {a="2"} 0.06666666666
)";
  struct Mutant {
    const char* what;
    std::string from, to;
  };
  const std::vector<Mutant> mutants = {
      {"wrong value", "m{a=\"1\"} 100\n  m{a=\"2\"} 200\n\neval_ordered",
       "m{a=\"1\"} 101\n  m{a=\"2\"} 200\n\neval_ordered"},
      {"wrong label", "  m{a=\"1\"} 100\n  m{a=\"2\"} 200\n\neval_ordered",
       "  m{a=\"3\"} 100\n  m{a=\"2\"} 200\n\neval_ordered"},
      {"missing series", "  m{a=\"1\"} 100\n  m{a=\"2\"} 200\n\neval_ordered",
       "  m{a=\"1\"} 100\n\neval_ordered"},
      {"extra series", "  {} 300", "  {} 300\n  {b=\"x\"} 1"},
      {"wrong order", "  m{a=\"2\"} 200\n  m{a=\"1\"} 100\n\neval instant at 50m sum",
       "  m{a=\"1\"} 100\n  m{a=\"2\"} 200\n\neval instant at 50m sum"},
      {"wrong scalar", "  300\n", "  301\n"},
      {"wrong rate", "{a=\"2\"} 0.06666666666", "{a=\"2\"} 0.0666"},
      {"fail without error", "eval_fail instant at 50m m + on() m", "eval_fail instant at 50m m"},
  };
  int bad = 0;
  for (const auto& r : run_script(good))
    if (!r.ok) {
      std::cerr << "self-test: the good script fails at line " << r.line << ": " << r.message
                << "\n";
      ++bad;
    }
  for (const auto& m : mutants) {
    std::string s = good;
    auto at = s.find(m.from);
    if (at == std::string::npos) {
      std::cerr << "self-test: mutant '" << m.what << "' does not apply\n";
      ++bad;
      continue;
    }
    s.replace(at, m.from.size(), m.to);
    bool failed = false;
    for (const auto& r : run_script(s)) failed = failed || !r.ok;
    if (!failed) {
      std::cerr << "self-test: mutant '" << m.what << "' passed\n";
      ++bad;
    } else {
      std::cout << "self-test: mutant '" << m.what << "' fails, as it must\n";
    }
  }
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--self-test") return self_test();
  std::map<std::string, std::string> expected_failures;  // "file:line" -> reason
  std::vector<std::string> scripts;
  bool verbose = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--expect" && i + 1 < args.size()) {
      std::istringstream in(read_all(args[++i]));
      std::string l;
      while (std::getline(in, l)) {
        l = trim(l);
        if (l.empty() || l[0] == '#') continue;
        auto sp = l.find(' ');
        expected_failures[l.substr(0, sp)] = sp == std::string::npos ? "" : trim(l.substr(sp));
      }
    } else if (args[i] == "-v") {
      verbose = true;
    } else {
      scripts.push_back(args[i]);
    }
  }
  int unexpected = 0, total = 0, passed = 0;
  for (const auto& path : scripts) {
    std::string name = base_name(path);
    auto results = run_script(read_all(path));
    int file_pass = 0, file_fail = 0;
    for (const auto& r : results) {
      ++total;
      std::string key = name + ":" + std::to_string(r.line);
      bool listed = expected_failures.count(key) > 0;
      if (r.ok) {
        ++passed;
        ++file_pass;
        if (listed) {
          std::cout << "UNEXPECTED PASS " << key << " (listed: " << expected_failures[key]
                    << "): remove it from the expectations file\n";
          ++unexpected;
        }
      } else {
        ++file_fail;
        if (!listed) {
          std::cout << "FAIL " << key << ": " << r.message << "\n";
          ++unexpected;
        } else if (verbose) {
          std::cout << "expected failure " << key << ": " << r.message << "\n";
        }
      }
    }
    std::cout << name << ": " << file_pass << " passed, " << file_fail << " failed\n";
  }
  std::cout << "total: " << passed << "/" << total << " eval cases passed, " << unexpected
            << " unexpected results\n";
  return unexpected ? 1 : 0;
}
