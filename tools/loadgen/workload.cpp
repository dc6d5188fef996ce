#include "loadgen/workload.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

namespace sonde::loadgen {

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string_view type_name(LineType t) {
  switch (t) {
    case LineType::counter:
      return "requests";
    case LineType::gauge:
      return "inflight";
    case LineType::timer:
      return "latency";
    case LineType::histogram:
      return "size";
    case LineType::distribution:
      return "duration";
    case LineType::set:
      return "users";
    case LineType::mix:
      break;
  }
  return "mixed";
}

LineType type_of(LineType t, std::uint64_t id) {
  if (t != LineType::mix) return t;
  constexpr LineType kCycle[] = {LineType::counter, LineType::gauge, LineType::timer};
  return kCycle[id % 3];
}

}  // namespace

core::Result<LineType> parse_line_type(std::string_view text) {
  constexpr std::pair<std::string_view, LineType> kNames[] = {
      {"c", LineType::counter},   {"g", LineType::gauge},        {"ms", LineType::timer},
      {"h", LineType::histogram}, {"d", LineType::distribution}, {"s", LineType::set},
      {"mix", LineType::mix}};
  for (const auto& [name, type] : kNames) {
    if (text == name) return type;
  }
  return core::error("type must be one of c, g, ms, h, d, s, mix, got \"" + std::string(text) +
                     "\"");
}

core::Status validate(const WorkloadOptions& o) {
  if (o.series < 1) return core::error("--series must be at least 1");
  if (o.lines_per_datagram < 1) return core::error("--lines-per-datagram must be at least 1");
  if (o.tags > 64) return core::error("--tags must be at most 64 (sonde's default max_tags)");
  if (!std::isfinite(o.churn) || o.churn < 0) {
    return core::error("--churn must be a number of series per second, 0 or more");
  }
  if (o.prefix.empty() || !std::all_of(o.prefix.begin(), o.prefix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.';
      })) {
    return core::error("--prefix must be letters, digits, '_' and '.'");
  }
  return core::ok();
}

Workload::Workload(WorkloadOptions o) : o_(std::move(o)) {}

std::uint64_t Workload::window_base(double t) const {
  if (o_.churn <= 0 || t <= 0) return 0;
  return static_cast<std::uint64_t>(std::floor(o_.churn * t));
}

void Workload::append_line(std::string& out, std::uint64_t id, std::uint64_t cursor) const {
  const LineType type = type_of(o_.type, id);
  out += o_.prefix;
  out += '.';
  if (o_.tags == 0) {
    out += 'm';
    append_number(out, id);
  } else {
    out += type_name(o_.type == LineType::mix ? type : o_.type);
  }
  out += ':';
  switch (type) {
    case LineType::counter:
      out += "1|c";
      break;
    case LineType::gauge:
      append_number(out, id % 100);
      out += "|g";
      break;
    case LineType::timer:
      out += "12.5|ms";
      break;
    case LineType::histogram:
      out += "12.5|h";
      break;
    case LineType::distribution:
      out += "12.5|d";
      break;
    case LineType::set:
      append_number(out, cursor % 16);
      out += "|s";
      break;
    case LineType::mix:
      break;  // type_of never returns mix
  }
  if (o_.tags == 0) return;
  out += "|#id:";
  append_number(out, id);
  for (std::uint32_t j = 1; j < o_.tags; ++j) {
    out += ",t";
    append_number(out, j);
    out += ":v";
    append_number(out, (id + j - 1) % 8);
  }
}

void Workload::build(std::string& out, std::uint64_t cursor, double t, Framing framing) const {
  out.clear();
  if (framing == Framing::length_prefixed) out.append(4, '\0');
  for (std::uint32_t i = 0; i < o_.lines_per_datagram; ++i) {
    if (i > 0 && framing != Framing::newline) out += '\n';
    append_line(out, series_at(cursor + i, t), cursor + i);
    if (framing == Framing::newline) out += '\n';
  }
  if (framing == Framing::length_prefixed) {
    const auto n = static_cast<std::uint32_t>(out.size() - 4);
    const unsigned char le[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                                 static_cast<unsigned char>(n >> 16),
                                 static_cast<unsigned char>(n >> 24)};
    std::memcpy(out.data(), le, 4);
  }
}

