// One POST of a JSON body (notify/poster.cpp) against a real HTTP server on loopback
// (tests/support's HttpTestServer): its headers, what counts as taken, the problem text of a
// refusal, and the receiver's sent/errors/latency metrics.
#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <string>

#include "rules/notify/poster.hpp"
#include "support/http_test_server.hpp"

using namespace sonde;
using rules::notify::Poster;
using rules::notify::ReceiverMetrics;
using test::HttpTestServer;

namespace {

struct Rig {
  prometheus::Registry registry;
  ReceiverMetrics metrics{registry, "alertmanager", "x"};
  Poster poster;
  Rig(const std::string& url, std::string user_agent = "sonde/test")
      : poster(*net::parse_url(url), net::ClientOptions{}, std::move(user_agent), metrics) {}
};

}  // namespace

TEST_CASE("poster: a 2xx answer takes the batch", "[rules][notify][poster]") {
  HttpTestServer s([](const auto&) { return HttpTestServer::reply(202); });
  Rig rig(s.url("/api/v2/alerts"));
  const auto r = rig.poster.post(R"([{"labels":{}}])", 3);
  CHECK(r.answered);
  CHECK(r.status == 202);
  CHECK(r.taken());
  CHECK(r.problem.empty());
  const auto reqs = s.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method_string() == "POST");
  CHECK(reqs[0].target() == "/api/v2/alerts");
  CHECK(reqs[0][boost::beast::http::field::content_type] == "application/json");
  CHECK(reqs[0][boost::beast::http::field::user_agent] == "sonde/test");
  CHECK(reqs[0].body() == R"([{"labels":{}}])");
  CHECK(rig.metrics.sent.Value() == 3);
  CHECK(rig.metrics.errors.Value() == 0);
  // The connection is kept for the next request.
  CHECK(rig.poster.post("[]", 0).taken());
  CHECK(s.connections() == 1);
  CHECK(rig.metrics.latency.Collect().summary.sample_count == 2);
}

TEST_CASE("poster: other answers are problems with the status and the body's start",
          "[rules][notify][poster]") {
  HttpTestServer s([](const HttpTestServer::Request& req) {
    if (req.target() == "/long") return HttpTestServer::reply(500, std::string(2000, 'x'));
    if (req.target() == "/empty") return HttpTestServer::reply(503);
    return HttpTestServer::reply(400, "bad alert\r\n");
  });
  Rig bad(s.url("/bad"));
  auto r = bad.poster.post("[]", 2);
  CHECK(r.answered);
  CHECK_FALSE(r.taken());
  CHECK(r.status == 400);
  CHECK(r.problem == "bad response status 400: bad alert");  // line ends trimmed
  CHECK(bad.metrics.sent.Value() == 2);  // sent counts requests made, answered or not
  CHECK(bad.metrics.errors.Value() == 1);
  Rig empty(s.url("/empty"));
  CHECK(empty.poster.post("[]", 1).problem == "bad response status 503");
  Rig lng(s.url("/long"));
  CHECK(lng.poster.post("[]", 1).problem == "bad response status 500: " + std::string(512, 'x'));
}

TEST_CASE("poster: no answer, and interrupted", "[rules][notify][poster]") {
  std::string url;
  {
    HttpTestServer gone([](const auto&) { return HttpTestServer::reply(200); });
    url = gone.url("/");
  }
  Rig dead(url);
  auto r = dead.poster.post("[]", 4);
  CHECK_FALSE(r.answered);
  CHECK_FALSE(r.taken());
  CHECK_FALSE(r.problem.empty());
  CHECK(dead.metrics.errors.Value() == 1);
  CHECK(dead.metrics.sent.Value() == 4);
  dead.poster.interrupt();
  auto i = dead.poster.post("[]", 1);
  CHECK(i.problem == "interrupted");
  CHECK(dead.metrics.sent.Value() == 4);  // no request was made
}

TEST_CASE("poster: a client that cannot be made is an error of the attempt",
          "[rules][notify][poster]") {
  prometheus::Registry registry;
  ReceiverMetrics metrics{registry, "alertmanager", "x"};
  net::ClientOptions o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  Poster p(*net::parse_url("https://127.0.0.1:1/"), o, "", metrics);
  auto r = p.post("[]", 1);
  CHECK_FALSE(r.answered);
  CHECK_FALSE(r.problem.empty());
  CHECK(metrics.errors.Value() == 1);
  CHECK(metrics.sent.Value() == 0);
}
