#include "config/ingest_section.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/listen_address.hpp"

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

/// Socket file mode as octal text ("0660", "660"), at most 0777.
void read_mode(Reader& r, const YAML::Node& n, const std::string& p, std::uint32_t& out) {
  auto t = r.string(n, p, "mode", "an octal mode such as \"0660\"");
  if (!t) return;
  std::uint32_t v = 0;
  const std::string& s = t->value;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 0777) {
    r.fail(t->node, join(p, "mode"),
           "expected an octal mode such as \"0660\", got " + describe(t->node));
    return;
  }
  out = v;
}

/// An absolute path, or a quoted "" for the default.
void optional_path(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
                   std::filesystem::path& out) {
  const YAML::Node& cn = n;
  if (cn.IsMap()) {
    const YAML::Node v = cn[std::string(key)];
    if (v && v.IsScalar() && v.Scalar().empty() && v.Tag() == "!") {
      out.clear();
      return;
    }
  }
  r.path(n, p, key, out);
}

void read_unix(Reader& r, const YAML::Node& n, const std::string& p,
               ingest::UnixSocketOptions& out) {
  optional_path(r, n, p, "path", out.path);
  read_mode(r, n, p, out.mode);
  if (auto g = r.string(n, p, "group", "a group name or number")) out.group = g->value;
}

/// A non-empty list of finite numbers, strictly increasing when `increasing`, each in
/// [min, max].
void read_numbers(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
                  std::vector<double>& out, bool increasing, double min, double max) {
  const YAML::Node& cn = n;
  if (!cn.IsMap() || !cn[std::string(key)]) return;
  const YAML::Node list = r.child(n, key);
  const std::string path = join(p, key);
  if (!list.IsSequence() || list.size() == 0) {
    r.fail(list, path, "expected a non-empty list of numbers, got " + describe(list));
    return;
  }
  std::vector<double> values;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    double v = 0;
    const std::string s = item.IsScalar() ? item.Scalar() : std::string();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!item.IsScalar() || s.empty() || ec != std::errc() || end != s.data() + s.size() ||
        !std::isfinite(v) || v < min || v > max) {
      r.fail(item, path,
             fmt::format("expected a number between {} and {}, got {}", min, max, describe(item)));
      return;
    }
    if (increasing && !values.empty() && v <= values.back()) {
      r.fail(item, path, "values must be strictly increasing, got " + describe(item));
      return;
    }
    values.push_back(v);
  }
  out = std::move(values);
}

}  // namespace

void read_ingest(Reader& r, const YAML::Node& n, const std::string& p, ingest::IngestOptions& out) {
  if (!r.only_keys(n, p,
                   {"unixgram",
                    "unixstream",
                    "udp",
                    "mapping_file",
                    "max_series",
                    "max_series_per_metric",
                    "ttl",
                    "observer_type",
                    "histogram_buckets",
                    "summary_quantiles",
                    "summary_max_age",
                    "summary_max_samples",
                    "set_window",
                    "max_set_values",
                    "max_line_bytes",
                    "max_datagram_bytes",
                    "max_tags",
                    "batch_size",
                    "origin_detection",
                    "origin_ttl",
                    "origin_cache_size",
                    "origin_cache_ttl"})) {
    return;
  }
  {
    const std::string sp = join(p, "unixgram");
    const YAML::Node s = r.child(n, "unixgram");
    if (r.only_keys(s, sp, {"enabled", "path", "mode", "group"})) {
      r.boolean(s, sp, "enabled", out.unixgram.enabled);
      read_unix(r, s, sp, out.unixgram);
    }
  }
  {
    const std::string sp = join(p, "unixstream");
    const YAML::Node s = r.child(n, "unixstream");
    if (r.only_keys(s, sp, {"enabled", "path", "mode", "group", "framing", "max_connections"})) {
      r.boolean(s, sp, "enabled", out.unixstream.enabled);
      read_unix(r, s, sp, out.unixstream);
      r.choice(s, sp, "framing", out.unixstream.framing,
               {{"newline", ingest::StreamFraming::newline},
                {"length-prefixed", ingest::StreamFraming::length_prefixed}});
      r.integer(s, sp, "max_connections", out.unixstream.max_connections, 1, 10'000);
    }
  }
  {
    const std::string sp = join(p, "udp");
    const YAML::Node s = r.child(n, "udp");
    if (r.only_keys(s, sp, {"enabled", "address", "receive_buffer_bytes"})) {
      r.boolean(s, sp, "enabled", out.udp.enabled);
      if (auto a = r.string(s, sp, "address", "HOST:PORT")) {
        if (auto parsed = core::parse_listen_address(a->value); parsed.ok()) {
          out.udp.address = a->value;
        } else {
          r.fail(a->node, join(sp, "address"),
                 "invalid address " + describe(a->node) + ": " + parsed.message());
        }
      }
      r.integer(s, sp, "receive_buffer_bytes", out.udp.receive_buffer_bytes, 4096, 1 << 30);
    }
  }
  optional_path(r, n, p, "mapping_file", out.mapping_file);
  r.integer(n, p, "max_series", out.max_series, 1, 100'000'000);
  r.integer(n, p, "max_series_per_metric", out.max_series_per_metric, 1, 100'000'000);
  r.duration(n, p, "ttl", out.ttl, 0ms);
  r.choice(
      n, p, "observer_type", out.observer_type,
      {{"histogram", ingest::ObserverType::histogram}, {"summary", ingest::ObserverType::summary}});
  read_numbers(r, n, p, "histogram_buckets", out.histogram_buckets, true, -1e300, 1e300);
  read_numbers(r, n, p, "summary_quantiles", out.summary_quantiles, true, 0, 1);
  r.duration(n, p, "summary_max_age", out.summary_max_age, 1s);
  r.integer(n, p, "summary_max_samples", out.summary_max_samples, 1, 10'000'000);
  r.duration(n, p, "set_window", out.set_window, 1s);
  r.integer(n, p, "max_set_values", out.max_set_values, 1, 10'000'000);
  r.integer(n, p, "max_line_bytes", out.max_line_bytes, 64, 1 << 20);
  r.integer(n, p, "max_datagram_bytes", out.max_datagram_bytes, 512, 1 << 20);
  r.integer(n, p, "max_tags", out.max_tags, 1, 1000);
  r.integer(n, p, "batch_size", out.batch_size, 1, 1024);
  r.boolean(n, p, "origin_detection", out.origin_detection);
  r.duration(n, p, "origin_ttl", out.origin_ttl, 0ms);
  r.integer(n, p, "origin_cache_size", out.origin_cache_size, 1, 1'000'000);
  r.duration(n, p, "origin_cache_ttl", out.origin_cache_ttl, 1s);
}

}  // namespace sonde::config
