// Go's fmt (print.go, format.go) over the template's values: %v of every kind, Sprint's spacing
// rule, Sprintf's verbs, flags, width and precision, and its %!verb(type=value) complaints.
#include "rules/template/value.hpp"

#include <cinttypes>
#include <cstdio>

#include "rules/template/format.hpp"
#include "rules/template/go_time.hpp"

namespace sonde::rules::tmpl {

std::string type_name(const Value& v) {
  switch (v.kind) {
    case Kind::invalid:
    case Kind::nil:
      return "<nil>";
    case Kind::boolean:
      return "bool";
    case Kind::integer:
      return "int";
    case Kind::uint8:
      return "uint8";
    case Kind::floating:
      return "float64";
    case Kind::complex:
      return "complex128";
    case Kind::string:
      return "string";
    case Kind::html:
      return "template.HTML";
    case Kind::labels:
      return "map[string]string";
    case Kind::any_map:
      return "map[string]interface {}";
    case Kind::root:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL "
             "string; Value float64 }";
    case Kind::sample:
      return "*template.sample";
    case Kind::samples:
      return "template.queryResult";
    case Kind::time:
      return "*time.Time";
  }
  return "?";
}

namespace {

std::string pointer_text(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(p));
  return buf;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  bool has_width = false, has_prec = false;
  int width = 0, prec = 0;
  char verb = 'v';
};

std::string pad(const Spec& sp, std::string s, bool numeric_zero = false) {
  std::size_t runes = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    gofmt::decode_rune(s, i, w);
    i += w;
    ++runes;
  }
  if (!sp.has_width || static_cast<std::size_t>(sp.width) <= runes) return s;
  std::size_t n = static_cast<std::size_t>(sp.width) - runes;
  if (sp.minus) return s + std::string(n, ' ');
  if (sp.zero && numeric_zero && !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
    return s.substr(0, 1) + std::string(n, '0') + s.substr(1);
  }
  return std::string(n, sp.zero ? '0' : ' ') + s;
}

std::string fmt_integer(const Spec& sp, std::int64_t v, bool is_unsigned) {
  std::uint64_t u =
      (!is_unsigned && v < 0) ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  bool neg = !is_unsigned && v < 0;
  int base = 10;
  bool upper = false;
  switch (sp.verb) {
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
      base = 16;
      break;
    case 'X':
      base = 16;
      upper = true;
      break;
    default:
      break;
  }
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string num;
  do {
    num.insert(num.begin(), digits[u % static_cast<unsigned>(base)]);
    u /= static_cast<unsigned>(base);
  } while (u != 0);
  if (sp.has_prec) {
    if (sp.prec == 0 && v == 0) num.clear();
    while (num.size() < static_cast<std::size_t>(sp.prec)) num.insert(num.begin(), '0');
  } else if (sp.zero && sp.has_width && !sp.minus) {
    std::size_t want = static_cast<std::size_t>(sp.width);
    if (neg || sp.plus || sp.space) --want;
    while (num.size() < want) num.insert(num.begin(), '0');
  }
  if (sp.sharp) {
    if (base == 8 && (num.empty() || num[0] != '0')) num = "0" + num;
    if (base == 16) num = (upper ? "0X" : "0x") + num;
    if (base == 2) num = "0b" + num;
  }
  if (sp.verb == 'O') num = "0o" + num;
  if (neg) {
    num = "-" + num;
  } else if (sp.plus) {
    num = "+" + num;
  } else if (sp.space) {
    num = " " + num;
  }
  Spec nz = sp;
  nz.zero = false;
  return pad(nz, num);
}

std::string fmt_float(const Spec& sp, double v, char verb, int default_prec) {
  int prec = sp.has_prec ? sp.prec : default_prec;
  if (verb == 'v') verb = 'g';
  std::string num = gofmt::format_float(v, verb, prec);
  if (sp.sharp && (verb == 'g' || verb == 'G') && num.find_first_of(".eEIN") == std::string::npos) {
    num += '.';
  }
  bool special = num.find_first_of("IN") != std::string::npos;
  if (num[0] != '-' && num[0] != '+') {
    if (sp.plus) {
      num = "+" + num;
    } else if (sp.space) {
      num = " " + num;
    }
  } else if (num[0] == '+' && !sp.plus) {
    // +Inf keeps its sign (fmt prints "+Inf"), unless the space flag asks for a space.
    if (sp.space) num[0] = ' ';
  }
  if (special) {
    Spec nz = sp;
    nz.zero = false;
    return pad(nz, num);
  }
  if (sp.zero && sp.has_width && !sp.minus) {
    return pad(sp, num, true);
  }
  return pad(sp, num);
}

