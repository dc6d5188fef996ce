#include "config/relabel_section.hpp"

namespace sonde::config {
namespace {

void read_one(Reader& r, const YAML::Node& n, const std::string& p, core::RelabelConfig& out) {
  if (!r.only_keys(n, p,
                   {"source_labels", "separator", "regex", "modulus", "target_label", "replacement",
                    "action"})) {
    return;
  }
  const YAML::Node sources = r.child(n, "source_labels");
  if (sources.IsSequence()) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const YAML::Node item = sources[i];
      if (!item.IsScalar() || !core::is_label_name(item.Scalar())) {
        r.fail(item, join(p, "source_labels"), "expected a label name, got " + describe(item));
        continue;
      }
      out.source_labels.push_back(item.Scalar());
    }
  } else if (sources && !sources.IsNull()) {
    r.fail(sources, join(p, "source_labels"),
           "expected a list of label names, got " + describe(sources));
  }
  if (auto s = r.string(n, p, "separator")) out.separator = s->value;
  std::string regex;
  bool has_regex = false;
  if (const YAML::Node& cn = n; cn.IsMap() && cn["regex"]) {
    r.regex(n, p, "regex", regex);
    has_regex = true;
  }
  if (has_regex) {
    if (auto re = core::Regex::compile(regex); re.ok()) out.regex = std::move(*re);
  }
  r.integer(n, p, "modulus", out.modulus, 0, std::numeric_limits<std::int64_t>::max());
  if (auto t = r.string(n, p, "target_label")) out.target_label = t->value;
  if (auto t = r.string(n, p, "replacement")) out.replacement = t->value;
  if (auto a = r.string(n, p, "action")) {
    if (auto action = core::parse_relabel_action(a->value); action.ok()) {
      out.action = *action;
    } else {
      r.fail(a->node, join(p, "action"), action.message());
      return;
    }
  }
  if (auto st = core::validate(out); !st.ok()) r.fail(n, p, st.message());
}

}  // namespace

void read_relabel_configs(Reader& r, const YAML::Node& n, const std::string& p,
                          std::string_view key, std::vector<core::RelabelConfig>& out) {
  const YAML::Node list = r.child(n, key);
  const std::string path = join(p, key);
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) {
    r.fail(list, path, "expected a list of relabel configs, got " + describe(list));
    return;
  }
  std::vector<core::RelabelConfig> configs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    core::RelabelConfig c;
    read_one(r, list[i], path + "[" + std::to_string(i) + "]", c);
    configs.push_back(std::move(c));
  }
  out = std::move(configs);
}

}  // namespace sonde::config
