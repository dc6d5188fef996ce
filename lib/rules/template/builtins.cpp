// Go 1.19's text/template builtins (funcs.go): comparison, len, index, slice, the print
// family, the html/js/urlquery escapers and call, with their Go signatures and error texts.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/html.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"

namespace sonde::rules::tmpl::detail {
namespace {

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

Value f_html(CallEnv&, std::vector<Value>& a) {
  return Value::string(core::html_escape(eval_args(a)));
}
Value f_js(CallEnv&, std::vector<Value>& a) { return Value::string(js_escape(eval_args(a))); }
Value f_urlquery(CallEnv&, std::vector<Value>& a) {
  return Value::string(query_escape(eval_args(a)));
}
Value f_call(CallEnv&, std::vector<Value>& a) {
  if (!a[0].valid() || a[0].kind == Kind::nil) fail("call of nil");
  fail("non-function of type " + type_name(a[0]));
}

}  // namespace

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

void add_go_builtins(FunctionTable& t) {
  using P = Param;
  t.insert({
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
  });
}

}  // namespace sonde::rules::tmpl::detail
