#include "config/remote_write_section.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>

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

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

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

void read_tls(Reader& r, const YAML::Node& n, const std::string& p, net::TlsOptions& out) {
  if (!r.only_keys(n, p,
                   {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"})) {
    return;
  }
  r.path(n, p, "ca_file", out.ca_file);
  r.path(n, p, "cert_file", out.cert_file);
  r.path(n, p, "key_file", out.key_file);
  if (auto s = r.string(n, p, "server_name")) out.server_name = s->value;
  r.boolean(n, p, "insecure_skip_verify", out.insecure_skip_verify);
  if (out.cert_file.empty() != out.key_file.empty()) {
    r.fail(n, p,
           out.cert_file.empty() ? "client key file specified without client cert file"
                                 : "client cert file specified without client key file");
  }
}

bool has(const YAML::Node& n, const char* key) {
  const YAML::Node& cn = n;
  return cn.IsMap() && cn[key];
}

void read_auth(Reader& r, const YAML::Node& n, const std::string& p, net::ClientOptions& out) {
  if (has(n, "basic_auth")) {
    const YAML::Node b = r.child(n, "basic_auth");
    const std::string bp = join(p, "basic_auth");
    net::BasicAuth auth;
    if (r.only_keys(b, bp, {"username", "password", "password_file"})) {
      if (auto u = r.string(b, bp, "username")) auth.username = u->value;
      if (auto pw = r.string(b, bp, "password")) auth.password = pw->value;
      r.path(b, bp, "password_file", auth.password_file);
      if (!auth.password.empty() && !auth.password_file.empty()) {
        r.fail(b, bp, "at most one of basic_auth password & password_file must be configured");
      }
    }
    out.basic_auth = std::move(auth);
  }
  if (has(n, "authorization")) {
    const YAML::Node a = r.child(n, "authorization");
    const std::string ap = join(p, "authorization");
    net::Authorization auth;
    if (r.only_keys(a, ap, {"type", "credentials", "credentials_file"})) {
      if (auto t = r.string(a, ap, "type")) auth.type = t->value.empty() ? "Bearer" : t->value;
      if (iequal(auth.type, "basic")) {
        r.fail(a, ap, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
      }
      if (auto c = r.string(a, ap, "credentials")) auth.credentials = c->value;
      r.path(a, ap, "credentials_file", auth.credentials_file);
      if (!auth.credentials.empty() && !auth.credentials_file.empty()) {
        r.fail(a, ap,
               "at most one of authorization credentials & credentials_file must be "
               "configured");
      }
    }
    out.authorization = std::move(auth);
  }
  const bool token = has(n, "bearer_token"), token_file = has(n, "bearer_token_file");
  if (token && token_file) {
    r.fail(n, p, "at most one of bearer_token & bearer_token_file must be configured");
  }
  if (token || token_file) {
    if (out.authorization) {
      r.fail(n, p,
             "at most one of authorization, bearer_token & bearer_token_file must be "
             "configured");
    }
    net::Authorization auth;
    if (auto t = r.string(n, p, "bearer_token")) auth.credentials = t->value;
    r.path(n, p, "bearer_token_file", auth.credentials_file);
    out.authorization = std::move(auth);
  }
  if (out.basic_auth && out.authorization) {
    r.fail(n, p,
           "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be "
           "configured");
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
  if (auto u = r.string(n, p, "url", "a URL")) {
    if (auto url = net::parse_url(u->value); url.ok()) {
      out.url = std::move(*url);
    } else {
      r.fail(u->node, join(p, "url"), "invalid URL " + describe(u->node) + ": " + url.message());
    }
  } else if (n.IsMap() && !has(n, "url")) {
    r.fail(n, p, "url for remote_write is empty");
  }
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
  read_auth(r, n, p, out.http);
  read_tls(r, r.child(n, "tls_config"), join(p, "tls_config"), out.http.tls);
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
