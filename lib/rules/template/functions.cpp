// Go 1.19's text/template builtins (funcs.go) and Prometheus 2.42's template functions
// (template/template.go, util/strutil, net.SplitHostPort, prometheus/common model.ParseDuration),
// with their Go signatures and error texts.
#include "rules/template/functions.hpp"

#include <arpa/inet.h>
#include <locale.h>
#include <re2/re2.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstring>
#include <cwctype>
#include <map>

#include "core/regex.hpp"
#include "rules/template/format.hpp"

namespace sonde::rules::tmpl {
namespace {

[[noreturn]] void fail(std::string msg) { throw FuncError{std::move(msg)}; }

// --- comparison (funcs.go) ---

enum class BK { invalid, boolean, complex, integer, floating, string, uinteger };

BK basic_kind(const Value& v, bool& ok) {
  ok = true;
  switch (v.kind) {
    case Kind::boolean:
      return BK::boolean;
    case Kind::integer:
      return BK::integer;
    case Kind::uint8:
      return BK::uinteger;
    case Kind::floating:
      return BK::floating;
    case Kind::complex:
      return BK::complex;
    case Kind::string:
    case Kind::html:
      return BK::string;
    default:
      ok = false;
      return BK::invalid;
  }
}

const char* kBadComparisonType = "invalid type for comparison";
const char* kBadComparison = "incompatible types for comparison";

bool is_nil_value(const Value& v) {
  return v.kind == Kind::invalid || v.kind == Kind::nil || (v.kind == Kind::sample && !v.sample);
}

bool eq2(const Value& a, const Value& b) {
  bool ok1, ok2;
  BK k1 = basic_kind(a, ok1), k2 = basic_kind(b, ok2);
  if (k1 != k2) {
    if (k1 == BK::integer && k2 == BK::uinteger) return a.i >= 0 && a.i == b.i;
    if (k1 == BK::uinteger && k2 == BK::integer) return b.i >= 0 && a.i == b.i;
    if (a.valid() && b.valid()) fail(kBadComparison);
    return false;
  }
  switch (k1) {
    case BK::boolean:
      return a.b == b.b;
    case BK::complex:
      return true;
    case BK::floating:
      return a.f == b.f;
    case BK::integer:
    case BK::uinteger:
      return a.i == b.i;
    case BK::string:
      return a.s == b.s;
    case BK::invalid:
      break;
  }
  if (is_nil_value(a) || is_nil_value(b)) return is_nil_value(a) == is_nil_value(b);
  if (a.kind != b.kind) {
    fail("non-comparable types " + print_action(a) + ": " + type_name(a) + ", " + type_name(b) +
         ": " + print_action(b));
  }
  if (a.kind == Kind::sample) return a.sample == b.sample;
  if (a.kind == Kind::time) return a.i == b.i;
  fail("non-comparable type " + print_action(b) + ": " + type_name(b));
}

bool lt2(const Value& a, const Value& b) {
  bool ok;
  BK k1 = basic_kind(a, ok);
  if (!ok) fail(kBadComparisonType);
  BK k2 = basic_kind(b, ok);
  if (!ok) fail(kBadComparisonType);
  if (k1 != k2) {
    if (k1 == BK::integer && k2 == BK::uinteger) return a.i < 0 || a.i < b.i;
    if (k1 == BK::uinteger && k2 == BK::integer) return b.i >= 0 && a.i < b.i;
    fail(kBadComparison);
  }
  switch (k1) {
    case BK::boolean:
    case BK::complex:
      fail(kBadComparisonType);
    case BK::floating:
      return a.f < b.f;
    case BK::integer:
    case BK::uinteger:
      return a.i < b.i;
    case BK::string:
      return a.s < b.s;
    case BK::invalid:
      break;
  }
  return false;
}

Value f_eq(CallEnv&, std::vector<Value>& a) {
  if (a.size() < 2) fail("missing argument for comparison");
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (eq2(a[0], a[i])) return Value::boolean(true);
  }
  return Value::boolean(false);
}
Value f_ne(CallEnv&, std::vector<Value>& a) { return Value::boolean(!eq2(a[0], a[1])); }
Value f_lt(CallEnv&, std::vector<Value>& a) { return Value::boolean(lt2(a[0], a[1])); }
Value f_le(CallEnv&, std::vector<Value>& a) {
  return Value::boolean(lt2(a[0], a[1]) || eq2(a[0], a[1]));
}
Value f_gt(CallEnv&, std::vector<Value>& a) {
  return Value::boolean(!(lt2(a[0], a[1]) || eq2(a[0], a[1])));
}
Value f_ge(CallEnv&, std::vector<Value>& a) { return Value::boolean(!lt2(a[0], a[1])); }

// --- other builtins ---

Value f_not(CallEnv&, std::vector<Value>& a) { return Value::boolean(!truth(a[0])); }
Value f_andor(CallEnv&, std::vector<Value>& a) { return a.empty() ? Value{} : a.back(); }

std::string deref_type_name(const Value& v) {
  if (v.kind == Kind::sample) return "template.sample";
  if (v.kind == Kind::time) return "time.Time";
  return type_name(v);
}

Value f_len(CallEnv&, std::vector<Value>& a) {
  const Value& v = a[0];
  switch (v.kind) {
    case Kind::string:
    case Kind::html:
      return Value::integer(static_cast<std::int64_t>(v.s.size()));
    case Kind::labels:
      return Value::integer(static_cast<std::int64_t>(v.labels->size()));
    case Kind::any_map:
      return Value::integer(static_cast<std::int64_t>(v.map->entries.size()));
    case Kind::samples:
      return Value::integer(static_cast<std::int64_t>(v.samples ? v.samples->size() : 0));
    case Kind::invalid:
    case Kind::nil:
      fail("reflect: call of reflect.Value.Type on zero Value");
    case Kind::sample:
      if (!v.sample) fail("len of nil pointer");
      fail("len of type template.sample");
    default:
      fail("len of type " + deref_type_name(v));
  }
}

std::int64_t index_arg(const Value& idx, std::int64_t cap) {
  std::int64_t x = 0;
  switch (idx.kind) {
    case Kind::integer:
    case Kind::uint8:
      x = idx.i;
      break;
    case Kind::invalid:
    case Kind::nil:
      fail("cannot index slice/array with nil");
    default:
      fail("cannot index slice/array with type " + type_name(idx));
  }
  if (x < 0 || x > cap) fail("index out of range: " + std::to_string(x));
  return x;
}

Value f_index(CallEnv&, std::vector<Value>& a) {
  Value item = a[0];
  if (!item.valid() || item.kind == Kind::nil) fail("index of untyped nil");
  for (std::size_t k = 1; k < a.size(); ++k) {
    const Value& idx = a[k];
    if (item.kind == Kind::sample && !item.sample) fail("index of nil pointer");
    switch (item.kind) {
      case Kind::string:
      case Kind::html: {
        std::int64_t x = index_arg(idx, static_cast<std::int64_t>(item.s.size()));
        if (x == static_cast<std::int64_t>(item.s.size())) {
          fail("reflect: string index out of range");
        }
        Value b;
        b.kind = Kind::uint8;
        b.i = static_cast<unsigned char>(item.s[static_cast<std::size_t>(x)]);
        item = b;
        break;
      }
      case Kind::samples: {
        std::int64_t n = static_cast<std::int64_t>(item.samples ? item.samples->size() : 0);
        std::int64_t x = index_arg(idx, n);
        if (x == n) fail("reflect: slice index out of range");
        Value s;
        s.kind = Kind::sample;
        s.sample = (*item.samples)[static_cast<std::size_t>(x)];
        item = s;
        break;
      }
      case Kind::labels: {
        if (idx.kind == Kind::invalid || idx.kind == Kind::nil) {
          fail("value is nil; should be of type string");
        }
        if (idx.kind != Kind::string) {
          fail("value has type " + type_name(idx) + "; should be string");
        }
        auto it = item.labels->find(idx.s);
        item = Value::string(it == item.labels->end() ? "" : it->second);
        break;
      }
      case Kind::any_map: {
        if (idx.kind == Kind::invalid || idx.kind == Kind::nil) {
          fail("value is nil; should be of type string");
        }
        if (idx.kind != Kind::string) {
          fail("value has type " + type_name(idx) + "; should be string");
        }
        Value found;
        for (const auto& [key, v] : item.map->entries) {
          if (key == idx.s) found = v;
        }
        item = found;
        break;
      }
      default:
        fail("can't index item of type " + type_name(item));
    }
  }
  return item;
}

Value f_slice(CallEnv&, std::vector<Value>& a) {
  Value item = a[0];
  if (!item.valid() || item.kind == Kind::nil) fail("slice of untyped nil");
  std::size_t nidx = a.size() - 1;
  if (nidx > 3) fail("too many slice indexes: " + std::to_string(nidx));
  std::int64_t len = 0;
  switch (item.kind) {
    case Kind::string:
    case Kind::html:
      if (nidx == 3) fail("cannot 3-index slice a string");
      len = static_cast<std::int64_t>(item.s.size());
      break;
    case Kind::samples:
      len = static_cast<std::int64_t>(item.samples ? item.samples->size() : 0);
      break;
    default:
      fail("can't slice item of type " + type_name(item));
  }
  std::int64_t idx[3] = {0, len, len};
  for (std::size_t i = 0; i < nidx; ++i) idx[i] = index_arg(a[i + 1], len);
  if (idx[0] > idx[1]) {
    fail("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  }
  if (nidx == 3 && idx[1] > idx[2]) {
    fail("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (item.kind == Kind::samples) {
    Value out;
    out.kind = Kind::samples;
    out.samples = std::make_shared<SampleList>(item.samples->begin() + idx[0],
                                               item.samples->begin() + idx[1]);
    return out;
  }
  return Value::string(
      item.s.substr(static_cast<std::size_t>(idx[0]), static_cast<std::size_t>(idx[1] - idx[0])),
      item.kind);
}

Value f_print(CallEnv&, std::vector<Value>& a) { return Value::string(sprint(a)); }
Value f_println(CallEnv&, std::vector<Value>& a) { return Value::string(sprintln(a)); }
Value f_printf(CallEnv&, std::vector<Value>& a) {
  std::vector<Value> rest(a.begin() + 1, a.end());
  return Value::string(sprintf(a[0].s, rest));
}

std::string eval_args(std::vector<Value>& a) {
  if (a.size() == 1 && a[0].kind == Kind::string) return a[0].s;
  std::vector<Value> p = a;
  for (auto& v : p) {
    if (v.kind == Kind::invalid || v.kind == Kind::nil) v = Value::string("<no value>");
  }
  return sprint(p);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string js_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(s, i, w);
    if (gofmt::is_print(r)) {
      out.append(s, i, w);
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
      out += buf;
    }
    i += w;
  }
  return out;
}

std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

Value f_html(CallEnv&, std::vector<Value>& a) { return Value::string(html_escape(eval_args(a))); }
Value f_js(CallEnv&, std::vector<Value>& a) { return Value::string(js_escape(eval_args(a))); }
Value f_urlquery(CallEnv&, std::vector<Value>& a) {
  return Value::string(query_escape(eval_args(a)));
}
Value f_call(CallEnv&, std::vector<Value>& a) {
  if (!a[0].valid() || a[0].kind == Kind::nil) fail("call of nil");
  fail("non-function of type " + type_name(a[0]));
}

// --- Prometheus ---

Value f_query(CallEnv& env, std::vector<Value>& a) {
  if (!env.ctx.query) fail("no query function is available here");
  if (++env.queries > env.ctx.limits.max_queries) {
    fail("more than " + std::to_string(env.ctx.limits.max_queries) +
         " queries in one template expansion");
  }
  auto r = env.ctx.query(a[0].s);
  if (!r.ok()) fail(r.message());
  Value v;
  v.kind = Kind::samples;
  v.samples = std::make_shared<SampleList>();
  for (const auto& s : *r) {
    auto q = std::make_shared<QuerySample>();
    q->labels = s.labels;
    q->value = s.value;
    v.samples->push_back(std::move(q));
  }
  return v;
}

Value f_first(CallEnv&, std::vector<Value>& a) {
  if (a[0].samples && !a[0].samples->empty()) {
    Value v;
    v.kind = Kind::sample;
    v.sample = a[0].samples->front();
    return v;
  }
  fail("first() called on vector with no elements");
}

const char* kNilDeref = "runtime error: invalid memory address or nil pointer dereference";

Value f_label(CallEnv&, std::vector<Value>& a) {
  if (!a[1].sample) fail(kNilDeref);
  auto it = a[1].sample->labels.find(a[0].s);
  return Value::string(it == a[1].sample->labels.end() ? "" : it->second);
}
Value f_value(CallEnv&, std::vector<Value>& a) {
  if (!a[0].sample) fail(kNilDeref);
  return Value::floating(a[0].sample->value);
}
Value f_strvalue(CallEnv&, std::vector<Value>& a) {
  if (!a[0].sample) fail(kNilDeref);
  auto it = a[0].sample->labels.find("__value__");
  return Value::string(it == a[0].sample->labels.end() ? "" : it->second);
}

Value f_args(CallEnv&, std::vector<Value>& a) {
  auto m = std::make_shared<AnyMap>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    Value v = a[i];
    if (v.kind == Kind::invalid) v.kind = Kind::nil;
    m->entries.emplace_back("arg" + std::to_string(i), v);
  }
  std::sort(m->entries.begin(), m->entries.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  Value out;
  out.kind = Kind::any_map;
  out.map = std::move(m);
  return out;
}

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
  std::string out;
  std::size_t last_end = 0, search = 0;
  re2::StringPiece text(src);
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), re2::RE2::UNANCHORED, m.data(), ngroups + 1)) break;
    std::size_t a0 = static_cast<std::size_t>(m[0].data() - src.data());
    std::size_t a1 = a0 + m[0].size();
    out.append(src, last_end, a0 - last_end);
    if (a1 > last_end || a0 == 0) {
      // Expand the template (regexp.expand).
      for (std::size_t i = 0; i < repl.size();) {
        if (repl[i] != '$') {
          out += repl[i++];
          continue;
        }
        ++i;
        if (i < repl.size() && repl[i] == '$') {
          out += '$';
          ++i;
          continue;
        }
        std::string name;
        bool ok = false;
        if (i < repl.size() && repl[i] == '{') {
          std::size_t close = repl.find('}', i + 1);
          if (close != std::string::npos) {
            name = repl.substr(i + 1, close - i - 1);
            bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
              return c == '_' || std::isalnum(static_cast<unsigned char>(c));
            });
            if (valid) {
              ok = true;
              i = close + 1;
            }
          }
        } else {
          std::size_t j = i;
          while (j < repl.size() &&
                 (repl[j] == '_' || std::isalnum(static_cast<unsigned char>(repl[j])))) {
            ++j;
          }
          if (j > i) {
            name = repl.substr(i, j - i);
            ok = true;
            i = j;
          }
        }
        if (!ok) {
          out += '$';  // a malformed reference is copied as is
          continue;
        }
        int group = -1;
        if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          if (name.size() < 10) group = std::stoi(name);
        } else {
          auto it = named.find(name);
          if (it != named.end()) group = it->second;
        }
        if (group >= 0 && group <= ngroups && m[static_cast<std::size_t>(group)].data()) {
          out.append(m[static_cast<std::size_t>(group)].data(),
                     m[static_cast<std::size_t>(group)].size());
        }
      }
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

