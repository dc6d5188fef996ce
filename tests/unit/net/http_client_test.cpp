#include "net/http_client.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>

#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using sonde::net::ClientOptions;
using sonde::net::FailureKind;
using sonde::net::Header;
using sonde::net::HttpClient;
using sonde::net::parse_url;
using sonde::test::HttpTestServer;

namespace {

std::unique_ptr<HttpClient> client_for(const std::string& url, ClientOptions o = {}) {
  auto u = parse_url(url);
  REQUIRE(u.ok());
  auto c = HttpClient::create(*u, std::move(o));
  REQUIRE(c.ok());
  return std::move(*c);
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("http client: POST with headers and body, connection kept alive", "[net][client]") {
  HttpTestServer server([](const auto& req) {
    auto r = HttpTestServer::reply(200, "got " + std::to_string(req.body().size()));
    r.set("X-Answer", "42");
    return r;
  });
  ClientOptions o;
  o.user_agent = "sonde/test";
  o.headers = {{"X-Scope-OrgID", "tenant-1"}};
  auto c = client_for(server.url("/api/v1/write?x=1"), o);
  for (int i = 0; i < 3; ++i) {
    auto r = c->request("POST", {{"Content-Type", "application/x-protobuf"}}, "abcdef");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "got 6");
    CHECK(r->header("x-answer") == "42");
  }
  CHECK(c->connections_opened() == 1);
  CHECK(server.connections() == 1);
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].method_string() == "POST");
  CHECK(reqs[0].target() == "/api/v1/write?x=1");
  CHECK(reqs[0][boost::beast::http::field::user_agent] == "sonde/test");
  CHECK(reqs[0]["X-Scope-OrgID"] == "tenant-1");
  CHECK(reqs[0][boost::beast::http::field::content_type] == "application/x-protobuf");
  CHECK(reqs[0][boost::beast::http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(reqs[0].body() == "abcdef");
}

TEST_CASE("http client: a server that closes after each response gets a new connection",
          "[net][client]") {
  HttpTestServer server([](const auto&) {
    auto r = HttpTestServer::reply(204);
    r.keep_alive(false);
    return r;
  });
  auto c = client_for(server.url());
  for (int i = 0; i < 3; ++i) {
    auto r = c->request("POST", {}, "x");
    REQUIRE(r.ok());
    CHECK(r->status == 204);
  }
  CHECK(server.connections() == 3);
}

TEST_CASE("http client: error statuses are responses, with the receiver's message",
          "[net][client]") {
  HttpTestServer server([](const auto&) {
    auto r = HttpTestServer::reply(429, "slow down");
    r.set("Retry-After", "3");
    return r;
  });
  auto c = client_for(server.url());
  auto r = c->request("POST", {}, "x");
  REQUIRE(r.ok());
  CHECK(r->status == 429);
  CHECK(r->body == "slow down");
  CHECK(r->header("Retry-After") == "3");
}

TEST_CASE("http client: a long response body is cut at max_response_body", "[net][client]") {
  HttpTestServer server(
      [](const auto&) { return HttpTestServer::reply(400, std::string(5000, 'e')); });
  ClientOptions o;
  o.max_response_body = 100;
  auto c = client_for(server.url(), o);
  auto r = c->request("POST", {}, "x");
  REQUIRE(r.ok());
  CHECK(r->status == 400);
  CHECK(r->body.size() <= 100);
  auto again = c->request("POST", {}, "x");  // on a new connection
  REQUIRE(again.ok());
  CHECK(again->status == 400);
}

TEST_CASE("http client: connection refused and timeouts are network failures", "[net][client]") {
  unsigned short closed_port = 0;
  {
    HttpTestServer s([](const auto&) { return HttpTestServer::reply(200); });
    closed_port = s.port();
  }
  auto c = client_for("http://127.0.0.1:" + std::to_string(closed_port) + "/");
  auto r = c->request("POST", {}, "x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == FailureKind::network);
  CHECK_THAT(r.error().message, Catch::Contains("connect"));

  // The server answers only once the client has given up (or, if the client hangs, after a
  // deadline only a hang reaches, and then the request succeeds and the test fails): no sleep,
  // and no bound on how long the 200ms timeout took to fire.
  std::promise<void> gave_up;
  const std::shared_future<void> released = gave_up.get_future().share();
  HttpTestServer slow([released](const auto&) {
    released.wait_for(sonde::test::kEventually);
    return HttpTestServer::reply(200);
  });
  ClientOptions o;
  o.timeout = 200ms;
  auto sc = client_for(slow.url(), o);
  auto t = sc->request("POST", {}, "x");
  gave_up.set_value();
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == FailureKind::network);
  CHECK_THAT(t.error().message, Catch::Contains("timed out after 200ms"));
}

TEST_CASE("http client: basic auth from a password file, read at each request", "[net][client]") {
  sonde::test::TempDir dir;
  write_file(dir.path / "pw", "s3cret\n");
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(200); });
  ClientOptions o;
  o.basic_auth = sonde::net::BasicAuth{"alice", "", dir.path / "pw"};
  auto c = client_for(server.url(), o);
  REQUIRE(c->request("POST", {}, "x").ok());
  write_file(dir.path / "pw", "rotated");
  REQUIRE(c->request("POST", {}, "x").ok());
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0][boost::beast::http::field::authorization] == "Basic YWxpY2U6czNjcmV0");
  CHECK(reqs[1][boost::beast::http::field::authorization] == "Basic YWxpY2U6cm90YXRlZA==");
  std::filesystem::remove(dir.path / "pw");
  auto missing = c->request("POST", {}, "x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == FailureKind::local);
  CHECK_THAT(missing.error().message, Catch::Contains("basic_auth.password_file"));
}

