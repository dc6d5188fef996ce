// Go's time.Time formatting in UTC (time/format.go): String() and Format(layout) with the
// reference-time layout elements, as templates print `.Time` values and `toTime` results.
#include "rules/template/go_time.hpp"

#include <cinttypes>
#include <cstdio>

namespace sonde::rules::tmpl {

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
  const Civil c = civil(ns);
  char buf[96];
  std::snprintf(buf, sizeof buf,
                "%04" PRId64 "-%02" PRId64 "-%02" PRId64 " %02" PRId64 ":%02" PRId64 ":%02" PRId64,
                c.year, c.month, c.day, c.hour, c.minute, c.second);
  std::string s = buf;
  if (c.nsec != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09" PRId64, c.nsec);
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    s += fs;
  }
  return s + " +0000 UTC";
}

bool is_time_method(std::string_view n) {
  static constexpr std::string_view names[] = {"Format",   "Unix",   "UnixMilli",  "UnixMicro",
                                               "UnixNano", "String", "Nanosecond", "Year",
                                               "Day",      "Hour",   "Minute",     "Second"};
  for (std::string_view x : names) {
    if (n == x) return true;
  }
  return false;
}

std::optional<std::int64_t> time_int_method(std::int64_t ns, std::string_view name) {
  auto floor_div = [](std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
  };
  std::int64_t secs = floor_div(ns, 1'000'000'000);
  if (name == "Unix") return secs;
  if (name == "UnixMilli") return floor_div(ns, 1'000'000);
  if (name == "UnixMicro") return floor_div(ns, 1000);
  if (name == "UnixNano") return ns;
  if (name == "Nanosecond") return ns - secs * 1'000'000'000;
  const Civil c = civil(ns);
  if (name == "Year") return c.year;
  if (name == "Day") return c.day;
  if (name == "Hour") return c.hour;
  if (name == "Minute") return c.minute;
  if (name == "Second") return c.second;
  return std::nullopt;
}

}  // namespace sonde::rules::tmpl