Value f_safe_html(CallEnv&, std::vector<Value>& a) { return Value::string(a[0].s, Kind::html); }

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

std::string map_case(const std::string& s, bool upper) {
  std::string out;
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(s, i, w);
    if (r < 0x80) {
      char c = s[i];
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (loc != static_cast<locale_t>(nullptr)) {
      auto m =
          upper ? towupper_l(static_cast<wint_t>(r), loc) : towlower_l(static_cast<wint_t>(r), loc);
      gofmt::append_rune(out, static_cast<std::int32_t>(m));
    } else {
      out.append(s, i, w);
    }
    i += w;
  }
  return out;
}

Value f_to_upper(CallEnv&, std::vector<Value>& a) { return Value::string(map_case(a[0].s, true)); }
Value f_to_lower(CallEnv&, std::vector<Value>& a) { return Value::string(map_case(a[0].s, false)); }

bool is_separator(std::int32_t r) {
  if (r <= 0x7F) {
    if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_') {
      return false;
    }
    return true;
  }
  if (gofmt::is_letter(r) || gofmt::is_digit(r)) return false;
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

Value f_title(CallEnv&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  std::string out;
  std::int32_t prev = ' ';
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(s, i, w);
    if (is_separator(prev)) {
      if (r < 0x80) {
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
      } else if (loc != static_cast<locale_t>(nullptr)) {
        gofmt::append_rune(out, static_cast<std::int32_t>(towupper_l(static_cast<wint_t>(r), loc)));
      } else {
        out.append(s, i, w);
      }
    } else {
      out.append(s, i, w);
    }
    prev = r;
    i += w;
  }
  return Value::string(out);
}

