// Decodes a rule unit-test file as promtool 2.42 does: yaml.v2's UnmarshalStrict into
// cmd/promtool/unittest.go's structures. yaml.v2 differs from the yaml.v3 that rulefmt uses
// (rule_file.cpp): YAML 1.1 booleans (yes, no, on, off, y, n), any scalar decodes into a string,
// "already set" instead of "already defined", and no columns in its messages.
#include "config/rule_test_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>

#include "config/yaml_tree.hpp"
#include "core/duration.hpp"
#include "core/quote.hpp"

namespace sonde::config {
namespace {

using rules::SpecStringMap;
using yaml_tree::Node;
using yaml_tree::pos_of;

int line_of(const Node& n) { return pos_of(n).line; }

bool is_dec(char c) { return c >= '0' && c <= '9'; }

// yaml.v2's resolution of an untagged plain scalar (resolve.go): its tag, and for numbers the
// value a float64 field takes.
struct Resolved {
  std::string tag;  // "!!str", "!!bool", "!!int", "!!float", "!!null"
  double number = 0;
};

bool parse_int(std::string_view s, double& out) {
  std::string plain;
  for (char c : s) {
    if (c != '_') plain += c;
  }
  if (plain.empty()) return false;
  std::string body = plain;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.erase(0, 1);
  }
  if (body.empty()) return false;
  int base = 10;
  std::string digits = body;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    digits = body.substr(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    base = 2;
    digits = body.substr(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
    base = 8;
    digits = body.substr(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;  // Go's base 0: a leading 0 is octal
    digits = body.substr(1);
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    const int d = is_dec(c)                ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : 99;
    if (d >= base) return false;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(digits.c_str(), &end, base);
  if (errno != 0 || *end != '\0') return false;
  if (neg && v > 9223372036854775808ULL) return false;
  out = neg ? -static_cast<double>(v) : static_cast<double>(v);
  return true;
}

Resolved resolve(const Node& n) {
  switch (n.kind) {
    case Node::Kind::map:
      return {"!!map"};
    case Node::Kind::sequence:
      return {"!!seq"};
    case Node::Kind::null:
      return {"!!null"};
    case Node::Kind::scalar:
      break;
  }
  const std::string& tag = n.Tag();
  constexpr std::string_view kStd = "tag:yaml.org,2002:";
  const std::string& s = n.Scalar();
  if (tag == "!") return {"!!str"};
  if (tag != "?") {
    std::string t = tag.rfind(kStd, 0) == 0 ? "!!" + tag.substr(kStd.size()) : tag;
    Resolved r{t};
    if (t == "!!int" || t == "!!float") {
      double v = 0;
      if (parse_int(s, v))
        r.number = v;
      else
        r.number = std::strtod(s.c_str(), nullptr);
    }
    return r;
  }
  static const char* const kBools[] = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
  for (const char* b : kBools) {
    if (s == b) return {"!!bool"};
  }
  const double inf = std::numeric_limits<double>::infinity();
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF")
    return {"!!float", inf};
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return {"!!float", -inf};
  if (s == ".nan" || s == ".NaN" || s == ".NAN")
    return {"!!float", std::numeric_limits<double>::quiet_NaN()};
  if (s == "<<") return {"!!merge"};
  if (!s.empty() && (is_dec(s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.')) {
    double v = 0;
    if (parse_int(s, v)) return {"!!int", v};
    std::string plain;
    for (char c : s) {
      if (c != '_') plain += c;
    }
    if (yaml_tree::yaml_style_float(plain)) return {"!!float", std::strtod(plain.c_str(), nullptr)};
  }
  return {"!!str"};
}

struct Fatal {
  std::string message;
};

class Decoder {
 public:
  std::vector<std::string> take() { return std::move(errors_); }

  void type_error(const Node& n, std::string_view into) {
    const std::string tag = resolve(n).tag;
    std::string value;
    if (tag != "!!seq" && tag != "!!map") {
      const std::string& text = n.IsScalar() ? n.Scalar() : std::string();
      value = text.size() > 10 ? " `" + text.substr(0, 7) + "...`" : " `" + text + "`";
    }
    add(line_of(n), "cannot unmarshal " + tag + value + " into " + std::string(into));
  }

  void string(const Node& n, std::string& out) {
    tick();
    if (!n.decode_string(out)) type_error(n, "string");
  }

  // model.Duration's UnmarshalYAML (not called for a null): a string, then ParseDuration, whose
  // error ends the decoding.
  void duration(const Node& n, std::int64_t& out) {
    tick();
    if (n.IsNull()) {
      out = 0;
      return;
    }
    if (!n.IsScalar()) {
      type_error(n, "string");
      return;
    }
    const std::string& text = n.Scalar();
    if (text.empty()) throw Fatal{"empty duration string"};
    const auto d = core::parse_duration(text);
    if (!d) {
      if (d.error() == core::DurationError::overflow) throw Fatal{"duration out of range"};
      throw Fatal{"not a valid duration string: " + core::quote(text, std::string::npos)};
    }
    out = d->count();
  }

  void number(const Node& n, double& out) {
    tick();
    if (n.IsNull()) {
      out = 0;
      return;
    }
    const Resolved r = resolve(n);
    if (n.IsScalar() && (r.tag == "!!int" || r.tag == "!!float")) {
      out = r.number;
      return;
    }
    type_error(n, "float64");
  }

  void string_map(const Node& n, SpecStringMap& out) {
    tick();
    out.clear();
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      type_error(n, "map[string]string");
      return;
    }
    for (std::size_t i = 0; i < n.pairs(); ++i) {
      const Node& key = n.key(i);
      std::string k;
      string(key, k);
      bool repeated = false;
      for (const auto& [name, v] : out) repeated = repeated || name == k;
      if (repeated) {
        add(line_of(key), "key " + core::quote(k, std::string::npos) + " already set in map");
        continue;
      }
      std::string v;
      string(n.val(i), v);
      out.emplace_back(std::move(k), std::move(v));
    }
  }

  // A mapping into a Go struct of type `type`, whose keys are `known` (name, decoder).
  struct Field {
    std::string_view name;
    std::function<void(const Node&)> decode;
  };
  void fields(const Node& n, std::string_view type, std::initializer_list<Field> known) {
    tick();
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      type_error(n, type);
      return;
    }
    std::vector<std::string> done;
    for (std::size_t i = 0; i < n.pairs(); ++i) {
      const Node& key = n.key(i);
      const std::string name = key.IsScalar() ? key.Scalar() : std::string();
      if (std::find(done.begin(), done.end(), name) != done.end()) {
        add(line_of(key), "field " + name + " already set in type " + std::string(type));
        continue;
      }
      const auto f =
          std::find_if(known.begin(), known.end(), [&](const Field& k) { return k.name == name; });
      if (f == known.end()) {
        add(line_of(key), "field " + name + " not found in type " + std::string(type));
        continue;
      }
      done.push_back(name);
      f->decode(n.val(i));
    }
  }

  template <class T, class F>
  void list(const Node& n, std::string_view type, std::vector<T>& out, F&& item) {
    tick();
    out.clear();
    if (n.IsNull()) return;
    if (!n.IsSequence()) {
      type_error(n, type);
      return;
    }
    for (const Node* c : n.children) item(*c, out.emplace_back());
  }

  void strings(const Node& n, std::vector<std::string>& out) {
    list(n, "[]string", out, [&](const Node& c, std::string& s) { string(c, s); });
  }

  void series(const Node& n, rules::UnitTestSeries& out) {
    fields(n, "main.series",
           {{"series", [&](const Node& v) { string(v, out.series); }},
            {"values", [&](const Node& v) { string(v, out.values); }}});
  }

  void exp_alert(const Node& n, rules::UnitTestExpAlert& out) {
    fields(n, "main.alert",
           {{"exp_labels", [&](const Node& v) { string_map(v, out.exp_labels); }},
            {"exp_annotations", [&](const Node& v) { string_map(v, out.exp_annotations); }}});
  }

  void alert_case(const Node& n, rules::UnitTestAlertCase& out) {
    fields(n, "main.alertTestCase",
           {{"eval_time", [&](const Node& v) { duration(v, out.eval_time_ms); }},
            {"alertname", [&](const Node& v) { string(v, out.alertname); }},
            {"exp_alerts", [&](const Node& v) {
               list(v, "[]main.alert", out.exp_alerts,
                    [&](const Node& c, rules::UnitTestExpAlert& a) { exp_alert(c, a); });
             }}});
  }

  void sample(const Node& n, rules::UnitTestSample& out) {
    fields(n, "main.sample",
           {{"labels", [&](const Node& v) { string(v, out.labels); }},
            {"value", [&](const Node& v) { number(v, out.value); }}});
  }

  void expr_case(const Node& n, rules::UnitTestExprCase& out) {
    fields(n, "main.promqlTestCase",
           {{"expr", [&](const Node& v) { string(v, out.expr); }},
            {"eval_time", [&](const Node& v) { duration(v, out.eval_time_ms); }},
            {"exp_samples", [&](const Node& v) {
               list(v, "[]main.sample", out.exp_samples,
                    [&](const Node& c, rules::UnitTestSample& s) { sample(c, s); });
             }}});
  }

  void group(const Node& n, rules::UnitTestGroup& out) {
    fields(n, "main.testGroup",
           {{"interval", [&](const Node& v) { duration(v, out.interval_ms); }},
            {"input_series",
             [&](const Node& v) {
               list(v, "[]main.series", out.input_series,
                    [&](const Node& c, rules::UnitTestSeries& s) { series(c, s); });
             }},
            {"alert_rule_test",
             [&](const Node& v) {
               list(v, "[]main.alertTestCase", out.alert_rule_test,
                    [&](const Node& c, rules::UnitTestAlertCase& a) { alert_case(c, a); });
             }},
            {"promql_expr_test",
             [&](const Node& v) {
               list(v, "[]main.promqlTestCase", out.promql_expr_test,
                    [&](const Node& c, rules::UnitTestExprCase& e) { expr_case(c, e); });
             }},
            {"external_labels", [&](const Node& v) { string_map(v, out.external_labels); }},
            {"external_url", [&](const Node& v) { string(v, out.external_url); }},
            {"name", [&](const Node& v) { string(v, out.name); }}});
  }

  void document(const Node& root, rules::UnitTestFileSpec& out) {
    fields(
        root, "main.unitTestFile",
        {{"rule_files", [&](const Node& v) { strings(v, out.rule_files); }},
         {"evaluation_interval", [&](const Node& v) { duration(v, out.evaluation_interval_ms); }},
         {"group_eval_order", [&](const Node& v) { strings(v, out.group_eval_order); }},
         {"tests", [&](const Node& v) {
            list(v, "[]main.testGroup", out.tests,
                 [&](const Node& c, rules::UnitTestGroup& g) { group(c, g); });
          }}});
  }

 private:
  void add(int line, std::string message) {
    errors_.push_back("line " + std::to_string(line) + ": " + std::move(message));
  }
  // Aliases can make a small text decode into very many values (`a: &a [*b, *b]`, ...); yaml.v2
  // refuses a document whose aliases drive most of its decoding. The schema here is shallow, so
  // a plain bound on the decoded values is enough to keep the work bounded.
  void tick() {
    if (++decodes_ > kMaxDecodes) throw Fatal{"yaml: document contains excessive aliasing"};
  }
  static constexpr std::size_t kMaxDecodes = 4'000'000;
  std::vector<std::string> errors_;
  std::size_t decodes_ = 0;
};

}  // namespace

rules::UnitTestFileRead read_rule_test_text(std::string_view yaml) {
  rules::UnitTestFileRead out;
  yaml_tree::TreeBuilder tree;
  if (const auto bad = yaml_tree::parse_first_document(yaml, tree)) {
    out.error = bad->message;
    return out;
  }
  Decoder d;
  try {
    d.document(tree.root(), out.spec);
  } catch (const Fatal& f) {
    out.error = f.message;
    out.spec = {};
    return out;
  }
  const auto errors = d.take();
  if (!errors.empty()) {
    std::string s = "yaml: unmarshal errors:";
    for (const auto& e : errors) s += "\n  " + e;
    out.error = std::move(s);
    out.spec = {};
  }
  return out;
}

rules::UnitTestFileRead read_rule_test_file(const std::filesystem::path& path) {
  rules::UnitTestFileRead out;
  // Go's os.ReadFile errors: "open FILE: no such file or directory".
  auto go_error = [&](const char* op, int err) {
    std::string text = std::strerror(err);
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    out.error = std::string(op) + " " + path.string() + ": " + text;
    return out;
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return go_error("open", errno);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return go_error("read", EISDIR);
  std::ostringstream text;
  char buf[65536];
  std::size_t total = 0;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    total += static_cast<std::size_t>(in.gcount());
    if (total > kMaxRuleTestFileBytes) {
      out.error = "read " + path.string() + ": file larger than " +
                  std::to_string(kMaxRuleTestFileBytes) + " bytes";
      return out;
    }
    text.write(buf, in.gcount());
  }
  return read_rule_test_text(text.str());
}

}  // namespace sonde::config
