#include "http/router.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/exposition.hpp"
#include "core/html.hpp"
#include "http/gzip.hpp"

namespace sonde::http {

namespace {

constexpr std::string_view kAllow = "GET, HEAD";

enum class Route { none, index, metrics, health, ready };

// Routing looks at the path only: Prometheus scrape configs may add params (collect[]=...) that
// sonde does not interpret.
std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

// The `handler` label: one value per route, and one for everything else, so that scanning for
// paths cannot grow the series count.
std::string_view handler_label(Route r) {
  switch (r) {
    case Route::index:
      return "/";
    case Route::metrics:
      return "/metrics";
    case Route::health:
      return "/health";
    case Route::ready:
      return "/ready";
    case Route::none:
      break;
  }
  return "other";
}

// Scrapes take 0.1-10 ms here; the default buckets (5 ms and up) would hide them.
const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return b;
}

Route route_of(std::string_view path) {
  if (path == "/") return Route::index;
  if (path == "/metrics") return Route::metrics;
  if (path == "/health") return Route::health;
  if (path == "/ready") return Route::ready;
  return Route::none;
}

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Mirrors Board::ready(): what still holds /ready at 503.
bool is_pending(const core::ComponentStatus& c) {
  if (!c.counts_for_ready) return false;
  if (c.kind == core::ComponentKind::collector) return c.attempts == 0;
  return c.state == core::ComponentState::pending;
}

// Decodes %XX and '+' into `out`; false on a bad escape (Go's url.QueryUnescape fails on it).
bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_digit(in[i + 1]);
      const int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

QueryParams parse_query(std::string_view target) {
  QueryParams out;
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    const std::size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!unescape(pair.substr(0, eq), key)) continue;
    if (eq != std::string_view::npos && !unescape(pair.substr(eq + 1), value)) continue;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string_view query_value(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

Router::Router(const core::Board& board, RouterInfo info, prometheus::Registry& registry)
    : board_(board),
      info_(std::move(info)),
      requests_(prometheus::BuildCounter()
                    .Name("sonde_http_requests_total")
                    .Help("HTTP requests answered, by handler and status code.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("sonde_http_request_duration_seconds")
                    .Help("Time to build an HTTP response (rendering and compression), by "
                          "handler.")
                    .Register(registry)) {
  // /metrics' series exist from the start, so that rate() sees the first scrape; the other
  // handlers' appear on first use (15 histogram series each, mostly never used).
  duration_.Add({{"handler", "/metrics"}}, duration_buckets());
  requests_.Add({{"handler", "/metrics"}, {"code", "200"}});
}

Response Router::handle(const Request& req) const {
  const auto start = std::chrono::steady_clock::now();
  std::string_view handler;
  Response r = route(req, handler);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const std::string label(handler);
  requests_.Add({{"handler", label}, {"code", std::to_string(r.status)}}).Increment();
  duration_.Add({{"handler", label}}, duration_buckets()).Observe(took.count());
  return r;
}

Response Router::route(const Request& req, std::string_view& handler) const {
  const std::string_view path = path_of(req.target);
  const JsonEndpoint* endpoint = nullptr;
  for (const auto& [p, e] : info_.json_endpoints) {
    if (p == path) {
      endpoint = &e;
      handler = p;
      break;
    }
  }
  const Route route = endpoint != nullptr ? Route::none : route_of(path);
  if (endpoint == nullptr) handler = handler_label(route);
  if (route == Route::none && endpoint == nullptr) return text(404, "404 page not found\n");
  if (req.method != "GET" && req.method != "HEAD") {
    Response r = text(405, "405 method not allowed\n");
    r.headers.emplace_back("Allow", kAllow);
    return r;
  }
  if (endpoint != nullptr) return json(*endpoint, req);
  switch (route) {
    case Route::index:
      return index();
    case Route::metrics:
      return metrics(req);
    case Route::health:
      return health();
    case Route::ready:
      return ready();
    case Route::none:
      break;
  }
  return text(404, "404 page not found\n");
}

std::string Router::render(Format format) const {
  std::string out;
  // The last body's size and a little: one allocation instead of a doubling series of copies.
  const std::size_t last = last_body_size_.load(std::memory_order_relaxed);
  out.reserve(last + last / 8);
  const std::vector<core::SnapshotPtr> snapshots = board_.gather();
  if (format == Format::text_0_0_4) {
    core::write_text(snapshots, out);
  } else {
    core::write_openmetrics(snapshots, out);
  }
  last_body_size_.store(out.size(), std::memory_order_relaxed);
  return out;
}

Response Router::json(const JsonEndpoint& endpoint, const Request& req) const {
  JsonReply reply = endpoint(parse_query(req.target));
  Response r;
  r.status = reply.status;
  r.content_type = "application/json";
  r.body = std::move(reply.body);
  return r;
}

Response Router::metrics(const Request& req) const {
  Response r;
  const Format format = negotiate_format(req.accept);
  r.content_type = std::string(content_type(format));
  // Caches must key on both: the same URL has four representations.
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  const bool gzip = accepts_gzip(req.accept_encoding);
  auto compressed = [&] {
    auto z = gzip_compress(render(format));
    if (!z) throw std::runtime_error(z.message());
    return std::move(*z);
  };
  if (req.memory == nullptr) {
    try {
      if (gzip) {
        r.body = compressed();
        r.headers.emplace_back("Content-Encoding", "gzip");
        return r;
      }
    } catch (const std::runtime_error& e) {
      // Identity is always acceptable unless the client says otherwise; nobody does.
      spdlog::warn("http: {}; answering uncompressed", e.what());
    }
    r.body = render(format);
    return r;
  }
  // Read before gathering: a body must never be filed under a later generation than its data.
  ResponseMemory::Key key{board_.generation(), static_cast<int>(format), gzip};
  if (gzip) {
    try {
      r.shared_body = req.memory->get(key, compressed);
      if (r.shared_body) r.headers.emplace_back("Content-Encoding", "gzip");
    } catch (const std::runtime_error& e) {
      spdlog::warn("http: {}; answering uncompressed", e.what());
      key.gzip = false;
    }
  }
  if (!key.gzip) r.shared_body = req.memory->get(key, [&] { return render(format); });
  if (!r.shared_body) {
    r = text(503, "response memory limit reached (web.max_response_bytes_in_flight)\n");
    r.over_memory_limit = true;
  }
  return r;
}

Response Router::health() const {
  using nlohmann::json;
  bool degraded = false;
  json components = json::array();
  for (const core::ComponentStatus& c : board_.components()) {
    degraded = degraded || c.state == core::ComponentState::failing;
    components.push_back({
        {"name", c.name},
        {"kind", core::kind_name(c.kind)},
        {"state", core::state_name(c.state)},
        {"attempts", c.attempts},
        {"last_duration_seconds", c.last_duration_seconds},
        {"last_error", c.last_error},
    });
  }
  const json doc = {
      {"status", degraded ? "degraded" : "ok"},
      {"version", info_.version},
      {"revision", info_.revision},
      {"components", std::move(components)},
  };
  Response r;
  r.content_type = "application/json";
  // An error message may quote bytes from /proc or a path that are not UTF-8; dump() would throw
  // on them by default.
  r.body = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Response Router::ready() const {
  if (board_.ready()) return text(200, "ready\n");
  std::string body = "not ready; waiting for:";
  const char* sep = " ";
  for (const core::ComponentStatus& c : board_.components()) {
    if (!is_pending(c)) continue;
    body += sep;
    body += c.name;
    sep = ", ";
  }
  body += '\n';
  return text(503, std::move(body));
}

Response Router::index() const {
  std::string page =
      "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>sonde</title></head>\n"
      "<body>\n<h1>sonde</h1>\n<p>version ";
  core::append_html_escaped(page, info_.version);
  page += ", revision ";
  core::append_html_escaped(page, info_.revision);
  page +=
      "</p>\n<ul>\n"
      "<li><a href=\"/metrics\">/metrics</a></li>\n"
      "<li><a href=\"/health\">/health</a></li>\n"
      "<li><a href=\"/ready\">/ready</a></li>\n"
      "</ul>\n<h2>Enabled collectors</h2>\n<ul>\n";
  for (const std::string& name : info_.enabled_collectors) {
    page += "<li>";
    core::append_html_escaped(page, name);
    page += "</li>\n";
  }
  page += "</ul>\n</body>\n</html>\n";
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(page);
  return r;
}

}  // namespace sonde::http
