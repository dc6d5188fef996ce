#include "config/http_client_section.hpp"

#include <catch2/catch.hpp>

#include "read_errors.hpp"

using namespace sonde;
using test::Lines;
using test::read_errors;

namespace {

TEST_CASE("iequal and has_key", "[config][http_client]") {
  CHECK(config::iequal("Bearer", "bEARER"));
  CHECK_FALSE(config::iequal("Bearer", "Bearer "));
  CHECK(config::iequal("", ""));
  const YAML::Node n = YAML::Load("{url: x, empty: ~}");
  CHECK(config::has_key(n, "url"));
  CHECK(config::has_key(n, "empty"));
  CHECK_FALSE(config::has_key(n, "other"));
  CHECK_FALSE(config::has_key(YAML::Load("[url]"), "url"));
}

TEST_CASE("read_url: the parsed URL, or an error at the url's column", "[config][http_client]") {
  std::optional<net::Url> url;
  CHECK(read_errors("url: http://am:9093/x\n", [&](config::Reader& r, const YAML::Node& n) {
          url = config::read_url(r, n, "am", "Alertmanager");
        }).empty());
  REQUIRE(url);
  CHECK(url->host == "am");
  CHECK(url->port == 9093);
  const auto missing = read_errors("name: a\n", [&](config::Reader& r, const YAML::Node& n) {
    url = config::read_url(r, n, "am", "Alertmanager");
  });
  CHECK(missing == Lines{"f.yaml:1:1: am: url for Alertmanager is empty"});
  CHECK_FALSE(url);
  const auto bad = read_errors("url: 'ftp://x'\n", [&](config::Reader& r, const YAML::Node& n) {
    url = config::read_url(r, n, "am", "Alertmanager");
  });
  REQUIRE(bad.size() == 1);
  CHECK_THAT(bad[0], Catch::StartsWith("f.yaml:1:6: am.url: invalid URL \"ftp://x\": "));
  CHECK_FALSE(url);
}

TEST_CASE("read_tls_config: a cert needs its key, and the other way round",
          "[config][http_client]") {
  net::TlsOptions tls;
  CHECK(read_errors("ca_file: /ca.pem\nserver_name: am\ninsecure_skip_verify: true\n",
                    [&](config::Reader& r, const YAML::Node& n) {
                      config::read_tls_config(r, n, "tls", tls);
                    })
            .empty());
  CHECK(tls.ca_file == "/ca.pem");
  CHECK(tls.server_name == "am");
  CHECK(tls.insecure_skip_verify);
  const auto cert = read_errors("cert_file: /c.pem\n", [&](config::Reader& r, const YAML::Node& n) {
    net::TlsOptions t;
    config::read_tls_config(r, n, "tls", t);
  });
  CHECK(cert == Lines{"f.yaml:1:1: tls: client cert file specified without client key file"});
  const auto key = read_errors("key_file: /k.pem\n", [&](config::Reader& r, const YAML::Node& n) {
    net::TlsOptions t;
    config::read_tls_config(r, n, "tls", t);
  });
  CHECK(key == Lines{"f.yaml:1:1: tls: client key file specified without client cert file"});
}

TEST_CASE("read_client_auth: basic_auth and a bearer token exclude each other",
          "[config][http_client]") {
  net::ClientOptions c;
  const auto both = read_errors(
      "basic_auth: {username: u, password: p}\nbearer_token: t\n",
      [&](config::Reader& r, const YAML::Node& n) { config::read_client_auth(r, n, "am", c); });
  REQUIRE(both.size() == 1);
  CHECK_THAT(both[0], Catch::StartsWith("f.yaml:1:1: am: at most one of basic_auth"));
  const auto pw = read_errors("basic_auth: {username: u, password: p, password_file: /f}\n",
                              [&](config::Reader& r, const YAML::Node& n) {
                                net::ClientOptions o;
                                config::read_client_auth(r, n, "am", o);
                              });
  CHECK(pw == Lines{"f.yaml:1:13: am.basic_auth: at most one of basic_auth password & "
                    "password_file must be configured"});
}

}  // namespace
