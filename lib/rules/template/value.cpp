// Go's fmt (print.go, format.go) over the template's values: %v of every kind, Sprint's spacing
// rule, Sprintf's verbs, flags, width and precision, and its %!verb(type=value) complaints.
#include "rules/template/value.hpp"

#include <cinttypes>
#include <cstdio>

#include "rules/template/format.hpp"

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

struct Civil {
  std::int64_t year, month, day, hour, minute, second, nsec, yday, wday;
};

Civil civil(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  std::int64_t yday = before[m - 1] + d + (leap && m > 2 ? 1 : 0);
  std::int64_t wday = ((days % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
  return {y, m, d, rem / 3600, rem / 60 % 60, rem % 60, frac, yday, wday};
}

std::string two(std::int64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%02" PRId64, v);
  return b;
}

}  // namespace

std::string time_format(std::int64_t ns, std::string_view layout) {
  static const char* months[] = {"January",   "February", "March",    "April",
                                 "May",       "June",     "July",     "August",
                                 "September", "October",  "November", "December"};
  static const char* days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                               "Thursday", "Friday", "Saturday"};
  const Civil c = civil(ns);
  std::string out;
  auto starts = [&](std::size_t i, std::string_view p) { return layout.substr(i, p.size()) == p; };
  for (std::size_t i = 0; i < layout.size();) {
    std::string_view chunks[] = {
        "January", "Jan",   "Monday", "Mon",       "MST",     "2006",   "-07:00:00", "-070000",
        "-07:00",  "-0700", "-07",    "Z07:00:00", "Z070000", "Z07:00", "Z0700",     "Z07",
        "01",      "02",    "03",     "04",        "05",      "06",     "15",        "_2",
        "PM",      "pm",    "1",      "2",         "3",       "4",      "5"};
    bool done = false;
    if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
        (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      char digit = layout[i + 1];
      std::size_t j = i + 1;
      while (j < layout.size() && layout[j] == digit) ++j;
      if (j >= layout.size() || !(layout[j] >= '0' && layout[j] <= '9')) {
        std::size_t n = j - i - 1;
        char f[16];
        std::snprintf(f, sizeof f, "%09" PRId64, c.nsec);
        std::string frac(f, std::min<std::size_t>(n, 9));
        if (digit == '9') {
          while (!frac.empty() && frac.back() == '0') frac.pop_back();
          if (!frac.empty()) out += layout[i] + frac;
        } else {
          out += layout[i] + frac;
        }
        i = j;
        continue;
      }
    }
    for (std::string_view ch : chunks) {
      if (!starts(i, ch)) continue;
      done = true;
      if (ch == "January")
        out += months[c.month - 1];
      else if (ch == "Jan")
        out += std::string(months[c.month - 1]).substr(0, 3);
      else if (ch == "Monday")
        out += days[c.wday];
      else if (ch == "Mon")
        out += std::string(days[c.wday]).substr(0, 3);
      else if (ch == "MST")
        out += "UTC";
      else if (ch == "2006") {
        char b[24];
        std::snprintf(b, sizeof b, "%04" PRId64, c.year);
        out += b;
      } else if (ch[0] == '-') {
        out += ch == "-07:00:00" ? "+00:00:00"
               : ch == "-070000" ? "+000000"
               : ch == "-07:00"  ? "+00:00"
               : ch == "-0700"   ? "+0000"
                                 : "+00";
      } else if (ch[0] == 'Z') {
        out += 'Z';
      } else if (ch == "01")
        out += two(c.month);
      else if (ch == "02")
        out += two(c.day);
      else if (ch == "03")
        out += two(c.hour % 12 == 0 ? 12 : c.hour % 12);
      else if (ch == "04")
        out += two(c.minute);
      else if (ch == "05")
        out += two(c.second);
      else if (ch == "06")
        out += two(c.year % 100);
      else if (ch == "15")
        out += two(c.hour);
      else if (ch == "_2")
        out += (c.day < 10 ? " " : "") + std::to_string(c.day);
      else if (ch == "PM")
        out += c.hour >= 12 ? "PM" : "AM";
      else if (ch == "pm")
        out += c.hour >= 12 ? "pm" : "am";
      else if (ch == "1")
        out += std::to_string(c.month);
      else if (ch == "2")
        out += std::to_string(c.day);
      else if (ch == "3")
        out += std::to_string(c.hour % 12 == 0 ? 12 : c.hour % 12);
      else if (ch == "4")
        out += std::to_string(c.minute);
      else if (ch == "5")
        out += std::to_string(c.second);
      i += ch.size();
      break;
    }
    if (!done) out += layout[i++];
  }
  return out;
}

std::string time_string(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf,
                "%04" PRId64 "-%02" PRId64 "-%02" PRId64 " %02" PRId64 ":%02" PRId64 ":%02" PRId64,
                y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
  std::string s = buf;
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09" PRId64, frac);
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    s += fs;
  }
  return s + " +0000 UTC";
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

}  // namespace sonde::rules::tmpl
