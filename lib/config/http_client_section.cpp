#include "config/http_client_section.hpp"

#include <algorithm>
#include <cctype>

namespace sonde::config {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void read_tls_config(Reader& r, const YAML::Node& n, const std::string& p, net::TlsOptions& out) {
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

bool has_key(const YAML::Node& n, const char* key) {
  const YAML::Node& cn = n;
  return cn.IsMap() && cn[key];
}

void read_client_auth(Reader& r, const YAML::Node& n, const std::string& p,
                      net::ClientOptions& out) {
  if (has_key(n, "basic_auth")) {
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
  if (has_key(n, "authorization")) {
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
  const bool token = has_key(n, "bearer_token"), token_file = has_key(n, "bearer_token_file");
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

std::optional<net::Url> read_url(Reader& r, const YAML::Node& n, const std::string& p,
                                 std::string_view what) {
  if (!has_key(n, "url")) {
    if (n.IsMap()) r.fail(n, p, std::string("url for ") + std::string(what) + " is empty");
    return std::nullopt;
  }
  auto u = r.string(n, p, "url", "a URL");
  if (!u) return std::nullopt;
  auto url = net::parse_url(u->value);
  if (!url.ok()) {
    r.fail(u->node, join(p, "url"), "invalid URL " + describe(u->node) + ": " + url.message());
    return std::nullopt;
  }
  return std::move(*url);
}

}  // namespace sonde::config
