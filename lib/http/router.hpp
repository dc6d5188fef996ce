// sonde's HTTP routes, socket-free: a Request in, a Response out. server.cpp (the only file that
// includes Beast) feeds it; tests call it directly.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "http/negotiate.hpp"
#include "http/response_memory.hpp"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace sonde::http {

struct Request {
  std::string_view method;  // "GET", "HEAD", ...
  std::string_view target;  // "/metrics?x=y"
  std::string_view accept;
  std::string_view accept_encoding;
  /// The server's shared /metrics bodies; null: each scrape renders its own (tests).
  ResponseMemory* memory = nullptr;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
  /// When set, the body sent instead of `body` (shared with concurrent scrapes).
  SharedBody shared_body;
  /// A 503 because web.max_response_bytes_in_flight are held (the server counts it).
  bool over_memory_limit = false;
};

/// A query string's parameters in order, decoded as Go's url.ParseQuery decodes them ('+' is a
/// space, %XX a byte; a pair with a bad escape or a ';' is dropped).
using QueryParams = std::vector<std::pair<std::string, std::string>>;
QueryParams parse_query(std::string_view target);
/// The first value of `name`, "" when absent (Go's url.Values.Get).
std::string_view query_value(const QueryParams& params, std::string_view name);

/// A JSON endpoint that another part of sonde serves (the rules' /api/v1/rules and
/// /api/v1/alerts), wired by daemon/ so that lib/http depends on none of them: the decoded query
/// parameters in, the status and the JSON body out. Called on an HTTP thread.
struct JsonReply {
  int status = 200;
  std::string body;
};
using JsonEndpoint = std::function<JsonReply(const QueryParams&)>;

/// What the index page and /health show about the build, and the JSON endpoints by path.
struct RouterInfo {
  std::string version;
  std::string revision;
  std::vector<std::string> enabled_collectors;
  std::vector<std::pair<std::string, JsonEndpoint>> json_endpoints;
};

/// Routes: `/`, `/metrics` (text 0.0.4 or OpenMetrics by the Accept header, gzip by
/// Accept-Encoding), `/health`, `/ready`, and the JSON endpoints of RouterInfo (handler = path).
/// Counts every request it answers in sonde_http_requests_total{handler,code} and
/// sonde_http_request_duration_seconds{handler} (time to build the response, compression included),
/// registered in `registry`, which must outlive the router.
class Router {
 public:
  Router(const core::Board& board, RouterInfo info, prometheus::Registry& registry);
  /// Thread-safe. For HEAD the body is computed (its length is the Content-Length) and the
  /// server omits it.
  Response handle(const Request& req) const;

 private:
  Response route(const Request& req, std::string_view& handler) const;
  Response metrics(const Request& req) const;
  std::string render(Format format) const;
  Response health() const;
  Response ready() const;
  Response index() const;
  Response json(const JsonEndpoint& endpoint, const Request& req) const;

  const core::Board& board_;
  RouterInfo info_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  /// The size of the last /metrics body rendered, to reserve the next one's.
  mutable std::atomic<std::size_t> last_body_size_{0};
};

}  // namespace sonde::http