TEST_CASE("http client: bearer credentials and userinfo", "[net][client]") {
  sonde::test::TempDir dir;
  write_file(dir.path / "token", "  tok-123 \n");
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(200); });
  ClientOptions o;
  o.authorization = sonde::net::Authorization{"Bearer", "", dir.path / "token"};
  REQUIRE(client_for(server.url(), o)->request("POST", {}, "x").ok());
  auto u = server.url();
  u.insert(7, "bob:pw@");
  REQUIRE(client_for(u)->request("POST", {}, "x").ok());
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0][boost::beast::http::field::authorization] == "Bearer tok-123");
  CHECK(reqs[1][boost::beast::http::field::authorization] == "Basic Ym9iOnB3");
}

TEST_CASE("http client: TLS with a CA file, client certificates, wrong CA and server name",
          "[net][client][tls]") {
  sonde::test::TempDir dir;
  sonde::test::make_test_ca(dir.path, "ca");
  sonde::test::make_test_ca(dir.path, "other");
  sonde::test::make_test_cert(dir.path, "server", "ca");
  sonde::test::make_test_cert(dir.path, "client", "ca", /*client=*/true);
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(200, "tls ok"); },
                        sonde::test::ServerTls{dir.path / "server.pem", dir.path / "server_key.pem",
                                               dir.path / "ca.pem"});
  const std::string url = server.url("/push", /*https=*/true);

  ClientOptions good;
  good.tls.ca_file = dir.path / "ca.pem";
  good.tls.cert_file = dir.path / "client.pem";
  good.tls.key_file = dir.path / "client_key.pem";
  auto c = client_for(url, good);
  for (int i = 0; i < 2; ++i) {
    auto r = c->request("POST", {}, "x");
    REQUIRE(r.ok());
    CHECK(r->body == "tls ok");
  }
  CHECK(c->connections_opened() == 1);

  ClientOptions wrong_ca = good;
  wrong_ca.tls.ca_file = dir.path / "other.pem";
  auto w = client_for(url, wrong_ca)->request("POST", {}, "x");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().kind == FailureKind::tls);
  CHECK_THAT(
      w.error().message,
      Catch::Contains(
          "certificate verify failed (certificate: self-signed certificate in certificate chain)"));

  ClientOptions skip = wrong_ca;
  skip.tls.insecure_skip_verify = true;
  CHECK(client_for(url, skip)->request("POST", {}, "x").ok());

  ClientOptions other_name = good;
  other_name.tls.server_name = "mimir.example";
  auto n = client_for(url, other_name)->request("POST", {}, "x");
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().kind == FailureKind::tls);
  CHECK_THAT(n.error().message, Catch::Contains("hostname mismatch"));

  ClientOptions named = good;
  named.tls.server_name = "localhost";
  CHECK(client_for(url, named)->request("POST", {}, "x").ok());

  ClientOptions no_cert = good;
  no_cert.tls.cert_file.clear();
  no_cert.tls.key_file.clear();
  CHECK_FALSE(client_for(url, no_cert)->request("POST", {}, "x").ok());

  ClientOptions missing_ca = good;
  missing_ca.tls.ca_file = dir.path / "absent.pem";
  auto m = HttpClient::create(*parse_url(url), missing_ca);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().kind == FailureKind::local);
  CHECK_THAT(m.error().message, Catch::Contains("absent.pem"));
}