std::string fmt_string(const Spec& sp, const std::string& s) {
  std::string t = s;
  if (sp.has_prec) {
    std::size_t at = 0, n = 0;
    while (at < t.size() && n < static_cast<std::size_t>(sp.prec)) {
      std::size_t w = 1;
      gofmt::decode_rune(t, at, w);
      at += w;
      ++n;
    }
    t = t.substr(0, at);
  }
  switch (sp.verb) {
    case 'q':
      return pad(sp, gofmt::quote(t));
    case 'x':
    case 'X': {
      const char* digits = sp.verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
      std::string h;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (sp.space && i > 0) h += ' ';
        if (sp.sharp && (sp.space || i == 0)) h += sp.verb == 'x' ? "0x" : "0X";
        auto c = static_cast<unsigned char>(t[i]);
        h += digits[c >> 4];
        h += digits[c & 0xF];
      }
      return pad(sp, h);
    }
    default:
      return pad(sp, t);
  }
}

std::string print_value(const Value& v, const Spec& sp, int depth);

std::string bad_verb(const Spec& sp, const Value& v) {
  std::string s = "%!";
  s += sp.verb;
  s += '(';
  if (v.kind == Kind::invalid || v.kind == Kind::nil) return s + "<nil>)";
  Spec pv;
  s += type_name(v) + "=" + print_value(v, pv, 0) + ")";
  return s;
}

std::string print_value(const Value& v, const Spec& sp, int depth) {
  char verb = sp.verb;
  switch (v.kind) {
    case Kind::invalid:
    case Kind::nil:
      if (verb == 'v') return pad(sp, "<nil>");
      return bad_verb(sp, v);
    case Kind::boolean:
      if (verb == 'v' || verb == 't') return pad(sp, v.b ? "true" : "false");
      return bad_verb(sp, v);
    case Kind::integer:
    case Kind::uint8:
      switch (verb) {
        case 'v':
        case 'd': {
          Spec d = sp;
          d.verb = 'd';
          return fmt_integer(d, v.i, v.kind == Kind::uint8);
        }
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          return fmt_integer(sp, v.i, v.kind == Kind::uint8);
        case 'c': {
          std::string s;
          gofmt::append_rune(s, static_cast<std::int32_t>(v.i));
          return pad(sp, s);
        }
        case 'q':
          return pad(sp, gofmt::quote_rune(static_cast<std::int32_t>(v.i)));
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof buf, "U+%04" PRIX64, static_cast<std::uint64_t>(v.i));
          std::string s = buf;
          if (sp.sharp && gofmt::is_print(static_cast<std::int32_t>(v.i))) {
            s += " '";
            gofmt::append_rune(s, static_cast<std::int32_t>(v.i));
            s += "'";
          }
          return pad(sp, s);
        }
        default:
          return bad_verb(sp, v);
      }
    case Kind::floating:
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
          return fmt_float(sp, v.f, verb, -1);
        case 'e':
        case 'E':
        case 'f':
        case 'F':
          return fmt_float(sp, v.f, verb, 6);
        case 'x':
        case 'X':
          return fmt_float(sp, v.f, verb, -1);
        default:
          return bad_verb(sp, v);
      }
    case Kind::complex:
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
        case 'e':
        case 'E':
        case 'f':
        case 'F': {
          Spec part = sp;
          part.has_width = false;
          int prec = (verb == 'v' || verb == 'g' || verb == 'G') ? -1 : 6;
          std::string re = fmt_float(part, v.f, verb, prec);
          part.plus = true;
          std::string im = fmt_float(part, v.im, verb, prec);
          return pad(sp, "(" + re + im + "i)");
        }
        default:
          return bad_verb(sp, v);
      }
    case Kind::string:
    case Kind::html:
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        return fmt_string(sp, v.s);
      }
      return bad_verb(sp, v);
    case Kind::labels: {
      Spec inner = sp;
      inner.has_width = false;
      std::string s = "map[";
      bool first = true;
      for (const auto& [k, val] : *v.labels) {
        if (!first) s += ' ';
        first = false;
        s += print_value(Value::string(k), inner, depth + 1) + ":" +
             print_value(Value::string(val), inner, depth + 1);
      }
      return s + "]";
    }
    case Kind::any_map: {
      Spec inner = sp;
      inner.has_width = false;
      std::string s = "map[";
      bool first = true;
      for (const auto& [k, val] : v.map->entries) {
        if (!first) s += ' ';
        first = false;
        s += print_value(Value::string(k), inner, depth + 1) + ":" +
             print_value(val, inner, depth + 1);
      }
      return s + "]";
    }
    case Kind::root: {
      Spec inner = sp;
      inner.has_width = false;
      Value l, e;
      l.kind = e.kind = Kind::labels;
      l.labels = std::make_shared<Labels>(v.root->labels);
      e.labels = std::make_shared<Labels>(v.root->external_labels);
      return "{" + print_value(l, inner, depth + 1) + " " + print_value(e, inner, depth + 1) + " " +
             print_value(Value::string(v.root->external_url), inner, depth + 1) + " " +
             print_value(Value::floating(v.root->value), inner, depth + 1) + "}";
    }
    case Kind::sample: {
      if (!v.sample) return verb == 'v' ? pad(sp, "<nil>") : bad_verb(sp, v);
      if (depth > 0) return pointer_text(v.sample.get());
      Spec inner = sp;
      inner.has_width = false;
      Value l;
      l.kind = Kind::labels;
      l.labels = std::make_shared<Labels>(v.sample->labels);
      return "&{" + print_value(l, inner, depth + 1) + " " +
             print_value(Value::floating(v.sample->value), inner, depth + 1) + "}";
    }
    case Kind::samples: {
      std::string s = "[";
      if (v.samples) {
        for (std::size_t i = 0; i < v.samples->size(); ++i) {
          if (i > 0) s += ' ';
          s += pointer_text((*v.samples)[i].get());
        }
      }
      return s + "]";
    }
    case Kind::time:
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        return fmt_string(sp, time_string(v.i));
      }
      return bad_verb(sp, v);
  }
  return "";
}

