#include "config/remote_write_section.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "config/http_client_section.hpp"
#include "config/relabel_section.hpp"

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

// Prometheus 2.42's reservedHeaders (config/config.go): what remote write sets itself.
constexpr std::array<std::string_view, 18> kReservedHeaders = {
    "Authorization",
    "Host",
    "Content-Encoding",
    "Content-Length",
    "Content-Type",
    "User-Agent",
    "Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Www-Authenticate",
    "Accept-Encoding",
    "X-Prometheus-Remote-Write-Version",
    "X-Prometheus-Remote-Read-Version",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "Transfer-Encoding",
};

void read_headers(Reader& r, const YAML::Node& n, const std::string& p,
                  std::vector<std::pair<std::string, std::string>>& out) {
  const YAML::Node m = r.child(n, "headers");
  const std::string path = join(p, "headers");
  if (m.IsNull()) return;
  if (!m.IsMap()) {
    r.fail(m, path, "expected a map of header names to values, got " + describe(m));
    return;
  }
  for (const auto& kv : m) {
    const YAML::Node& k = kv.first;
    const YAML::Node& v = kv.second;
    const std::string name = k.IsScalar() ? k.Scalar() : std::string();
    const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c);
    });
    if (!token) {
      r.fail(k, path, "invalid header name " + describe(k));
      continue;
    }
    if (std::any_of(kReservedHeaders.begin(), kReservedHeaders.end(),
                    [&](std::string_view h) { return iequal(h, name); })) {
      r.fail(k, path, name + " is a reserved header. It must not be changed");
      continue;
    }
    if (!v.IsScalar() || v.Scalar().find_first_of("\r\n") != std::string::npos) {
      r.fail(v.IsNull() ? k : v, join(path, name), "expected a header value, got " + describe(v));
      continue;
    }
    out.emplace_back(name, v.Scalar());
  }
}

void read_queue(Reader& r, const YAML::Node& n, const std::string& p, remote::QueueOptions& out) {
  if (!r.only_keys(n, p,
                   {"capacity", "max_shards", "min_shards", "max_samples_per_send",
                    "batch_send_deadline", "min_backoff", "max_backoff", "retry_on_http_429"})) {
    return;
  }
  r.integer(n, p, "capacity", out.capacity, 1, 10'000'000);
  std::int64_t shards = 0;  // accepted for a pasted entry; sonde sends from one queue
  r.integer(n, p, "max_shards", shards, 1, 1'000'000);
  r.integer(n, p, "min_shards", shards, 1, 1'000'000);
  r.integer(n, p, "max_samples_per_send", out.max_samples_per_send, 1, 1'000'000);
  r.duration(n, p, "batch_send_deadline", out.batch_send_deadline, 1ms);
  r.duration(n, p, "min_backoff", out.min_backoff, 1ms);
  r.duration(n, p, "max_backoff", out.max_backoff, 1ms);
  r.boolean(n, p, "retry_on_http_429", out.retry_on_http_429);
  if (out.max_backoff < out.min_backoff) {
    r.fail(n, p, "max_backoff must not be less than min_backoff");
  }
}

void read_entry(Reader& r, const YAML::Node& n, const std::string& p,
                remote::RemoteWriteOptions& out) {
  if (!r.only_keys(n, p,
                   {"url", "name", "remote_timeout", "headers", "basic_auth", "authorization",
                    "bearer_token", "bearer_token_file", "tls_config", "write_relabel_configs",
                    "queue_config", "metadata_config", "interval", "buffer"})) {
    return;
  }
  if (auto u = read_url(r, n, p, "remote_write")) out.url = std::move(*u);
  if (auto s = r.string(n, p, "name")) {
    out.name = s->value;
    const bool ok = !out.name.empty() &&
                    std::all_of(out.name.begin(), out.name.end(),
                                [](char c) {
                                  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                         c == '-' || c == '.';
                                }) &&
                    out.name != "." && out.name != "..";
    if (!ok) {
      r.fail(s->node, join(p, "name"),
             "expected a name of letters, digits, '_', '-' and '.' (it names the buffer's "
             "directory), got " +
                 describe(s->node));
    }
  }
  r.duration(n, p, "remote_timeout", out.http.timeout, 1ms);
  read_headers(r, n, p, out.http.headers);
  read_client_auth(r, n, p, out.http);
  read_tls_config(r, r.child(n, "tls_config"), join(p, "tls_config"), out.http.tls);
  read_relabel_configs(r, n, p, "write_relabel_configs", out.write_relabel_configs);
  read_queue(r, r.child(n, "queue_config"), join(p, "queue_config"), out.queue);
  const YAML::Node meta = r.child(n, "metadata_config");
  const std::string mp = join(p, "metadata_config");
  if (r.only_keys(meta, mp, {"send", "send_interval", "max_samples_per_send"})) {
    r.boolean(meta, mp, "send", out.metadata.send);
    r.duration(meta, mp, "send_interval", out.metadata.send_interval, 1s);
    r.integer(meta, mp, "max_samples_per_send", out.metadata.max_samples_per_send, 1, 1'000'000);
  }
  r.duration(n, p, "interval", out.interval, 1s);
  const YAML::Node buf = r.child(n, "buffer");
  const std::string bp = join(p, "buffer");
  if (r.only_keys(buf, bp, {"directory", "max_bytes", "sync_interval"})) {
    r.path(buf, bp, "directory", out.buffer.directory);
    r.integer(buf, bp, "max_bytes", out.buffer.max_bytes, 1 << 20, std::int64_t{1} << 50);
    r.duration(buf, bp, "sync_interval", out.buffer.sync_interval, 10ms);
  }
}

/// Prometheus names an unnamed queue by a hash of its config; sonde by one of its URL (stable
/// across changes of other options, so the buffer is kept): 6 hex digits of FNV-1a.
std::string default_name(const net::Url& url) {
  std::uint32_t h = 2166136261u;
  for (const char c : url.redacted()) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", h & 0xffffffu);
  return buf;
}

}  // namespace

void read_remote_write(Reader& r, const YAML::Node& n, const std::string& p,
                       remote::RemoteWriteList& out) {
  // An entry's keys are not in the schema (accepted_keys): the packaged config documents them
  // in a commented-out example entry.
  if (n.IsNull()) return;
  if (!n.IsSequence()) {
    r.fail(n, p, "expected a list of remote write entries, got " + describe(n));
    return;
  }
  remote::RemoteWriteList list;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string ip = p + "[" + std::to_string(i) + "]";
    remote::RemoteWriteOptions entry;
    read_entry(r, n[i], ip, entry);
    if (entry.name.empty()) entry.name = default_name(entry.url);
    for (const auto& other : list) {
      if (other.name == entry.name) {
        r.fail(n[i], ip,
               "found multiple remote write configs with job name \"" + entry.name + "\"");
      } else if (!entry.url.host.empty() && other.url == entry.url) {
        r.fail(n[i], ip,
               "duplicate remote write configs are not allowed, found duplicate for "
               "URL: " +
                   entry.url.redacted());
      } else if (!entry.buffer.directory.empty() &&
                 other.buffer.directory == entry.buffer.directory) {
        r.fail(n[i], ip,
               "buffer.directory " + entry.buffer.directory.string() + " is also remote_write \"" +
                   other.name + "\"'s: each entry needs its own");
      }
    }
    list.push_back(std::move(entry));
  }
  out = std::move(list);
}

}  // namespace sonde::config
