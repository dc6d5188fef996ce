#include "http/router.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/board.hpp"
#include "core/exposition.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "support/gunzip.hpp"

namespace sonde::http {
namespace {

core::SnapshotPtr load_snapshot(double value) {
  core::SnapshotBuilder b;
  b.gauge("node_load1", "1m load average.", {}, value);
  return std::make_shared<const core::Snapshot>(b.take());
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

struct Fixture {
  core::Board board;
  prometheus::Registry registry;
  Router router{board, RouterInfo{"1.2.3", "abc<def>", {"loadavg", "meminfo", "x&<y>"}, {}},
                registry};

  Fixture() {
    board.declare("loadavg", core::ComponentKind::collector);
    board.declare("meminfo", core::ComponentKind::collector);
  }
  Response get(std::string_view target, std::string_view method = "GET") const {
    return router.handle(Request{method, target, {}, {}});
  }
  Response scrape(std::string_view accept, std::string_view encoding = {}) const {
    return router.handle(Request{"GET", "/metrics", accept, encoding});
  }
  std::string self_metrics() const {
    return prometheus::TextSerializer().Serialize(
        const_cast<prometheus::Registry&>(registry).Collect());
  }
};

using test::gunzip;

TEST_CASE("GET /metrics writes the board in text format 0.0.4", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(0.25), 0.001, core::ok());
  const Response r = f.get("/metrics");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.content_type == core::kTextContentType);
  CHECK(r.body.find("# TYPE node_load1 gauge\n") != std::string::npos);
  CHECK(r.body.find("node_load1 0.25\n") != std::string::npos);
  CHECK(r.body.find("node_scrape_collector_success{collector=\"loadavg\"} 1\n") !=
        std::string::npos);
}

constexpr const char* kPrometheus242Accept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

TEST_CASE("/metrics answers Prometheus 2.42's Accept with OpenMetrics 1.0", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(0.25), 0.001, core::ok());
  const Response r = f.scrape(kPrometheus242Accept);
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(r.body.find("# TYPE node_load1 gauge\nnode_load1 0.25\n") != std::string::npos);
  CHECK(r.body.size() >= 6);
  CHECK(r.body.substr(r.body.size() - 6) == "# EOF\n");
  CHECK(header(r, "Vary") == "Accept, Accept-Encoding");
  CHECK(header(r, "Content-Encoding").empty());
  // The same board as text 0.0.4 for a plain client.
  const Response t = f.scrape("*/*");
  CHECK(t.content_type == core::kTextContentType);
  CHECK(t.body.find("# EOF") == std::string::npos);
  CHECK(header(t, "Vary") == "Accept, Accept-Encoding");
}

TEST_CASE("/metrics is gzipped when Accept-Encoding allows it", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(0.25), 0.001, core::ok());
  const Response plain = f.scrape("");
  for (const char* accept : {"", kPrometheus242Accept}) {
    const Response want = f.scrape(accept);
    const Response z = f.scrape(accept, "gzip");
    CHECK(z.status == 200);
    CHECK(header(z, "Content-Encoding") == "gzip");
    CHECK(z.content_type == want.content_type);
    CHECK(gunzip(z.body) == want.body);
  }
  const Response refused = f.scrape("", "gzip;q=0, identity");
  CHECK(header(refused, "Content-Encoding").empty());
  CHECK(refused.body == plain.body);
  // Only /metrics is compressed.
  const Response health = f.router.handle(Request{"GET", "/health", {}, "gzip"});
  CHECK(header(health, "Content-Encoding").empty());
}

