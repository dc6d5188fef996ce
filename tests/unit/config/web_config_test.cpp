// Reading the exporter-toolkit web config file: the toolkit's strictness and names, yaml.v2's
// readings where sonde's own config differs, and file:line:column on every error.
#include "config/web_config.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace sonde::config {
namespace {

using http::ClientAuth;

core::Result<http::WebConfigSpec, core::Errors> load(const std::string& yaml) {
  return load_web_config_string(yaml, "web.yml", "/etc/sonde");
}

std::string first_error(const std::string& yaml) {
  auto r = load(yaml);
  REQUIRE_FALSE(r.ok());
  return r.error().lines().front();
}

TEST_CASE("web config: every key, relative paths against the file's directory", "[config][web]") {
  auto r = load(R"(
tls_server_config:
  cert_file: tls/cert.pem
  key_file: /abs/key.pem
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.pem
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519]
  min_version: TLS13
  max_version: TLS13
  prefer_server_cipher_suites: no
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
basic_auth_users:
  prometheus: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi
)");
  REQUIRE(r.ok());
  CHECK(r->file == "web.yml");
  CHECK(r->tls.cert_file == "/etc/sonde/tls/cert.pem");
  CHECK(r->tls.key_file == "/abs/key.pem");
  CHECK(r->tls.client_ca_file == "/etc/sonde/ca.pem");
  CHECK(r->tls.client_auth == ClientAuth::require_and_verify);
  CHECK(r->tls.cipher_suites == std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  CHECK(r->tls.curve_preferences == std::vector<std::string>{"X25519"});
  CHECK(r->tls.min_version == 0x0304);
  CHECK(r->tls.max_version == 0x0304);
  CHECK_FALSE(r->tls.prefer_server_cipher_suites);  // yaml.v2 reads "no" as false
  CHECK_FALSE(r->http2);
  CHECK(r->headers.at("X-Frame-Options") == "deny");
  CHECK(r->users.size() == 1);
  CHECK(r->tls_enabled());
}

TEST_CASE("web config: defaults; an empty file is plain HTTP", "[config][web]") {
  auto r = load("");
  REQUIRE(r.ok());
  CHECK_FALSE(r->tls_enabled());
  CHECK(r->tls.min_version == 0x0303);
  CHECK(r->tls.max_version == 0x0304);
  CHECK(r->tls.prefer_server_cipher_suites);
  CHECK(r->http2);
  // client_auth_type "" is no TLS setting; NoClientCert is one.
  CHECK_FALSE(load("tls_server_config:\n  client_auth_type: \"\"\n")->tls_enabled());
  CHECK(load("tls_server_config:\n  client_auth_type: NoClientCert\n")->tls_enabled());
}

TEST_CASE("web config: errors with file:line:column and the toolkit's messages", "[config][web]") {
  CHECK(first_error("tls_server_config:\n  certfile: x\n") ==
        "web.yml:2:3: tls_server_config: unknown key \"certfile\"; expected one of: cert_file, "
        "key_file, client_auth_type, client_ca_file, cipher_suites, curve_preferences, "
        "min_version, max_version, prefer_server_cipher_suites");
  CHECK(first_error("tls_server_config:\n  min_version: TLS1.2\n") ==
        "web.yml:2:16: tls_server_config.min_version: unknown TLS version: TLS1.2");
  CHECK(first_error("tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n") ==
        "web.yml:2:19: tls_server_config.cipher_suites[0]: unknown cipher: "
        "TLS_RSA_WITH_RC4_128_SHA");
  CHECK(first_error("tls_server_config:\n  curve_preferences: [P256]\n") ==
        "web.yml:2:23: tls_server_config.curve_preferences[0]: unknown curve: P256");
  CHECK(first_error("tls_server_config:\n  client_auth_type: Bogus\n") ==
        "web.yml:2:21: tls_server_config.client_auth_type: Invalid ClientAuth: Bogus");
  CHECK(first_error("http_server_config:\n  headers:\n    Server: x\n") ==
        "web.yml:3:13: http_server_config.headers.Server: HTTP header \"Server\" can not be "
        "configured");
  CHECK(first_error("basic_auth_users:\n  u: secret\n") ==
        "web.yml:2:6: basic_auth_users.u: crypto/bcrypt: hashedSecret too short to be a "
        "bcrypted password");
  CHECK(first_error("basic_auth_users:\n  u: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/"
                    "VcEd00UAV/LDeSi\n  u: x\n") ==
        "web.yml:3:3: basic_auth_users.u: key \"u\" already set in map");
  CHECK(first_error("http_server_config:\n  http2: maybe\n") ==
        "web.yml:2:10: http_server_config.http2: expected true or false, got \"maybe\"");
  CHECK(first_error("tls_server_config: [a]\n") ==
        "web.yml:1:20: tls_server_config: expected a map, got a list");
  CHECK(first_error("basic_auth_users:\n  - u\n") ==
        "web.yml:2:3: basic_auth_users: expected a map, got a list");
  // Every error of a file in one pass.
  auto r = load("tls_server_config:\n  min_version: X\n  max_version: Y\nfoo: 1\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().size() == 3);
}

TEST_CASE("web config file: the loader's file checks", "[config][web]") {
  auto r = load_web_config_file("/nonexistent/web.yml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().lines().front().find("/nonexistent/web.yml") != std::string::npos);
  CHECK_FALSE(load_web_config_file("/").ok());  // a directory
}

}  // namespace
}  // namespace sonde::config