bool is_string_kind(const Value& v) { return v.kind == Kind::string || v.kind == Kind::html; }

}  // namespace

std::string print_action(const Value& v) {
  if (v.kind == Kind::invalid) return "<no value>";
  if (v.kind == Kind::sample && v.sample) {
    Value l;
    l.kind = Kind::labels;
    l.labels = std::make_shared<Labels>(v.sample->labels);
    Spec sp;
    return "{" + print_value(l, sp, 1) + " " +
           print_value(Value::floating(v.sample->value), sp, 1) + "}";
  }
  Spec sp;
  return print_value(v, sp, 0);
}

std::string sprint(const std::vector<Value>& args) {
  std::string out;
  Spec sp;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !is_string_kind(args[i]) && !is_string_kind(args[i - 1])) out += ' ';
    out += print_value(args[i], sp, 0);
  }
  return out;
}

std::string sprintln(const std::vector<Value>& args) {
  std::string out;
  Spec sp;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += print_value(args[i], sp, 0);
  }
  return out + "\n";
}

std::string sprintf(const std::string& format, const std::vector<Value>& args) {
  std::string out;
  std::size_t argi = 0;
  const std::size_t n = format.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t pct = format.find('%', i);
    if (pct == std::string::npos) {
      out.append(format, i, std::string::npos);
      break;
    }
    out.append(format, i, pct - i);
    i = pct + 1;
    Spec sp;
    for (; i < n; ++i) {
      char c = format[i];
      if (c == '#') {
        sp.sharp = true;
      } else if (c == '0') {
        sp.zero = !sp.minus;
      } else if (c == '+') {
        sp.plus = true;
      } else if (c == '-') {
        sp.minus = true;
        sp.zero = false;
      } else if (c == ' ') {
        sp.space = true;
      } else {
        break;
      }
    }
    auto read_num = [&](int& v) {
      bool any = false;
      v = 0;
      while (i < n && format[i] >= '0' && format[i] <= '9') {
        if (v < 1'000'000) v = v * 10 + (format[i] - '0');
        ++i;
        any = true;
      }
      return any;
    };
    bool bad_width = false, bad_prec = false;
    if (i < n && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].kind == Kind::integer && args[argi].i <= 1'000'000 &&
          args[argi].i >= -1'000'000) {
        sp.has_width = true;
        sp.width = static_cast<int>(args[argi].i);
        if (sp.width < 0) {
          sp.minus = true;
          sp.zero = false;
          sp.width = -sp.width;
        }
      } else {
        bad_width = true;
      }
      ++argi;
    } else {
      sp.has_width = read_num(sp.width);
    }
    if (i < n && format[i] == '.') {
      ++i;
      if (i < n && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind == Kind::integer && args[argi].i >= 0 &&
            args[argi].i <= 1'000'000) {
          sp.has_prec = true;
          sp.prec = static_cast<int>(args[argi].i);
        } else {
          bad_prec = true;
        }
        ++argi;
      } else {
        read_num(sp.prec);
        sp.has_prec = true;
      }
    }
    if (!sp.minus && sp.zero) sp.zero = true;
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    std::size_t w = 1;
    std::int32_t verb = gofmt::decode_rune(format, i, w);
    i += w;
    if (bad_width) out += "%!(BADWIDTH)";
    if (bad_prec) out += "%!(BADPREC)";
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (verb >= 0x80) {
      std::string vs;
      gofmt::append_rune(vs, verb);
      if (argi >= args.size()) {
        out += "%!" + vs + "(MISSING)";
      } else {
        const Value& a = args[argi++];
        out += "%!" + vs + "(" + type_name(a) + "=" + print_action(a) + ")";
      }
      continue;
    }
    sp.verb = static_cast<char>(verb);
    if (argi >= args.size()) {
      out += std::string("%!") + sp.verb + "(MISSING)";
      continue;
    }
    const Value& a = args[argi++];
    if (sp.verb == 'T') {
      out += pad(sp, a.kind == Kind::invalid || a.kind == Kind::nil ? "<nil>" : type_name(a));
      continue;
    }
    if (sp.verb == 'v' && sp.plus) sp.plus = false;  // %+v is plusV (struct field names)
    out += print_value(a, sp, 0);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      if (args[k].kind == Kind::invalid || args[k].kind == Kind::nil) {
        out += "<nil>";
      } else {
        out += type_name(args[k]) + "=" + print_value(args[k], Spec{}, 0);
      }
    }
    out += ")";
  }
  return out;
}