TEST_CASE("requests are counted by handler and code, and timed by handler", "[http][router]") {
  Fixture f;
  // Before any request, /metrics' series are there at 0.
  const std::string before = f.self_metrics();
  CHECK(before.find("sonde_http_requests_total{code=\"200\",handler=\"/metrics\"} 0") !=
        std::string::npos);
  CHECK(before.find("sonde_http_request_duration_seconds_count{handler=\"/metrics\"} 0") !=
        std::string::npos);
  f.board.publish("loadavg", load_snapshot(0.25), 0.001, core::ok());
  (void)f.get("/metrics");
  (void)f.get("/metrics", "HEAD");
  (void)f.get("/ready");  // 503: meminfo is pending
  (void)f.get("/metrics", "POST");
  (void)f.get("/wp-admin");
  (void)f.get("/etc/passwd");
  const std::string m = f.self_metrics();
  CAPTURE(m);
  CHECK(m.find("sonde_http_requests_total{code=\"200\",handler=\"/metrics\"} 2") !=
        std::string::npos);
  CHECK(m.find("sonde_http_requests_total{code=\"503\",handler=\"/ready\"} 1") !=
        std::string::npos);
  CHECK(m.find("sonde_http_requests_total{code=\"405\",handler=\"/metrics\"} 1") !=
        std::string::npos);
  // Unknown paths share one label value: scanners cannot grow the series count.
  CHECK(m.find("sonde_http_requests_total{code=\"404\",handler=\"other\"} 2") != std::string::npos);
  CHECK(m.find("wp-admin") == std::string::npos);
  CHECK(m.find("sonde_http_request_duration_seconds_count{handler=\"/metrics\"} 3") !=
        std::string::npos);
  CHECK(m.find("sonde_http_request_duration_seconds_count{handler=\"other\"} 2") !=
        std::string::npos);
  CHECK(m.find("handler=\"/health\"") == std::string::npos);  // never asked
}

TEST_CASE("the query string does not affect routing", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(0.5), 0.001, core::ok());
  const Response r = f.get("/metrics?collect[]=cpu&x=y");
  CHECK(r.status == 200);
  CHECK(r.body == f.get("/metrics").body);
  CHECK(f.get("/health?verbose=1").status == 200);
  CHECK(f.get("/?a=b").content_type.rfind("text/html", 0) == 0);
  CHECK(f.get("/nope?x=/metrics").status == 404);
}

TEST_CASE("/ready is 503 listing what is pending, then 200", "[http][router]") {
  Fixture f;
  Response r = f.get("/ready");
  CHECK(r.status == 503);
  CHECK(r.body.find("loadavg") != std::string::npos);
  CHECK(r.body.find("meminfo") != std::string::npos);

  f.board.publish("loadavg", load_snapshot(1), 0.001, core::ok());
  r = f.get("/ready");
  CHECK(r.status == 503);
  CHECK(r.body.find("loadavg") == std::string::npos);
  CHECK(r.body.find("meminfo") != std::string::npos);

  // A failed first attempt still counts: readiness means "has run", not "has succeeded".
  f.board.publish("meminfo", nullptr, 0.002, core::error("no /proc/meminfo"));
  r = f.get("/ready");
  CHECK(r.status == 200);
  CHECK(r.body == "ready\n");
}

TEST_CASE("/health is JSON, 200 both when ok and when degraded", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(1), 0.125, core::ok());
  f.board.publish("meminfo", load_snapshot(1), 0.25, core::ok());
  Response r = f.get("/health");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  auto doc = nlohmann::json::parse(r.body);
  CHECK(doc["status"] == "ok");
  CHECK(doc["version"] == "1.2.3");
  CHECK(doc["revision"] == "abc<def>");
  REQUIRE(doc["components"].size() == 2);
  const auto& c0 = doc["components"][0];
  CHECK(c0["name"] == "loadavg");
  CHECK(c0["kind"] == "collector");
  CHECK(c0["state"] == "ok");
  CHECK(c0["attempts"] == 1);
  CHECK(c0["last_duration_seconds"].get<double>() == Approx(0.125));
  CHECK(c0["last_error"] == "");

  // Not UTF-8: must not make dump() throw.
  f.board.publish("meminfo", nullptr, 0.5, core::error("cannot read \xff/proc/meminfo"));
  r = f.get("/health");
  CHECK(r.status == 200);
  doc = nlohmann::json::parse(r.body);
  CHECK(doc["status"] == "degraded");
  const auto& c1 = doc["components"][1];
  CHECK(c1["name"] == "meminfo");
  CHECK(c1["state"] == "failing");
  CHECK(c1["attempts"] == 2);
  CHECK(c1["last_error"].get<std::string>().find("/proc/meminfo") != std::string::npos);
}

TEST_CASE("/health shows pending components before their first attempt", "[http][router]") {
  Fixture f;
  const auto doc = nlohmann::json::parse(f.get("/health").body);
  CHECK(doc["status"] == "ok");
  CHECK(doc["components"][0]["state"] == "pending");
  CHECK(doc["components"][0]["attempts"] == 0);
}

