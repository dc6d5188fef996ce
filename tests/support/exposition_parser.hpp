// A small parser for Prometheus text format 0.0.4, for tests: it turns an exposition into
// {series -> value} with labels sorted and `le`/`quantile` values normalised, so that two
// writers can be compared by what they mean rather than by their bytes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sonde::test {

struct ParsedExposition {
  std::map<std::string, double> samples;     // normalised series -> value
  std::map<std::string, std::string> types;  // family -> type
  std::map<std::string, std::string> helps;  // family -> help
};

inline double parse_prom_value(const std::string& s) {
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') throw std::runtime_error("bad value: " + s);
  return v;
}

inline std::string normalise_number(const std::string& s) {
  const double v = parse_prom_value(s);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Throws std::runtime_error on a line it cannot parse.
inline ParsedExposition parse_exposition(const std::string& text) {
  ParsedExposition out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      const auto sp = line.find(' ', 7);
      out.types[line.substr(7, sp - 7)] = line.substr(sp + 1);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) {
      const auto sp = line.find(' ', 7);
      out.helps[line.substr(7, sp - 7)] = sp == std::string::npos ? "" : line.substr(sp + 1);
      continue;
    }
    if (line[0] == '#') continue;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    std::vector<std::pair<std::string, std::string>> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        if (eq == std::string::npos) throw std::runtime_error("bad labels: " + line);
        std::string lname = line.substr(i, eq - i);
        i = eq + 1;
        if (line[i] != '"') throw std::runtime_error("bad label value: " + line);
        ++i;
        std::string v;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            v += line[i] == 'n' ? '\n' : line[i];
          } else {
            v += line[i];
          }
          ++i;
        }
        ++i;  // closing quote
        if (lname == "le" || lname == "quantile") v = normalise_number(v);
        labels.emplace_back(std::move(lname), std::move(v));
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    std::string value = line.substr(i);
    if (const auto sp = value.find(' '); sp != std::string::npos) value = value.substr(0, sp);
    std::sort(labels.begin(), labels.end());
    std::string key = name + "{";
    for (const auto& [k, v] : labels) key += k + "=\"" + v + "\",";
    key += "}";
    if (out.samples.count(key)) throw std::runtime_error("duplicate series: " + key);
    out.samples[key] = parse_prom_value(value);
  }
  return out;
}

}  // namespace sonde::test
