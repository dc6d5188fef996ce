// Options of the outgoing HTTP(S) client (http_client.hpp), with Prometheus's HTTP client config
// names (common/config's HTTPClientConfig: tls_config, basic_auth, authorization), so the
// remote_write entries and, later, the alert notifiers share one set. Plain structs, compared with
// == on reload; lib/config fills them.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sonde::net {

/// Prometheus's tls_config for a client.
struct TlsOptions {
  std::filesystem::path ca_file;    // empty: the system's trust store
  std::filesystem::path cert_file;  // client certificate (with key_file)
  std::filesystem::path key_file;
  std::string server_name;  // SNI and the name checked; empty: the URL's host
  bool insecure_skip_verify = false;
  bool operator==(const TlsOptions&) const = default;
};

/// basic_auth: the password is `password`, or read from `password_file` at each request (so a
/// rotated file takes effect without a reload), as Prometheus's round tripper does.
struct BasicAuth {
  std::string username;
  std::string password;
  std::filesystem::path password_file;
  bool operator==(const BasicAuth&) const = default;
};

/// authorization (and bearer_token/bearer_token_file): `Authorization: <type> <credentials>`,
/// the credentials read from `credentials_file` at each request when it is set.
struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::filesystem::path credentials_file;
  bool operator==(const Authorization&) const = default;
};

struct ClientOptions {
  /// The whole request: resolve, connect, TLS handshake, write and read (Prometheus's
  /// remote_timeout bounds the same).
  std::chrono::milliseconds timeout{30'000};
  TlsOptions tls;
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  /// Extra request headers (remote_write's `headers`), sent as given.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user_agent;  // empty: no User-Agent header
  /// The longest response body kept (a receiver's error message); the rest is read and dropped.
  std::size_t max_response_body = 64 * 1024;
  bool operator==(const ClientOptions&) const = default;
};

}  // namespace sonde::net