Value root_field(const AlertData& d, std::string_view field) {
  if (field == "Value") return Value::floating(d.value);
  if (field == "ExternalURL") return Value::string(d.external_url);
  Value l;
  l.kind = Kind::labels;
  l.labels = std::make_shared<Labels>(field == "Labels" ? d.labels : d.external_labels);
  return l;
}

std::string field_value(const Value& receiver, const std::string& field, bool has_args,
                        Value& out) {
  std::string typ = type_name(receiver);
  switch (receiver.kind) {
    case Kind::root:
      if (field == "Labels" || field == "ExternalLabels" || field == "ExternalURL" ||
          field == "Value") {
        if (has_args) return field + " has arguments but cannot be invoked as function";
        out = root_field(*receiver.root, field);
        return {};
      }
      break;
    case Kind::sample:
      if (field == "Labels" || field == "Value") {
        if (!receiver.sample) return "nil pointer evaluating " + typ + "." + field;
        if (has_args) return field + " has arguments but cannot be invoked as function";
        if (field == "Value") {
          out = Value::floating(receiver.sample->value);
          return {};
        }
        out.kind = Kind::labels;
        out.labels = std::make_shared<Labels>(receiver.sample->labels);
        return {};
      }
      break;
    case Kind::labels: {
      if (has_args) return field + " is not a method but has arguments";
      auto it = receiver.labels->find(field);
      out = Value::string(it == receiver.labels->end() ? "" : it->second);
      return {};
    }
    case Kind::any_map: {
      if (has_args) return field + " is not a method but has arguments";
      out = Value{};  // the zero interface{}
      for (const auto& [k, v] : receiver.map->entries) {
        if (k == field) {
          out = v;
          break;
        }
      }
      return {};
    }
    default:
      break;
  }
  return "can't evaluate field " + field + " in type " + typ;
}

}  // namespace sonde::rules::tmpl