Value f_graph_link(CallEnv&, std::vector<Value>& a) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=0");
}
Value f_table_link(CallEnv&, std::vector<Value>& a) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=1");
}

Value f_sort_by_label(CallEnv&, std::vector<Value>& a) {
  Value v = a[1];
  if (v.samples) {
    const std::string& label = a[0].s;
    auto get = [&](const std::shared_ptr<QuerySample>& s) -> std::string {
      auto it = s->labels.find(label);
      return it == s->labels.end() ? "" : it->second;
    };
    std::stable_sort(v.samples->begin(), v.samples->end(),
                     [&](const auto& x, const auto& y) { return get(x) < get(y); });
  }
  return v;
}

// net.SplitHostPort.
bool split_host_port(const std::string& hp, std::string& host, std::string& port) {
  std::size_t i = hp.rfind(':');
  if (i == std::string::npos) return false;
  std::size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    std::size_t end = hp.find(']');
    if (end == std::string::npos) return false;
    if (end + 1 == hp.size()) return false;
    if (end + 1 != i) return false;
    host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hp.substr(0, i);
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.find('[', j) != std::string::npos) return false;
  if (hp.find(']', k) != std::string::npos) return false;
  port = hp.substr(i + 1);
  return true;
}

Value f_strip_port(CallEnv&, std::vector<Value>& a) {
  std::string host, port;
  if (!split_host_port(a[0].s, host, port)) return Value::string(a[0].s);
  return Value::string(host);
}

