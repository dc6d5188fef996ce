// sonde's half of bench/promql_compare.sh: loads bench/promql_data.py's OpenMetrics file into a
// promql::MemoryStorage and times selection + evaluation of each query as an instant query at
// T_MS (the median of RUNS runs, wall clock, after one warm-up run). Parsing is outside the timed
// part, as it is outside Prometheus's evalTotalTime. One JSON object per query on stdout:
// {"query":..., "ms":..., "series":...} or {"query":..., "error":...}.
//
//   promql_bench DATA.om T_MS RUNS QUERY...
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/read_file.hpp"
#include "rules/promql/engine.hpp"
#include "rules/promql/parser.hpp"

namespace {

using namespace sonde::rules;
using Clock = std::chrono::steady_clock;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// `name{a="b",c="d"} value timestamp_seconds` as promql_data.py writes it (no escapes in values,
// which the generator never produces; a line that does not have this shape is an error).
bool parse_line(std::string_view line, std::vector<promql::Label>& labels, std::string_view& key,
                double& value, std::int64_t& t_ms) {
  const auto brace = line.find('{');
  const auto close = line.find('}');
  if (brace == std::string_view::npos || close == std::string_view::npos || close < brace) {
    return false;
  }
  key = line.substr(0, close + 1);
  labels.clear();
  labels.push_back({std::string(promql::kMetricName), std::string(line.substr(0, brace))});
  std::string_view body = line.substr(brace + 1, close - brace - 1);
  while (!body.empty()) {
    const auto eq = body.find("=\"");
    const auto end = body.find('"', eq + 2);
    if (eq == std::string_view::npos || end == std::string_view::npos) return false;
    labels.push_back(
        {std::string(body.substr(0, eq)), std::string(body.substr(eq + 2, end - eq - 2))});
    body.remove_prefix(std::min(body.size(), end + 2));  // past `",`
  }
  std::string_view rest = line.substr(close + 2);
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  const auto v = std::from_chars(rest.data(), rest.data() + space, value);
  std::int64_t t_s = 0;
  const auto t = std::from_chars(rest.data() + space + 1, rest.data() + rest.size(), t_s);
  if (v.ec != std::errc() || t.ec != std::errc()) return false;
  t_ms = t_s * 1000;
  return true;
}

// Sum of the result's finite values, compared with Prometheus's by promql_compare.py.
double result_sum(const promql::Value& v) {
  double sum = 0;
  if (const auto* vec = std::get_if<promql::Vector>(&v)) {
    for (const auto& s : *vec) {
      if (std::isfinite(s.point.v)) sum += s.point.v;
    }
  } else if (const auto* sc = std::get_if<promql::Scalar>(&v)) {
    if (std::isfinite(sc->v)) sum = sc->v;
  }
  return sum;
}

std::size_t result_series(const promql::Value& v) {
  if (const auto* vec = std::get_if<promql::Vector>(&v)) return vec->size();
  if (const auto* m = std::get_if<promql::Matrix>(&v)) return m->size();
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: promql_bench DATA.om T_MS RUNS QUERY...\n");
    return 2;
  }
  const auto text = sonde::core::read_text(argv[1], std::size_t{1} << 31);
  if (!text) {
    std::fprintf(stderr, "%s\n", text.message().c_str());
    return 1;
  }
  const std::int64_t t_ms = std::stoll(argv[2]);
  const int runs = std::max(1, std::atoi(argv[3]));

  const auto load_start = Clock::now();
  promql::MemoryStorage storage;
  std::unordered_map<std::string, std::size_t> ids;  // series text -> storage id
  std::vector<promql::Label> labels;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    std::string_view key;
    double value = 0;
    std::int64_t ts = 0;
    if (!parse_line(line, labels, key, value, ts)) {
      std::fprintf(stderr, "bad line: %.*s\n", static_cast<int>(line.size()), line.data());
      return 1;
    }
    auto it = ids.find(std::string(key));
    if (it == ids.end()) {
      it = ids.emplace(std::string(key), storage.series_id(promql::Labels(labels))).first;
    }
    storage.append(it->second, ts, value);
  }
  const double load_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();

  const promql::Engine engine;
  for (int q = 4; q < argc; ++q) {
    const std::string_view query = argv[q];
    std::string head = "{\"query\":" + json_string(query);
    auto expr = promql::parse(query);
    if (!expr) {
      std::printf("%s,\"error\":%s}\n", head.c_str(),
                  json_string("parse: " + expr.error().to_string()).c_str());
      continue;
    }
    std::vector<double> times;
    std::size_t series = 0;
    double sum = 0;
    std::string error;
    for (int i = 0; i <= runs && error.empty(); ++i) {
      const auto start = Clock::now();
      auto v = engine.instant(storage, **expr, t_ms);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!v) {
        error = v.error().to_string();
        break;
      }
      series = result_series(*v);
      sum = result_sum(*v);
      if (i > 0) times.push_back(ms);  // run 0 warms up
    }
    if (!error.empty()) {
      std::printf("%s,\"error\":%s}\n", head.c_str(), json_string(error).c_str());
      continue;
    }
    std::sort(times.begin(), times.end());
    std::printf(
        "%s,\"ms\":%.4f,\"series\":%zu,\"sum\":%.17g,\"load_ms\":%.1f,\"series_total\":%zu}\n",
        head.c_str(), times[times.size() / 2], series, sum, load_ms, storage.series_count());
  }
  return 0;
}