std::vector<std::string> Workload::ring(Framing framing, std::size_t max_lines) const {
  std::vector<std::string> out;
  if (o_.churn > 0) return out;
  const std::uint64_t lines = std::lcm<std::uint64_t>(o_.series, o_.lines_per_datagram);
  if (lines > max_lines) return out;
  out.resize(lines / o_.lines_per_datagram);
  for (std::size_t i = 0; i < out.size(); ++i) {
    build(out[i], i * o_.lines_per_datagram, 0, framing);
  }
  return out;
}

Pacer::Pacer(double rate, double max_backlog_s, double catch_up)
    : rate_(rate), max_backlog_s_(max_backlog_s), catch_up_(catch_up), tokens_(burst()) {}

double Pacer::expected_at(double now_s) const {
  return anchor_count_ + rate_ * std::max(0.0, now_s - anchor_s_);
}

double Pacer::burst() const { return std::max(64.0, std::floor(rate_ * 0.001)); }

void Pacer::refill(double now_s) {
  if (now_s > refilled_s_) {
    tokens_ = std::min(burst(), tokens_ + catch_up_ * rate_ * (now_s - refilled_s_));
    refilled_s_ = now_s;
  }
}

void Pacer::set_rate(double rate, double now_s) {
  refill(now_s);  // what the old rate filled stays
  anchor_count_ += rate_ * std::max(0.0, now_s - anchor_s_);
  anchor_s_ = now_s;
  rate_ = rate;
}

void Pacer::restart(double rate, double now_s) {
  anchor_count_ = static_cast<double>(sent_ + skipped_);
  anchor_s_ = now_s;
  rate_ = rate;
  tokens_ = burst();
  refilled_s_ = now_s;
}

std::uint64_t Pacer::due(double now_s, std::uint64_t max_batch) {
  if (rate_ <= 0) return max_batch;
  const double expected = expected_at(now_s);
  const double done = static_cast<double>(sent_ + skipped_);
  // The epsilon keeps 500/s x 0.02 s from flooring to 9.
  double owed = std::floor(expected - done + 1e-9);
  if (owed <= 0) return 0;
  // More than max_backlog_s behind: the sender could not keep up. Forget all but that much.
  const double limit = std::max(1.0, std::floor(rate_ * max_backlog_s_));
  if (owed > limit) {
    skipped_ += static_cast<std::uint64_t>(owed - limit);
    owed = limit;
  }
  if (catch_up_ > 0) {
    refill(now_s);
    owed = std::min(owed, std::floor(tokens_ + 1e-9));
    if (owed <= 0) return 0;
  }
  return std::min(static_cast<std::uint64_t>(owed), max_batch);
}

void Pacer::sent(std::uint64_t n) {
  sent_ += n;
  if (catch_up_ > 0 && rate_ > 0) tokens_ = std::max(0.0, tokens_ - static_cast<double>(n));
}

double Pacer::behind_s(double now_s) const {
  if (rate_ <= 0) return 0;
  const double expected = expected_at(now_s);
  return std::max(0.0, (expected - static_cast<double>(sent_ + skipped_)) / rate_);
}

double Pacer::next_due_s(double now_s) const {
  if (rate_ <= 0) return now_s;
  const double done = static_cast<double>(sent_ + skipped_) + 1;
  double at = anchor_s_ + (done - anchor_count_) / rate_;
  if (catch_up_ > 0 && tokens_ < 1) {
    // Behind, and the bucket empty: the next datagram waits for its token.
    at = std::max(at, refilled_s_ + (1 - tokens_) / (catch_up_ * rate_));
  }
  return std::max(now_s, at);
}

}  // namespace sonde::loadgen