bool parse_ip(const std::string& s) {
  unsigned char buf[16];
  if (s.find(':') != std::string::npos) return inet_pton(AF_INET6, s.c_str(), buf) == 1;
  return inet_pton(AF_INET, s.c_str(), buf) == 1;
}

Value f_strip_domain(CallEnv&, std::vector<Value>& a) {
  const std::string& hp = a[0].s;
  std::string host, port;
  if (!split_host_port(hp, host, port)) {
    host = hp;
    port.clear();
  }
  if (parse_ip(host)) return Value::string(hp);
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    if (host.find(':') != std::string::npos) return Value::string("[" + host + "]:" + port);
    return Value::string(host + ":" + port);
  }
  return Value::string(host);
}

// strconv.ParseFloat(s, 64), with Go's error texts.
double parse_float(const std::string& s) {
  std::string err = "strconv.ParseFloat: parsing " + gofmt::quote(s) + ": invalid syntax";
  if (s.empty()) fail(err);
  std::string body = s;
  std::string_view b = body;
  if (b[0] == '+' || b[0] == '-') b.remove_prefix(1);
  std::string lower;
  for (char c : b) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool neg = s[0] == '-';
  if (lower == "inf" || lower == "infinity") return neg ? -INFINITY : INFINITY;
  if (lower == "nan") return NAN;
  // Underscores only between digits, as in Go literals.
  if (!gofmt::underscore_ok(s)) fail(err);
  std::string clean;
  bool hex = lower.size() > 1 && lower[0] == '0' && lower[1] == 'x';
  for (char c : s) {
    if (c != '_') clean += c;
  }
  for (char c : lower) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'x' ||
          c == 'p' || c == '+' || c == '-' || c == '_')) {
      fail(err);
    }
  }
  if (hex && lower.find('p') == std::string::npos) fail(err);
  if (!hex && lower.find_first_of("abcdfx") != std::string::npos) fail(err);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size() || clean == "+" || clean == "-") fail(err);
  if (errno == ERANGE && std::isinf(v)) {
    fail("strconv.ParseFloat: parsing " + gofmt::quote(s) + ": value out of range");
  }
  return v;
}

