#include "collectors/text_format.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>

#include "core/utf8.hpp"

namespace sonde::collectors {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool is_name_char(char c, bool colon) { return is_name_start(c, colon) || (c >= '0' && c <= '9'); }

/// Go's strconv.ParseFloat as expfmt applies it to values: decimal or exponent notation, an
/// optional sign, and Inf/Infinity/NaN in any case.
std::optional<double> parse_value(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  double v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v, std::chars_format::general);
  if (s.empty() || ptr != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (or 0) with an error for out-of-range values: an error.
    return std::nullopt;
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

bool parse_timestamp(std::string_view s) {
  std::int64_t v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  return !s.empty() && ec == std::errc() && ptr == end;
}

/// uint64(value) as expfmt stores _count and bucket counts.
double truncate_count(double v) {
  if (!(v >= 0)) return 0;
  if (v >= 18446744073709551616.0) return 18446744073709551615.0;
  return static_cast<double>(static_cast<std::uint64_t>(v));
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Parser {
  std::vector<TextFamily> families;
  std::unordered_map<std::string, std::size_t> index;
  // Per family: whether a TYPE line was seen (expfmt rejects a second one, or one after samples).
  std::vector<bool> typed;

  enum class Part { plain, sum, count, bucket };

  /// expfmt's setOrCreateCurrentMF: `x_sum`/`x_count` belong to summary or histogram x,
  /// `x_bucket` to histogram x, when x is already declared so.
  std::pair<std::size_t, Part> family_for(std::string_view name) {
    if (auto it = index.find(std::string(name)); it != index.end())
      return {it->second, Part::plain};
    const auto base_of = [&](std::string_view suffix) -> std::optional<std::size_t> {
      if (!ends_with(name, suffix)) return std::nullopt;
      auto it = index.find(std::string(name.substr(0, name.size() - suffix.size())));
      if (it == index.end()) return std::nullopt;
      return it->second;
    };
    for (const auto& [suffix, part] : {std::pair{std::string_view("_sum"), Part::sum},
                                       std::pair{std::string_view("_count"), Part::count}}) {
      if (auto f = base_of(suffix); f && families[*f].type == core::MetricType::summary) {
        return {*f, part};
      }
    }
    for (const auto& [suffix, part] : {std::pair{std::string_view("_sum"), Part::sum},
                                       std::pair{std::string_view("_count"), Part::count},
                                       std::pair{std::string_view("_bucket"), Part::bucket}}) {
      if (auto f = base_of(suffix); f && families[*f].type == core::MetricType::histogram) {
        return {*f, part};
      }
    }
    index.emplace(std::string(name), families.size());
    families.push_back(TextFamily{std::string(name), std::nullopt, core::MetricType::untyped, {}});
    typed.push_back(false);
    return {families.size() - 1, Part::plain};
  }
};

/// Reads a name at the start of `s` (metric names may contain ':', label names may not).
std::string_view take_name(std::string_view& s, bool colon) {
  std::size_t i = 0;
  if (i < s.size() && is_name_start(s[i], colon)) {
    ++i;
    while (i < s.size() && is_name_char(s[i], colon)) ++i;
  }
  const auto name = s.substr(0, i);
  s.remove_prefix(i);
  return name;
}

void skip_blanks(std::string_view& s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
}

std::string_view take_token(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && !is_blank(s[i])) ++i;
  const auto t = s.substr(0, i);
  s.remove_prefix(i);
  return t;
}

}  // namespace

core::Result<std::vector<TextFamily>> parse_text_format(std::string_view text) {
  Parser p;
  if (!text.empty() && text.back() != '\n') {
    return core::error("the last line lacks its newline (a file being written?)");
  }
  std::size_t line_no = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    ++line_no;
    const auto fail = [&](const std::string& what) {
      return core::error("line " + std::to_string(line_no) + ": " + what);
    };
    skip_blanks(line);
    if (line.empty()) continue;
    if (line.front() == '#') {
      line.remove_prefix(1);
      skip_blanks(line);
      const std::string_view keyword = take_token(line);
      if (keyword != "HELP" && keyword != "TYPE") continue;  // any other comment
      skip_blanks(line);
      const std::string_view name = take_name(line, true);
      if (name.empty() || (!line.empty() && !is_blank(line.front()))) {
        return fail("invalid metric name in comment");
      }
      skip_blanks(line);
      const auto [f, part] = p.family_for(name);
      (void)part;
      TextFamily& fam = p.families[f];
      if (keyword == "HELP") {
        if (line.empty()) continue;  // no text: as no HELP line (expfmt leaves it unset)
        if (fam.help) return fail("second HELP line for metric name \"" + std::string(name) + "\"");
        std::string help;
        for (std::size_t i = 0; i < line.size(); ++i) {
          if (line[i] != '\\') {
            help.push_back(line[i]);
            continue;
          }
          if (++i == line.size()) return fail("invalid escape sequence in HELP");
          if (line[i] == '\\') {
            help.push_back('\\');
          } else if (line[i] == 'n') {
            help.push_back('\n');
          } else {
            return fail("invalid escape sequence in HELP");
          }
        }
        fam.help = std::move(help);
      } else {
        if (p.typed[f] || !fam.metrics.empty()) {
          return fail("second TYPE line for metric name \"" + std::string(name) +
                      "\", or TYPE reported after samples");
        }
        std::string t(take_token(line));
        skip_blanks(line);
        if (!line.empty()) return fail("unexpected text after the type");
        for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (t == "counter") {
          fam.type = core::MetricType::counter;
        } else if (t == "gauge") {
          fam.type = core::MetricType::gauge;
        } else if (t == "summary") {
          fam.type = core::MetricType::summary;
        } else if (t == "histogram") {
          fam.type = core::MetricType::histogram;
        } else if (t == "untyped") {
          fam.type = core::MetricType::untyped;
        } else {
          return fail("unknown metric type \"" + t.substr(0, 20) + "\"");
        }
        p.typed[f] = true;
      }
      continue;
    }
    // A sample: name, optional {labels}, value, optional timestamp.
    const std::string_view name = take_name(line, true);
    if (name.empty()) return fail("invalid metric name");
    const auto [f, part] = p.family_for(name);
    TextFamily& fam = p.families[f];
    TextMetric m;
    std::optional<double> quantile, le;
    skip_blanks(line);
    if (!line.empty() && line.front() == '{') {
      line.remove_prefix(1);
      for (;;) {
        skip_blanks(line);
        if (!line.empty() && line.front() == '}') {
          line.remove_prefix(1);
          break;
        }
        const std::string_view lname = take_name(line, false);
        if (lname.empty()) return fail("invalid label name");
        if (lname.size() >= 2 && lname.substr(0, 2) == "__") {
          return fail("label name \"" + std::string(lname) + "\" is reserved");
        }
        skip_blanks(line);
        if (line.empty() || line.front() != '=') return fail("expected '=' after label name");
        line.remove_prefix(1);
        skip_blanks(line);
        if (line.empty() || line.front() != '"')
          return fail("expected '\"' to start a label value");
        line.remove_prefix(1);
        std::string value;
        bool closed = false;
        while (!line.empty()) {
          const char c = line.front();
          line.remove_prefix(1);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c != '\\') {
            value.push_back(c);
            continue;
          }
          if (line.empty()) break;
          const char e = line.front();
          line.remove_prefix(1);
          if (e == '\\' || e == '"') {
            value.push_back(e);
          } else if (e == 'n') {
            value.push_back('\n');
          } else {
            return fail("invalid escape sequence in label value");
          }
        }
        if (!closed) return fail("unterminated label value");
        if (!core::valid_utf8(value)) return fail("label value is not valid UTF-8");
        const bool summary_q = fam.type == core::MetricType::summary && lname == "quantile";
        const bool bucket_le = fam.type == core::MetricType::histogram &&
                               part == Parser::Part::bucket && lname == "le";
        if (summary_q || bucket_le) {
          const auto v = parse_value(value);
          if (!v)
            return fail("invalid " + std::string(lname) + " value \"" + value.substr(0, 20) + "\"");
          (summary_q ? quantile : le) = *v;
        } else {
          for (const auto& [n, v] : m.labels) {
            if (n == lname) return fail("duplicate label name \"" + std::string(lname) + "\"");
          }
          m.labels.emplace_back(std::string(lname), std::move(value));
        }
        skip_blanks(line);
        if (!line.empty() && line.front() == ',') {
          line.remove_prefix(1);
          continue;
        }
        if (!line.empty() && line.front() == '}') {
          line.remove_prefix(1);
          break;
        }
        return fail("expected ',' or '}' after a label value");
      }
      skip_blanks(line);
    }
    const std::string_view value_text = take_token(line);
    const auto value = parse_value(value_text);
    if (!value) return fail("invalid value \"" + std::string(value_text.substr(0, 30)) + "\"");
    skip_blanks(line);
    if (!line.empty()) {
      const std::string_view ts = take_token(line);
      if (!parse_timestamp(ts))
        return fail("invalid timestamp \"" + std::string(ts.substr(0, 30)) + "\"");
      m.timestamp = true;
      skip_blanks(line);
      if (!line.empty()) return fail("unexpected text after the timestamp");
    }
    if (fam.type == core::MetricType::summary || fam.type == core::MetricType::histogram) {
      const bool summary = fam.type == core::MetricType::summary;
      if (part == Parser::Part::plain && summary && !quantile) {
        return fail("summary sample without a quantile label");
      }
      if (part == Parser::Part::plain && !summary) {
        return fail("histogram sample must be _bucket, _sum or _count");
      }
      if (part == Parser::Part::bucket && !le) return fail("bucket without an le label");
      // Samples of one summary or histogram share their labels (expfmt's signature).
      TextMetric* target = nullptr;
      for (TextMetric& e : fam.metrics) {
        if (e.labels == m.labels) target = &e;
      }
      if (target == nullptr) {
        fam.metrics.push_back(std::move(m));
        target = &fam.metrics.back();
      } else {
        target->timestamp = target->timestamp || m.timestamp;
      }
      switch (part) {
        case Parser::Part::sum:
          target->sum = *value;
          break;
        case Parser::Part::count:
          target->count = truncate_count(*value);
          break;
        case Parser::Part::bucket:
          target->buckets.emplace_back(*le, truncate_count(*value));
          break;
        case Parser::Part::plain:
          target->quantiles.emplace_back(*quantile, *value);
          break;
      }
      continue;
    }
    m.value = *value;
    fam.metrics.push_back(std::move(m));
  }
  std::vector<TextFamily> out;
  for (TextFamily& f : p.families) {
    if (!f.metrics.empty()) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sonde::collectors
