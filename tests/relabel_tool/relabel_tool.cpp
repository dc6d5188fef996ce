// Test helper, never installed: runs core::relabel on the cases of a JSON document, so that
// tests/integration/test_relabel_parity.py can compare sonde's relabelling with Prometheus 2.42's
// on the same label sets and relabel_configs.
//   stdin:  {"cases": [{"labels": {"name": "value", ...},
//                       "configs": [{"action": ..., "source_labels": [...], "separator": ...,
//                                    "regex": ..., "modulus": N, "target_label": ...,
//                                    "replacement": ...}, ...]}, ...]}
//   stdout: [{"dropped": false, "labels": {...}} | {"dropped": true} | {"error": "..."}, ...]
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/relabel.hpp"

namespace {

using nlohmann::json;
using namespace sonde::core;

Result<RelabelConfig> read_config(const json& j) {
  RelabelConfig c;
  if (j.contains("action")) {
    auto a = parse_relabel_action(j.at("action").get<std::string>());
    if (!a) return a.error();
    c.action = *a;
  }
  if (j.contains("source_labels")) {
    c.source_labels = j.at("source_labels").get<std::vector<std::string>>();
  }
  if (j.contains("separator")) c.separator = j.at("separator").get<std::string>();
  if (j.contains("regex")) {
    auto re = Regex::compile(j.at("regex").get<std::string>());
    if (!re) return re.error();
    c.regex = *re;
  }
  if (j.contains("modulus")) c.modulus = j.at("modulus").get<std::uint64_t>();
  if (j.contains("target_label")) c.target_label = j.at("target_label").get<std::string>();
  if (j.contains("replacement")) c.replacement = j.at("replacement").get<std::string>();
  if (auto st = validate(c); !st.ok()) return st.error();
  return c;
}

}  // namespace

int main() {
  const json in = json::parse(std::cin);
  json out = json::array();
  for (const json& item : in.at("cases")) {
    std::vector<RelabelConfig> configs;
    std::string error;
    for (const json& j : item.at("configs")) {
      auto c = read_config(j);
      if (!c) {
        error = c.message();
        break;
      }
      configs.push_back(std::move(*c));
    }
    if (!error.empty()) {
      out.push_back({{"error", error}});
      continue;
    }
    LabelSet labels;
    for (const auto& [name, value] : item.at("labels").items()) {
      labels.emplace(name, value.get<std::string>());
    }
    const auto result = relabel(std::move(labels), configs);
    if (!result) {
      out.push_back({{"dropped", true}});
      continue;
    }
    json l = json::object();
    for (const auto& [name, value] : *result) l[name] = value;
    out.push_back({{"dropped", false}, {"labels", l}});
  }
  std::cout << out.dump() << '\n';
  return 0;
}
