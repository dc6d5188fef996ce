// Prometheus 2.42's regular-expression template functions, `match` and `reReplaceAll`, with
// Go's regexp semantics over RE2: Go's error texts, ReplaceAllString's expansion of $1 / ${name}.
#include <re2/re2.h>

#include <cstring>
#include <string>

#include "core/regex.hpp"
#include "core/relabel.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"

namespace sonde::rules::tmpl::detail {
namespace {

// Go's regexp error text from RE2's ("missing ): (" -> "missing closing ): `(`").
std::string go_regexp_error(const std::string& pattern, const std::string& re2_message) {
  static const std::pair<const char*, const char*> codes[] = {
      {"missing )", "missing closing )"},
      {"unexpected )", "unexpected )"},
      {"missing ]", "missing closing ]"},
      {"invalid escape sequence", "invalid escape sequence"},
      {"invalid character class range", "invalid character class range"},
      {"invalid character class", "invalid character class"},
      {"no argument for repetition operator", "missing argument to repetition operator"},
      {"bad repetition operator", "invalid nested repetition operator"},
      {"bad repetition argument", "invalid repeat count"},
      {"invalid repetition size", "invalid repeat count"},
      {"invalid perl operator", "invalid or unsupported Perl syntax"},
      {"invalid UTF-8", "invalid UTF-8"},
      {"invalid named capture group", "invalid named capture"},
      {"trailing \\", "trailing backslash at end of expression"},
  };
  for (const auto& [re2_text, go_text] : codes) {
    if (re2_message.rfind(re2_text, 0) == 0) {
      std::string arg = re2_message.size() > std::strlen(re2_text) + 2
                            ? re2_message.substr(std::strlen(re2_text) + 2)
                            : pattern;
      if (std::string(go_text) == "missing closing )" || std::string(go_text) == "unexpected )") {
        arg = pattern;
      }
      if (std::string(go_text).rfind("trailing", 0) == 0) {
        return std::string("error parsing regexp: ") + go_text + ": ``";
      }
      return std::string("error parsing regexp: ") + go_text + ": `" + arg + "`";
    }
  }
  return "error parsing regexp: " + re2_message;
}

// regexp's quote: backquoted when strconv.CanBackquote allows it.
std::string go_regexp_quote(const std::string& s) {
  bool can = std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return c == '`' || u == 0x7F || (u < ' ' && c != '\t');
  });
  return can ? "`" + s + "`" : gofmt::quote(s);
}

core::Regex compile_go(const std::string& pattern, bool must) {
  auto re = core::Regex::compile(pattern, core::Regex::Anchor::none);
  if (!re.ok()) {
    // core::Regex says `invalid regular expression "<pattern>": <RE2's message>`.
    std::string prefix = "invalid regular expression \"" + pattern + "\": ";
    std::string re2_message = re.message();
    if (re2_message.rfind(prefix, 0) == 0) re2_message = re2_message.substr(prefix.size());
    std::string msg = go_regexp_error(pattern, re2_message);
    if (must) msg = "regexp: Compile(" + go_regexp_quote(pattern) + "): " + msg;
    fail(msg);
  }
  return std::move(re).value();
}

Value f_match(CallEnv&, std::vector<Value>& a) {
  core::Regex re = compile_go(a[0].s, false);
  return Value::boolean(re.matches(a[1].s));
}

// regexp.ReplaceAllString: successive non-overlapping matches, $1 / ${name} expansion.
Value f_re_replace_all(CallEnv&, std::vector<Value>& a) {
  core::Regex rx = compile_go(a[0].s, true);
  const re2::RE2& re = rx.re2();
  const std::string& repl = a[1].s;
  const std::string& src = a[2].s;
  const int ngroups = re.NumberOfCapturingGroups();
  const auto& named = re.NamedCapturingGroups();
  std::vector<re2::StringPiece> m(static_cast<std::size_t>(ngroups) + 1);
  std::vector<std::optional<std::string_view>> groups;
  std::string out;
  std::size_t last_end = 0, search = 0;
  re2::StringPiece text(src);
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), re2::RE2::UNANCHORED, m.data(), ngroups + 1)) break;
    std::size_t a0 = static_cast<std::size_t>(m[0].data() - src.data());
    std::size_t a1 = a0 + m[0].size();
    out.append(src, last_end, a0 - last_end);
    if (a1 > last_end || a0 == 0) {
      groups.clear();
      for (const auto& g : m) {
        groups.push_back(g.data()
                             ? std::optional<std::string_view>(std::string_view(g.data(), g.size()))
                             : std::nullopt);
      }
      out += core::expand_template(repl, groups, named);
    }
    last_end = a1;
    std::size_t width = 0;
    if (search < src.size()) gofmt::decode_rune(src, search, width);
    if (search + width > a1) {
      search += width;
    } else if (search + 1 > a1) {
      ++search;
    } else {
      search = a1;
    }
  }
  out.append(src, std::min(last_end, src.size()), std::string::npos);
  return Value::string(out);
}

}  // namespace

void add_regexp_functions(FunctionTable& t) {
  using P = Param;
  t.insert({
      {"reReplaceAll", {{P::string, P::string, P::string}, false, false, f_re_replace_all}},
      {"match", {{P::string, P::string}, false, false, f_match}},
  });
}

}  // namespace sonde::rules::tmpl::detail
