// Reads the parts of Prometheus's HTTP client config (common/config's HTTPClientConfig) that the
// remote_write entries and the alert notifiers share: `tls_config`, `basic_auth`,
// `authorization`, `bearer_token`, `bearer_token_file`, with Prometheus's checks and messages
// (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

#include "config/reader.hpp"
#include "net/options.hpp"
#include "net/url.hpp"

namespace sonde::config {

/// ASCII case-insensitive equality (header names, authorization types).
bool iequal(std::string_view a, std::string_view b);
/// Whether map `n` has `key`.
bool has_key(const YAML::Node& n, const char* key);
/// A `tls_config` map (`n` itself).
void read_tls_config(Reader& r, const YAML::Node& n, const std::string& p, net::TlsOptions& out);
/// The `url` of map `n`: an absolute http:// or https:// URL; absent is "url for <what> is
/// empty", a bad one "invalid URL ...".
std::optional<net::Url> read_url(Reader& r, const YAML::Node& n, const std::string& p,
                                 std::string_view what);
/// The authentication keys of map `n`: basic_auth, authorization, bearer_token(_file).
void read_client_auth(Reader& r, const YAML::Node& n, const std::string& p,
                      net::ClientOptions& out);

}  // namespace sonde::config