TEST_CASE("/ is an HTML page with links, build info and escaped collectors", "[http][router]") {
  Fixture f;
  const Response r = f.get("/");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  for (const char* link : {"href=\"/metrics\"", "href=\"/health\"", "href=\"/ready\""}) {
    CHECK(r.body.find(link) != std::string::npos);
  }
  CHECK(r.body.find("1.2.3") != std::string::npos);
  CHECK(r.body.find("abc&lt;def&gt;") != std::string::npos);
  CHECK(r.body.find("<li>meminfo</li>") != std::string::npos);
  CHECK(r.body.find("x&amp;&lt;y&gt;") != std::string::npos);
  CHECK(r.body.find("x&<y>") == std::string::npos);
}

TEST_CASE("HEAD answers like GET (the server drops the body)", "[http][router]") {
  Fixture f;
  f.board.publish("loadavg", load_snapshot(1), 0.001, core::ok());
  for (const char* path : {"/", "/metrics", "/health", "/ready"}) {
    const Response get = f.get(path);
    const Response head = f.get(path, "HEAD");
    CHECK(head.status == get.status);
    CHECK(head.content_type == get.content_type);
    CHECK(head.body.size() == get.body.size());
  }
}

TEST_CASE("other methods on a known path are 405 with Allow", "[http][router]") {
  Fixture f;
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
    for (const char* path : {"/", "/metrics", "/health", "/ready?x=1"}) {
      const Response r = f.get(path, method);
      CHECK(r.status == 405);
      CHECK(header(r, "Allow") == "GET, HEAD");
    }
  }
}

TEST_CASE("unknown paths are 404, whatever the method", "[http][router]") {
  Fixture f;
  for (const char* path : {"/nope", "/metrics/", "/metrics/x", "", "metrics", "//metrics"}) {
    CHECK(f.get(path).status == 404);
    CHECK(f.get(path, "POST").status == 404);
  }
}

TEST_CASE("query strings decode as Go's url.ParseQuery", "[http][router]") {
  CHECK(parse_query("/x").empty());
  CHECK(parse_query("/x?").empty());
  const QueryParams q = parse_query("/x?type=alert&a=1+2%3D&&b&c=%zz&d;e=1&type=record&%41=%42#f");
  CHECK(q ==
        QueryParams{{"type", "alert"}, {"a", "1 2="}, {"b", ""}, {"type", "record"}, {"A", "B"}});
  CHECK(query_value(q, "type") == "alert");
  CHECK(query_value(q, "missing").empty());
  CHECK(parse_query("/x?a=%4").empty());
}

TEST_CASE("JSON endpoints: decoded parameters in, status and body out, counted by path",
          "[http][router]") {
  core::Board board;
  prometheus::Registry registry;
  RouterInfo info{"1", "r", {}, {}};
  std::string seen;
  info.json_endpoints.emplace_back("/api/v1/rules", [&seen](const QueryParams& q) {
    seen = std::string(query_value(q, "type"));
    if (seen == "bad") return JsonReply{400, R"({"status":"error"})"};
    return JsonReply{200, R"({"status":"success"})"};
  });
  Router router(board, std::move(info), registry);
  Response r = router.handle(Request{"GET", "/api/v1/rules?type=al%65rt", {}, {}});
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"status":"success"})");
  CHECK(seen == "alert");
  r = router.handle(Request{"GET", "/api/v1/rules?type=bad", {}, {}});
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/json");
  CHECK(router.handle(Request{"HEAD", "/api/v1/rules", {}, {}}).status == 200);
  r = router.handle(Request{"POST", "/api/v1/rules", {}, {}});
  CHECK(r.status == 405);
  CHECK(header(r, "Allow") == "GET, HEAD");
  CHECK(router.handle(Request{"GET", "/api/v1/alerts", {}, {}}).status == 404);
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  CHECK(text.find(R"(sonde_http_requests_total{code="200",handler="/api/v1/rules"} 2)") !=
        std::string::npos);
  CHECK(text.find(R"(sonde_http_requests_total{code="400",handler="/api/v1/rules"} 1)") !=
        std::string::npos);
}

}  // namespace
}  // namespace sonde::http