double to_float(const Value& v) {
  switch (v.kind) {
    case Kind::floating:
      return v.f;
    case Kind::string:
      return parse_float(v.s);
    case Kind::integer:
      return static_cast<double>(v.i);
    case Kind::invalid:
    case Kind::nil:
      fail("can't convert <nil> to float");
    default:
      fail("can't convert " + type_name(v) + " to float");
  }
}

std::string g4(double v) { return gofmt::format_float(v, 'g', 4); }

Value f_humanize(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  static const char* big[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : big) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::string(g4(v) + prefix);
  }
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix);
}

Value f_humanize1024(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  static const char* big[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : big) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::string(g4(v) + prefix);
}

// Go's int64(f): truncation toward zero; out-of-range converts to MinInt64 on amd64.
std::int64_t go_int64(double f) {
  if (!(f > -9.2233720368547758e18 && f < 9.2233720368547758e18)) return INT64_MIN;
  return static_cast<std::int64_t>(f);
}

Value f_humanize_duration(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  if (v == 0) return Value::string(g4(v) + "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    std::int64_t d = go_int64(v);
    std::int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24,
                 days = d / 60 / 60 / 24;
    if (days != 0) {
      return Value::string(sign + std::to_string(days) + "d " + std::to_string(hours) + "h " +
                           std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    }
    if (hours != 0) {
      return Value::string(sign + std::to_string(hours) + "h " + std::to_string(minutes) + "m " +
                           std::to_string(seconds) + "s");
    }
    if (minutes != 0) {
      return Value::string(sign + std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    }
    return Value::string(sign + g4(v) + "s");
  }
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix + "s");
}

Value f_humanize_percentage(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  return Value::string(g4(v * 100) + "%");
}

// floatToTime: seconds to a time with millisecond resolution (model.TimeFromUnixNano).
bool float_to_time(double v, std::int64_t& ns) {
  if (std::isnan(v) || std::isinf(v)) return false;
  double ts = v * 1e9;
  if (ts > 9.2233720368547758e18 || ts < -9.2233720368547758e18) {
    fail(gofmt::format_float(v, 'g', -1) +
         " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  std::int64_t n = go_int64(ts);
  ns = (n / 1'000'000) * 1'000'000;
  return true;
}

Value f_humanize_timestamp(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  std::int64_t ns = 0;
  if (!float_to_time(v, ns)) return Value::string(g4(v));
  return Value::string(time_string(ns));
}

Value f_to_time(CallEnv&, std::vector<Value>& a) {
  double v = to_float(a[0]);
  std::int64_t ns = 0;
  if (!float_to_time(v, ns)) fail("value is NaN or Inf");
  Value t;
  t.kind = Kind::time;
  t.i = ns;
  return t;
}

std::string url_path(const std::string& url) {
  // The path of scheme://authority/path?query#fragment.
  std::size_t start = 0;
  std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string::npos) return "";
  }
  std::size_t end = url.find_first_of("?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Value f_path_prefix(CallEnv& env, std::vector<Value>&) {
  if (!env.ctx.external_url) fail(kNilDeref);
  return Value::string(url_path(*env.ctx.external_url));
}
Value f_external_url(CallEnv& env, std::vector<Value>&) {
  if (!env.ctx.external_url) fail(kNilDeref);
  return Value::string(*env.ctx.external_url);
}

// prometheus/common v0.39 model.ParseDuration.
Value f_parse_duration(CallEnv&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  if (s == "0") return Value::floating(0);
  if (s.empty()) fail("empty duration string");
  static const std::pair<const char*, std::int64_t> units[] = {{"y", 1000LL * 60 * 60 * 24 * 365},
                                                               {"w", 1000LL * 60 * 60 * 24 * 7},
                                                               {"d", 1000LL * 60 * 60 * 24},
                                                               {"h", 1000LL * 60 * 60},
                                                               {"m", 1000LL * 60},
                                                               {"s", 1000},
                                                               {"ms", 1}};
  std::string invalid = "not a valid duration string: " + gofmt::quote(s);
  std::size_t i = 0, next_unit = 0;
  std::int64_t dur_ns = 0;
  bool overflow = false;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) fail(invalid);
    std::string digits = s.substr(i, j - i);
    std::size_t k = j;
    while (k < s.size() && !(s[k] >= '0' && s[k] <= '9')) ++k;
    std::string unit = s.substr(j, k - j);
    std::size_t u = next_unit;
    while (u < 7 && unit != units[u].first) ++u;
    if (u == 7) fail(invalid);
    next_unit = u + 1;
    long double n = std::strtold(digits.c_str(), nullptr);
    long double limit = static_cast<long double>(INT64_MAX) / units[u].second / 1'000'000;
    if (n > limit) overflow = true;
    long double add = n * units[u].second * 1'000'000.0L;
    if (static_cast<long double>(dur_ns) + add > static_cast<long double>(INT64_MAX)) {
      overflow = true;
    } else {
      dur_ns += static_cast<std::int64_t>(add);
    }
    i = k;
  }
  if (overflow) fail("duration out of range");
  return Value::floating(static_cast<double>(dur_ns) / 1e9);
}

