#include "loadgen/check.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "collectors/text_fields.hpp"
#include "core/series_text.hpp"
#include "ingest/names.hpp"

namespace sonde::loadgen {

namespace {

namespace text = collectors::text;

bool is_counter_id(const WorkloadOptions& w, std::uint64_t id) {
  return w.type == LineType::counter || (w.type == LineType::mix && id % 3 == 0);
}

/// The end of the label set that starts at line[open] ('{'): the index of its '}', quoted
/// values (with their escapes) skipped; npos when it is not closed.
std::size_t closing_brace(std::string_view line, std::size_t open) {
  bool quoted = false;
  for (std::size_t i = open + 1; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool has_counters(const WorkloadOptions& w) {
  return w.type == LineType::counter || w.type == LineType::mix;
}

void parse_generator_counters(std::string_view exposition, const WorkloadOptions& w,
                              std::vector<CounterSample>& out, std::uint64_t& unparsed) {
  out.clear();
  // The names sonde gives the generator's lines (docs/ingest.md: sanitized, `_total` added).
  const std::string family = ingest::sanitize_name(w.prefix + ".requests") + "_total";
  const std::string per_id = ingest::sanitize_name(w.prefix + ".m");
  constexpr std::string_view kTotal = "_total";
  while (!exposition.empty()) {
    const std::size_t nl = exposition.find('\n');
    std::string_view line = exposition.substr(0, nl);
    exposition.remove_prefix(nl == std::string_view::npos ? exposition.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t name_end = std::min(line.find('{'), line.find_first_of(" \t"));
    const std::string_view name = line.substr(0, name_end);
    std::optional<std::uint64_t> id;
    if (w.tags == 0) {
      if (name.size() <= per_id.size() + kTotal.size() || !name.starts_with(per_id) ||
          !name.ends_with(kTotal)) {
        continue;
      }
      id = text::parse_u64(name.substr(per_id.size(), name.size() - per_id.size() - kTotal.size()));
      if (!id) continue;  // another family of the same prefix (`<prefix>_mode_total`, say)
    } else if (name != family) {
      continue;
    }
    std::string_view rest = line.substr(name.size());
    std::string_view series = name;
    if (!rest.empty() && rest.front() == '{') {
      const std::size_t close = closing_brace(line, name.size());
      if (close == std::string_view::npos) {
        ++unparsed;
        continue;
      }
      series = line.substr(0, close + 1);
      rest = line.substr(close + 1);
    }
    const auto value = text::parse_go_float(text::next_field(rest));
    if (!value || !std::isfinite(*value)) {
      ++unparsed;
      continue;
    }
    if (w.tags > 0) {
      const auto labels = core::parse_series_text(series);
      if (labels) {
        const auto it = std::find_if(labels->begin(), labels->end(),
                                     [](const auto& l) { return l.first == "id"; });
        if (it != labels->end()) id = text::parse_u64(it->second);
      }
      if (!id) {
        ++unparsed;
        continue;
      }
    }
    out.push_back({*id, *value});
  }
}

SeriesCheck::SeriesCheck(WorkloadOptions w, double rate, std::uint32_t senders, double ttl_s,
                         double slack_s)
    : w_(w),
      workload_(std::move(w)),
      gap_s_(2.0 * static_cast<double>(w_.series) * std::max<std::uint32_t>(senders, 1) /
             std::max(rate, 1e-9)),
      ttl_s_(ttl_s),
      slack_s_(slack_s) {}

bool SeriesCheck::must_be_present(std::uint64_t id, double t) const {
  if (ttl_s_ <= 0) return true;
  double until = t;
  if (stopped_s_ >= 0) until = std::min(until, stopped_s_);
  if (w_.churn > 0) until = std::min(until, static_cast<double>(id + 1) / w_.churn);
  const double sent_by = until - gap_s_;
  return t - sent_by + slack_s_ < ttl_s_;
}

std::string SeriesCheck::series_name(std::uint64_t id) const {
  const std::string p = ingest::sanitize_name(w_.prefix);
  return w_.tags == 0 ? p + "_m" + std::to_string(id) + "_total"
                      : p + "_requests_total{id=\"" + std::to_string(id) + "\"}";
}

void SeriesCheck::problem(std::string text) {
  if (problems_.size() < 10) problems_.push_back(std::move(text));
}

void SeriesCheck::observe(std::string_view exposition, double t) {
  const std::uint64_t scrape = ++totals_.scrapes;
  parse_generator_counters(exposition, w_, samples_, totals_.unparsed);
  // Ids above the window have not been sent yet by this run: another run's series, not checked.
  const std::uint64_t above = workload_.window_base(t) + w_.series;
  char at[32];
  std::snprintf(at, sizeof at, "t=%.2fs: ", t);
  for (const auto& s : samples_) {
    if (s.id >= above || !is_counter_id(w_, s.id)) continue;
    auto [it, added] = last_.try_emplace(s.id, Entry{s.value, scrape, false});
    if (added) continue;
    Entry& e = it->second;
    if (e.scrape == scrape) {
      ++totals_.unparsed;  // the same id twice in one scrape
      continue;
    }
    if (!e.compared) ++totals_.series_checked;
    e.compared = true;
    if (s.value < e.value) {
      if (must_be_present(s.id, t)) {
        ++totals_.resets;
        char b[96];
        std::snprintf(b, sizeof b, " went from %.17g to %.17g: a reset", e.value, s.value);
        problem(at + series_name(s.id) + b);
      } else {
        ++totals_.expired;  // it expired and was sent again (sent less often than the ttl)
      }
    }
    e.value = s.value;
    e.scrape = scrape;
  }
  for (auto it = last_.begin(); it != last_.end();) {
    if (it->second.scrape == scrape) {
      ++it;
      continue;
    }
    if (must_be_present(it->first, t)) {
      ++totals_.vanished_live;
      problem(at + series_name(it->first) + " vanished although it cannot have expired");
    } else {
      ++totals_.expired;
    }
    it = last_.erase(it);
  }
}

}  // namespace sonde::loadgen