const std::map<std::string, Function, std::less<>>& table() {
  using P = Param;
  static const std::map<std::string, Function, std::less<>> t = {
      // Go builtins
      {"and", {{P::rvalue, P::rvalue}, true, true, f_andor}},
      {"or", {{P::rvalue, P::rvalue}, true, true, f_andor}},
      {"not", {{P::rvalue}, false, true, f_not}},
      {"len", {{P::rvalue}, false, true, f_len}},
      {"index", {{P::rvalue, P::rvalue}, true, true, f_index}},
      {"slice", {{P::rvalue, P::rvalue}, true, true, f_slice}},
      {"print", {{P::any}, true, true, f_print}},
      {"printf", {{P::string, P::any}, true, true, f_printf}},
      {"println", {{P::any}, true, true, f_println}},
      {"html", {{P::any}, true, true, f_html}},
      {"js", {{P::any}, true, true, f_js}},
      {"urlquery", {{P::any}, true, true, f_urlquery}},
      {"call", {{P::rvalue, P::rvalue}, true, true, f_call}},
      {"eq", {{P::rvalue, P::rvalue}, true, true, f_eq}},
      {"ne", {{P::rvalue, P::rvalue}, false, true, f_ne}},
      {"lt", {{P::rvalue, P::rvalue}, false, true, f_lt}},
      {"le", {{P::rvalue, P::rvalue}, false, true, f_le}},
      {"gt", {{P::rvalue, P::rvalue}, false, true, f_gt}},
      {"ge", {{P::rvalue, P::rvalue}, false, true, f_ge}},
      // Prometheus 2.42 template/template.go
      {"query", {{P::string}, false, false, f_query}},
      {"first", {{P::samples}, false, false, f_first}},
      {"label", {{P::string, P::sample}, false, false, f_label}},
      {"value", {{P::sample}, false, false, f_value}},
      {"strvalue", {{P::sample}, false, false, f_strvalue}},
      {"args", {{P::any}, true, false, f_args}},
      {"reReplaceAll", {{P::string, P::string, P::string}, false, false, f_re_replace_all}},
      {"safeHtml", {{P::string}, false, false, f_safe_html}},
      {"match", {{P::string, P::string}, false, false, f_match}},
      {"title", {{P::string}, false, false, f_title}},
      {"toUpper", {{P::string}, false, false, f_to_upper}},
      {"toLower", {{P::string}, false, false, f_to_lower}},
      {"graphLink", {{P::string}, false, false, f_graph_link}},
      {"tableLink", {{P::string}, false, false, f_table_link}},
      {"sortByLabel", {{P::string, P::samples}, false, false, f_sort_by_label}},
      {"stripPort", {{P::string}, false, false, f_strip_port}},
      {"stripDomain", {{P::string}, false, false, f_strip_domain}},
      {"humanize", {{P::any}, false, false, f_humanize}},
      {"humanize1024", {{P::any}, false, false, f_humanize1024}},
      {"humanizeDuration", {{P::any}, false, false, f_humanize_duration}},
      {"humanizePercentage", {{P::any}, false, false, f_humanize_percentage}},
      {"humanizeTimestamp", {{P::any}, false, false, f_humanize_timestamp}},
      {"toTime", {{P::any}, false, false, f_to_time}},
      {"pathPrefix", {{}, false, false, f_path_prefix}},
      {"externalURL", {{}, false, false, f_external_url}},
      {"parseDuration", {{P::string}, false, false, f_parse_duration}},
  };
  return t;
}

}  // namespace

bool template_function_known(std::string_view name) { return table().count(name) > 0; }

const Function* find_function(std::string_view name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

std::string param_type_name(Param p) {
  switch (p) {
    case Param::any:
      return "interface {}";
    case Param::rvalue:
      return "reflect.Value";
    case Param::string:
      return "string";
    case Param::float64:
      return "float64";
    case Param::integer:
      return "int";
    case Param::sample:
      return "*template.sample";
    case Param::samples:
      return "template.queryResult";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Kind::invalid:
    case Kind::nil:
      return false;
    case Kind::boolean:
      return v.b;
    case Kind::integer:
    case Kind::uint8:
      return v.i != 0;
    case Kind::floating:
      return v.f != 0;
    case Kind::complex:
      return true;
    case Kind::string:
    case Kind::html:
      return !v.s.empty();
    case Kind::labels:
      return !v.labels->empty();
    case Kind::any_map:
      return !v.map->entries.empty();
    case Kind::root:
      return true;
    case Kind::sample:
      return v.sample != nullptr;
    case Kind::samples:
      return v.samples && !v.samples->empty();
    case Kind::time:
      return true;
  }
  return false;
}

}  // namespace sonde::rules::tmpl
