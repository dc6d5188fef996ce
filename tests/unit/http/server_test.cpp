// The server on real loopback sockets (port 0), with a client that never blocks past a deadline.
// The client is plain Asio with its own small response reader, so the wire format is checked by
// something other than Beast itself.
#include "http/server.hpp"

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/exposition.hpp"
#include "core/metrics.hpp"
#include "http/options.hpp"
#include "http/router.hpp"
#include "http/security.hpp"
#include "http/timers.hpp"
#include "support/eventually.hpp"

namespace sonde::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

// Generous: only a broken server gets anywhere near it.
constexpr auto kDeadline = 5s;

using test::eventually;

tcp::endpoint endpoint_of(const std::string& address) {
  const auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {asio::ip::make_address(host),
          static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
  }
  bool keep_alive() const {
    const std::string c = lower(header("connection"));
    return version == "HTTP/1.1" ? c != "close" : c == "keep-alive";
  }
};

/// A blocking HTTP/1.1 client whose every wait ends at kDeadline. Responses must carry a
/// Content-Length (sonde's always do).
class Client {
 public:
  /// From `from` (a loopback address such as 127.0.0.2) when given; with a receive buffer of
  /// `rcvbuf` bytes when given (a client that never reads then holds the server's response).
  explicit Client(const std::string& address, const std::string& from = {}, int rcvbuf = 0)
      : socket_(io_) {
    error_code ec;
    if (!from.empty() || rcvbuf > 0) socket_.open(tcp::v4(), ec);
    if (!ec && rcvbuf > 0) socket_.set_option(asio::socket_base::receive_buffer_size(rcvbuf), ec);
    if (!ec && !from.empty()) socket_.bind({asio::ip::make_address(from), 0}, ec);
    if (!ec) socket_.connect(endpoint_of(address), ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }

  void send(std::string_view raw) {
    error_code ec;
    asio::write(socket_, asio::buffer(raw.data(), raw.size()), ec);
  }
  void send_get(std::string_view target, std::string_view extra = {}) {
    send("GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) +
         "\r\n");
  }

  /// One response, or nullopt if the connection closed or the deadline passed.
  std::optional<HttpResponse> read(bool head = false) {
    last_error = run([&](auto done) {
      asio::async_read_until(socket_, asio::dynamic_buffer(buf_), "\r\n\r\n", done);
    });
    if (last_error) return std::nullopt;
    const auto end = buf_.find("\r\n\r\n");
    HttpResponse r = parse_head(buf_.substr(0, end));
    buf_.erase(0, end + 4);
    if (head) return r;
    const std::size_t length = std::stoul(r.header("content-length"));
    if (buf_.size() < length) {
      last_error = run([&](auto done) {
        asio::async_read(socket_, asio::dynamic_buffer(buf_),
                         asio::transfer_at_least(length - buf_.size()), done);
      });
      if (last_error) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  std::optional<HttpResponse> get(std::string_view target) {
    send_get(target);
    return read();
  }

  /// True once the server has closed the connection (EOF or reset), discarding anything it
  /// sends first; false if it is still open at the deadline.
  bool closed_by_server() {
    buf_.clear();
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < end) {
      char tmp[4096];
      const error_code ec =
          run([&](auto done) { socket_.async_read_some(asio::buffer(tmp), done); });
      if (ec == asio::error::timed_out) return false;
      if (ec) return true;  // eof, connection_reset
    }
    return false;
  }

  void close() {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  error_code last_error;

 private:
  static HttpResponse parse_head(const std::string& head) {
    HttpResponse r;
    std::size_t pos = head.find("\r\n");
    const std::string status_line = head.substr(0, pos);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string line = head.substr(pos + 2, next - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) throw std::runtime_error("bad header line: " + line);
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers[lower(line.substr(0, colon))] = line.substr(v);
      pos = next;
    }
    return r;
  }

  // Runs one asynchronous operation to completion or to the deadline (then: timed_out).
  template <class Op>
  error_code run(Op op) {
    std::optional<error_code> result;
    op([&result](error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run_for(kDeadline);
    if (result) return *result;
    error_code ignored;
    socket_.cancel(ignored);
    io_.restart();
    io_.run();
    return asio::error::timed_out;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::string buf_;
  bool connected_ = false;
};

Response echo(const Request& req) {
  Response r;
  if (req.target == "/big") {
    r.body.assign(200'000, 'x');
  } else if (req.target == "/throw") {
    throw std::runtime_error("boom");
  } else {
    r.body = std::string(req.method) + " " + std::string(req.target);
  }
  r.headers.emplace_back("X-Test", "1");
  return r;
}

http::WebOptions options() {
  http::WebOptions o;
  o.listen_address = "127.0.0.1:0";
  return o;
}

/// A Server on an io_context run by two threads (so strands matter), stopped and joined at
/// the end.
class TestServer {
 public:
  explicit TestServer(http::WebOptions o, Server::Handler h = echo,
                      std::shared_ptr<Timers> timers = nullptr)
      : server(io, std::move(o), std::move(h), registry, std::move(timers)) {}
  ~TestServer() {
    server.stop();
    if (!wait_stopped()) io.stop();  // a failed test must not hang the binary
    for (auto& t : threads_) t.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  void start() {
    const core::Status st = server.start();
    REQUIRE(st.ok());
    for (int i = 0; i < 2; ++i) {
      running_++;
      threads_.emplace_back([this] {
        io.run();
        running_--;
      });
    }
  }
  /// True if every io_context thread has returned from run() within the deadline.
  bool wait_stopped() {
    return eventually([this] { return running_.load() == 0; });
  }
  std::string address() const { return server.local_address(); }

  asio::io_context io;
  prometheus::Registry registry;
  Server server;

 private:
  std::atomic<int> running_{0};
  std::vector<std::thread> threads_;
};

TEST_CASE("server answers GET with the handler's response and sonde's headers", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  REQUIRE(c.connected());
  auto r = c.get("/hello?x=1");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "GET /hello?x=1");
  CHECK(r->header("server") == "sonde");
  CHECK(r->header("content-type") == "text/plain; charset=utf-8");
  CHECK(r->header("content-length") == "14");
  CHECK(r->header("X-Test") == "1");
  CHECK(r->keep_alive());
}

TEST_CASE("server serves the router's /metrics, and HEAD without a body", "[http][server]") {
  core::Board board;
  board.declare("loadavg", core::ComponentKind::collector);
  core::SnapshotBuilder b;
  b.gauge("node_load1", "1m load average.", {}, 0.5);
  board.publish("loadavg", std::make_shared<const core::Snapshot>(b.take()), 0.01, core::ok());
  prometheus::Registry router_registry;
  Router router(board, RouterInfo{"1.0", "abc", {"loadavg"}, {}}, router_registry);
  TestServer s(options(), [&router](const Request& req) { return router.handle(req); });
  s.start();

  Client c(s.address());
  REQUIRE(c.connected());
  auto r = c.get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type") == std::string(core::kTextContentType));
  CHECK_THAT(r->body, Contains("node_load1 0.5\n"));
  const std::string length = std::to_string(r->body.size());

  // If HEAD sent a body, the GET after it on the same connection would not parse.
  c.send("HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
  auto h = c.read(/*head=*/true);
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(h->header("content-length") == length);
  CHECK(h->body.empty());
  auto again = c.get("/ready");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->body == "ready\n");

  auto post = c.get("/nope");
  REQUIRE(post);
  CHECK(post->status == 404);
  c.send("POST /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc");
  auto m = c.read();
  REQUIRE(m);
  CHECK(m->status == 405);
  CHECK(m->header("allow") == "GET, HEAD");
}

TEST_CASE("keep-alive: two requests on one connection", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  auto a = c.get("/a");
  auto b = c.get("/big");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->body == "GET /a");
  CHECK(b->body.size() == 200'000);
  CHECK(s.server.connections() == 1);
}

TEST_CASE("pipelined requests are answered in order", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  c.send(
      "GET /first HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /big HTTP/1.1\r\nHost: test\r\n\r\n"
      "HEAD /third HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /fourth HTTP/1.1\r\nHost: test\r\n\r\n");
  auto r1 = c.read();
  auto r2 = c.read();
  auto r3 = c.read(/*head=*/true);
  auto r4 = c.read();
  REQUIRE(r1);
  REQUIRE(r2);
  REQUIRE(r3);
  REQUIRE(r4);
  CHECK(r1->body == "GET /first");
  CHECK(r2->body.size() == 200'000);
  CHECK(r3->header("content-length") == "11");
  CHECK(r4->body == "GET /fourth");
}

TEST_CASE("a request without keep-alive is answered and the connection closed", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c10(s.address());
  c10.send("GET /old HTTP/1.0\r\n\r\n");
  auto r = c10.read();
  REQUIRE(r);
  CHECK(r->body == "GET /old");
  CHECK(c10.closed_by_server());

  Client c11(s.address());
  c11.send_get("/bye", "Connection: close\r\n");
  r = c11.read();
  REQUIRE(r);
  CHECK_FALSE(r->keep_alive());
  CHECK(c11.closed_by_server());
  CHECK(eventually([&] { return s.server.connections() == 0; }));
}

TEST_CASE("a handler that throws gives 500, and the connection lives on", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  auto r = c.get("/throw");
  REQUIRE(r);
  CHECK(r->status == 500);
  r = c.get("/after");
  REQUIRE(r);
  CHECK(r->body == "GET /after");
}

TEST_CASE("malformed requests get 400 and a close", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  c.send("this is not http\r\n\r\n");
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(c.closed_by_server());
  CHECK(s.server.rejected("bad_request") == 1);
}

TEST_CASE("a header larger than max_header_bytes gets 431 or a close", "[http][server]") {
  auto o = options();
  o.max_header_bytes = 1024;
  TestServer s(o);
  s.start();
  Client c(s.address());
  c.send_get("/x", "X-Big: " + std::string(4000, 'a') + "\r\n");
  if (auto r = c.read()) {
    CHECK(r->status == 431);
    CHECK_FALSE(r->keep_alive());
  }
  CHECK(c.closed_by_server());
  CHECK(s.server.rejected("header_too_large") == 1);

  // Just under the limit is fine.
  Client ok(s.address());
  auto r = ok.get("/small");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a body over the limit gets 413 or a close", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  c.send("POST /x HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n");
  if (auto r = c.read()) CHECK(r->status == 413);
  CHECK(c.closed_by_server());
  CHECK(s.server.rejected("body_too_large") == 1);
}

TEST_CASE("connections beyond max_connections are closed at once and counted", "[http][server]") {
  auto o = options();
  o.max_connections = 2;
  TestServer s(o);
  s.start();
  Client c1(s.address());
  Client c2(s.address());
  // A response on each means the server has accepted and counted both.
  REQUIRE(c1.get("/1"));
  REQUIRE(c2.get("/2"));
  CHECK(s.server.connections() == 2);

  Client c3(s.address());
  CHECK(c3.closed_by_server());
  CHECK(s.server.rejected_connections() == 1);
  CHECK(s.server.rejected("max_connections") == 1);
  CHECK(s.server.connections() == 2);

  // The others are unaffected; a closed one frees its slot.
  REQUIRE(c1.get("/1again"));
  c2.close();
  REQUIRE(eventually([&] { return s.server.connections() == 1; }));
  Client c4(s.address());
  auto r = c4.get("/4");
  REQUIRE(r);
  CHECK(r->body == "GET /4");
  CHECK(s.server.rejected_connections() == 1);
}

// The timeout tests run the server's deadlines on ManualTimers: time moves only by advance(),
// once the connection has armed the deadline under test (armed() lists what is armed).
using Offsets = std::vector<std::chrono::nanoseconds>;

TEST_CASE("a request that does not arrive within read_timeout is dropped", "[http][server]") {
  auto o = options();
  o.read_timeout = 200ms;
  auto timers = std::make_shared<ManualTimers>();
  TestServer s(o, echo, timers);
  s.start();

  Client half(s.address());
  half.send("GET /metrics HTTP/1.1\r\nHo");
  Client silent(s.address());
  REQUIRE(eventually([&] { return timers->armed() == Offsets{200ms, 200ms}; }));
  timers->advance(199ms);
  CHECK(timers->armed() == Offsets{1ms, 1ms});  // nothing has fired
  CHECK(s.server.rejected("read_timeout") == 0);
  timers->advance(1ms);
  CHECK(half.closed_by_server());
  CHECK(silent.closed_by_server());
  CHECK(eventually([&] { return s.server.connections() == 0; }));
  CHECK(s.server.rejected("read_timeout") == 2);
}

TEST_CASE("a request trickling in after an idle pause still gets read_timeout", "[http][server]") {
  auto o = options();
  o.read_timeout = 200ms;
  o.idle_timeout = 60s;
  auto timers = std::make_shared<ManualTimers>();
  TestServer s(o, echo, timers);
  s.start();
  Client c(s.address());
  REQUIRE(c.get("/first"));
  // Idle between requests is allowed for idle_timeout; a started request must finish within
  // read_timeout of its first bytes.
  REQUIRE(eventually([&] { return timers->armed() == Offsets{60s}; }));
  timers->advance(59s);
  c.send("GET /second HTTP/1.1\r\n");
  REQUIRE(eventually([&] { return timers->armed() == Offsets{200ms}; }));
  timers->advance(200ms);
  CHECK(c.closed_by_server());
  CHECK(eventually([&] { return s.server.rejected("read_timeout") == 1; }));
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout", "[http][server]") {
  auto o = options();
  o.idle_timeout = 200ms;
  auto timers = std::make_shared<ManualTimers>();
  TestServer s(o, echo, timers);
  s.start();
  Client c(s.address());
  REQUIRE(c.get("/once"));
  REQUIRE(eventually([&] { return timers->armed() == Offsets{200ms}; }));
  timers->advance(199ms);
  REQUIRE(c.get("/twice"));  // still open; a request starts the idle time again
  REQUIRE(eventually([&] { return timers->armed() == Offsets{200ms}; }));
  timers->advance(200ms);
  CHECK(c.closed_by_server());
  CHECK(eventually([&] { return s.server.connections() == 0; }));
  CHECK(s.server.rejected("read_timeout") == 0);  // idle after a request is normal
}

TEST_CASE("a response the client does not take within write_timeout is dropped and counted",
          "[http][server]") {
  auto o = options();
  o.write_timeout = 300ms;
  auto timers = std::make_shared<ManualTimers>();
  // More than the socket buffers hold (loopback's grow to a few MiB) for a client that never
  // reads.
  auto huge = [](const Request&) {
    Response r;
    r.body.assign(std::size_t{32} << 20, 'x');
    return r;
  };
  TestServer s(o, huge, timers);
  s.start();
  Client c(s.address(), "", 4096);
  c.send_get("/huge");
  REQUIRE(eventually([&] { return timers->armed() == Offsets{300ms}; }));
  timers->advance(299ms);
  CHECK(s.server.rejected("write_timeout") == 0);
  timers->advance(1ms);
  CHECK(eventually([&] { return s.server.rejected("write_timeout") == 1; }));
  CHECK(eventually([&] { return s.server.connections() == 0; }));
}

TEST_CASE("start() fails with the address when the port is in use", "[http][server]") {
  asio::io_context io;
  prometheus::Registry first_registry;
  Server first(io, options(), echo, first_registry);
  REQUIRE(first.start().ok());
  const std::string taken = first.local_address();

  auto o = options();
  o.listen_address = taken;
  prometheus::Registry second_registry;
  Server second(io, o, echo, second_registry);
  const core::Status st = second.start();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Contains(taken));
  CHECK_THAT(st.message(), Contains("in use"));
}

TEST_CASE("start() rejects malformed listen addresses", "[http][server]") {
  asio::io_context io;
  for (const char* bad : {"", "9477", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536",
                          "::1:9477", "[::1]9477", "[::1", "no-such-host.invalid:0"}) {
    auto o = options();
    o.listen_address = bad;
    prometheus::Registry server_registry;
    Server server(io, o, echo, server_registry);
    const core::Status st = server.start();
    CHECK_FALSE(st.ok());
    if (!st.ok()) CHECK_THAT(st.message(), Contains(bad));
  }
}

// Containers often run without IPv6, loopback included.
bool have_ipv6_loopback() {
  asio::io_context io;
  tcp::acceptor a(io);
  error_code ec;
  a.open(tcp::v6(), ec);
  if (!ec) a.bind(tcp::endpoint(asio::ip::address_v6::loopback(), 0), ec);
  return !ec;
}

TEST_CASE("listen addresses: IPv4, [IPv6], :port and a host name", "[http][server]") {
  struct Case {
    const char* listen;
    const char* prefix;
  };
  const bool v6 = have_ipv6_loopback();
  for (const Case& c : {Case{"127.0.0.1:0", "127.0.0.1:"}, Case{"[::1]:0", "[::1]:"},
                        Case{":0", ""}, Case{"localhost:0", ""}}) {
    INFO(c.listen);
    if (!v6 && std::string_view(c.listen) == "[::1]:0") {
      WARN("no IPv6 loopback on this host: [::1]:0 not tested");
      continue;
    }
    auto o = options();
    o.listen_address = c.listen;
    TestServer s(o);
    s.start();
    const std::string bound = s.address();
    CHECK(bound.rfind(c.prefix, 0) == 0);
    CHECK(bound.substr(bound.rfind(':') + 1) != "0");
    // ":0" binds every interface; reach it through loopback.
    std::string target = bound;
    if (std::string_view(c.listen) == ":0") target = "127.0.0.1" + bound.substr(bound.rfind(':'));
    Client client(target);
    REQUIRE(client.connected());
    auto r = client.get("/x");
    REQUIRE(r);
    CHECK(r->body == "GET /x");
  }
}

TEST_CASE("stop() closes an idle keep-alive connection and lets run() return", "[http][server]") {
  TestServer s(options());
  s.start();
  Client c(s.address());
  REQUIRE(c.get("/x"));
  s.server.stop();
  CHECK(s.wait_stopped());
  CHECK(c.closed_by_server());
  CHECK(s.server.connections() == 0);
  // Idempotent, and new connections are refused.
  s.server.stop();
  Client late(s.address());
  CHECK_FALSE(late.connected());
}

TEST_CASE("stop() lets an in-flight request finish, then closes", "[http][server]") {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  auto slow = [&](const Request& req) {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return echo(req);
  };
  TestServer s(options(), slow);
  s.start();
  Client c(s.address());
  c.send_get("/slow");
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, kDeadline, [&] { return entered; }));
  }
  s.server.stop();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->body == "GET /slow");
  CHECK_FALSE(r->keep_alive());
  CHECK(c.closed_by_server());
  CHECK(s.wait_stopped());
}

TEST_CASE("one client address cannot take more than max_connections_per_client", "[http][server]") {
  auto o = options();
  o.max_connections_per_client = 2;
  TestServer s(o);
  s.start();
  Client c1(s.address());
  Client c2(s.address());
  REQUIRE(eventually([&] { return s.server.connections() == 2; }));
  Client c3(s.address());
  CHECK(c3.closed_by_server());
  CHECK(s.server.rejected("per_client_limit") == 1);
  // Another address has slots of its own (the listener is on 127.0.0.1; 127.0.0.2 reaches it).
  Client other(s.address(), "127.0.0.2");
  auto r = other.get("/other");
  REQUIRE(r);
  CHECK(r->status == 200);
  // The held ones still work, and a closed one frees its address's slot.
  REQUIRE(c1.get("/1"));
  c2.close();
  REQUIRE(eventually([&] { return s.server.connections() == 2; }));
  Client c4(s.address());
  REQUIRE(c4.get("/4"));
  CHECK(s.server.rejected("per_client_limit") == 1);
}

TEST_CASE("connections before their first request have a cap of their own", "[http][server]") {
  auto o = options();
  o.max_pending_connections = 2;
  o.max_connections = 2;
  TestServer s(o);
  s.start();
  Client established(s.address());
  REQUIRE(established.get("/1"));
  CHECK(s.server.pending_connections() == 0);
  Client silent1(s.address(), "127.0.0.2");
  Client silent2(s.address(), "127.0.0.3");
  REQUIRE(eventually([&] { return s.server.pending_connections() == 2; }));
  Client refused(s.address(), "127.0.0.4");
  CHECK(refused.closed_by_server());
  CHECK(s.server.rejected("pending_limit") == 1);
  // The established connection is unaffected.
  REQUIRE(established.get("/2"));
  // A pending one that sends its request takes an established slot and frees its pending one.
  auto r = silent1.get("/3");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(s.server.pending_connections() == 1);
  // Both established slots are taken: the last pending one is answered 503 once its request
  // is read, and closed.
  auto full = silent2.get("/4");
  REQUIRE(full);
  CHECK(full->status == 503);
  CHECK(silent2.closed_by_server());
  CHECK(s.server.rejected("max_connections") == 1);
}

TEST_CASE("a connection must complete its first request within read_timeout of its accept",
          "[http][server]") {
  auto o = options();
  o.read_timeout = 300ms;
  auto timers = std::make_shared<ManualTimers>();
  TestServer s(o, echo, timers);
  s.start();
  Client c(s.address());
  REQUIRE(eventually([&] { return timers->arms() == 1; }));  // waiting for the first bytes
  timers->advance(100ms);
  c.send("GET / HTTP/1.1\r\n");  // begun, never finished
  // Read and armed again for the rest of the request: still 300 ms from the accept.
  REQUIRE(eventually([&] { return timers->arms() == 2; }));
  CHECK(timers->armed() == Offsets{200ms});
  timers->advance(200ms);
  CHECK(c.closed_by_server());
  // The socket closes on the timeout before the handler that counts it runs.
  CHECK(eventually([&] { return s.server.rejected("read_timeout") == 1; }));
  CHECK(eventually([&] { return s.server.pending_connections() == 0; }));
}

TEST_CASE("a scrape refused for response memory is counted and shared bodies are held while sent",
          "[http][server]") {
  core::Board board;
  board.declare("big", core::ComponentKind::collector);
  core::SnapshotBuilder b;
  for (int i = 0; i < 100'000; ++i) {
    const std::string value = std::to_string(i);  // a Label only views its text
    const core::Label l[] = {{"i", value}};
    b.gauge("sonde_test_padding", "Padding.", l, i);
  }
  board.publish("big", std::make_shared<const core::Snapshot>(b.take()), 0.01, core::ok());
  prometheus::Registry router_registry;
  Router router(board, RouterInfo{"1.0", "abc", {"big"}, {}}, router_registry);
  auto o = options();
  TestServer s(o, [&router](const Request& req) { return router.handle(req); });
  s.start();
  Client first(s.address());
  auto r = first.get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const std::size_t size = r->body.size();
  REQUIRE(size > 3'000'000);
  CHECK(eventually([&] { return s.server.response_bytes() == 0; }));  // taken: not held

  // Clients that never read: each holds the (shared) body until write_timeout.
  // The first one's body is in flight before the others ask (two I/O threads that miss at the
  // same moment may both render).
  std::vector<std::unique_ptr<Client>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<Client>(s.address(), "", 4096));
    stalled.back()->send_get("/metrics");
    if (i == 0) REQUIRE(eventually([&] { return s.server.response_bytes() > 0; }));
  }
  auto served = [&] {  // sonde_http_requests_total{code="200",handler="/metrics"}
    for (const auto& family : router_registry.Collect()) {
      if (family.name != "sonde_http_requests_total") continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) {
          if (l.name == "code" && l.value == "200") return m.counter.value;
        }
      }
    }
    return 0.0;
  };
  REQUIRE(eventually([&] { return served() == 5; }));
  CHECK(s.server.response_bytes() == size);  // one copy for all four
  // A limit below what is held: a new generation cannot be rendered, so a scrape gets 503.
  o.max_response_bytes_in_flight = size;
  REQUIRE(s.server.reconfigure(o).ok());
  board.publish("big", std::make_shared<const core::Snapshot>(core::SnapshotBuilder().take()), 0.01,
                core::ok());
  Client late(s.address());
  auto refused = late.get("/metrics");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(s.server.rejected("response_memory") == 1);
  // Once the stalled clients are gone, the body is freed and scrapes are served again.
  for (auto& c : stalled) c->close();
  REQUIRE(eventually([&] { return s.server.response_bytes() == 0; }));
  auto again = late.get("/metrics");
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("web_change: only another listen address needs a new listener", "[http][server]") {
  const http::WebOptions a = options();
  http::WebOptions b = a;
  CHECK(web_change(a, b) == WebChange::none);
  b.max_connections = a.max_connections + 1;
  CHECK(web_change(a, b) == WebChange::reconfigure);
  b = a;
  b.max_header_bytes = 100;
  b.read_timeout = 1ms;
  b.idle_timeout = 2ms;
  b.write_timeout = 3ms;
  CHECK(web_change(a, b) == WebChange::reconfigure);
  b.listen_address = "127.0.0.1:1";
  CHECK(web_change(a, b) == WebChange::new_listener);
}

TEST_CASE("reconfigure applies limits to the running listener and connections stay",
          "[http][server]") {
  auto o = options();
  o.max_connections = 1;
  TestServer s(o);
  s.start();
  const std::string address = s.address();
  Client c1(address);
  REQUIRE(c1.get("/1"));
  Client refused(address);
  CHECK(refused.closed_by_server());
  CHECK(s.server.rejected("max_connections") == 1);

  o.max_connections = 2;
  o.max_header_bytes = 512;
  REQUIRE(s.server.reconfigure(o).ok());
  CHECK(s.server.options() == o);
  CHECK(s.address() == address);  // the same socket, port 0 not bound again
  Client c2(address);
  REQUIRE(c2.get("/2"));
  CHECK(s.server.connections() == 2);
  // The connection opened before carries on, under the new header limit from its next request.
  c1.send_get("/big-header", "X-Pad: " + std::string(1000, 'x') + "\r\n");
  if (auto r = c1.read()) CHECK(r->status == 431);
  CHECK(s.server.rejected("header_too_large") == 1);

  auto moved = o;
  moved.listen_address = "127.0.0.1:1";
  const core::Status st = s.server.reconfigure(moved);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Contains("need a new listener"));
  CHECK(s.server.options() == o);
}

TEST_CASE("a Server destroyed without its io_context ever running is fine", "[http][server]") {
  asio::io_context io;
  {
    prometheus::Registry server_registry;
    Server server(io, options(), echo, server_registry);
    REQUIRE(server.start().ok());
    Client c(server.local_address());
    CHECK(c.connected());  // in the backlog, never accepted
  }
  io.run_for(100ms);  // the stop posted by ~Server runs and closes the acceptor
}

}  // namespace

namespace {

/// A plain-HTTP web config with one user (the toolkit's dummy hash is "fakepassword" at cost 10).
std::shared_ptr<const Security> users_only() {
  WebConfigSpec spec;
  spec.file = "web.yml";
  spec.users["prometheus"] = std::string(Authenticator::kDummyHash);
  spec.headers["X-Content-Type-Options"] = "nosniff";
  auto s = build_security(spec);
  REQUIRE(s.ok());
  return *s;
}

// "prometheus:fakepassword" and "prometheus:wrong" in base64.
constexpr std::string_view kGood = "Authorization: Basic cHJvbWV0aGV1czpmYWtlcGFzc3dvcmQ=\r\n";
constexpr std::string_view kWrong = "Authorization: Basic cHJvbWV0aGV1czp3cm9uZw==\r\n";

/// An Authorization header line for "user:password" `creds`.
std::string basic_auth(const std::string& creds) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (std::size_t j = 0; j < creds.size(); j += 3) {
    const unsigned n = (static_cast<unsigned char>(creds[j]) << 16) |
                       (j + 1 < creds.size() ? static_cast<unsigned char>(creds[j + 1]) << 8 : 0) |
                       (j + 2 < creds.size() ? static_cast<unsigned char>(creds[j + 2]) : 0);
    b64 += kB64[(n >> 18) & 63];
    b64 += kB64[(n >> 12) & 63];
    b64 += j + 1 < creds.size() ? kB64[(n >> 6) & 63] : '=';
    b64 += j + 2 < creds.size() ? kB64[n & 63] : '=';
  }
  return "Authorization: Basic " + b64 + "\r\n";
}

}  // namespace

TEST_CASE("basic auth: 401 with WWW-Authenticate, 200 with the right password, headers on both",
          "[http][server][auth]") {
  TestServer s(options());
  s.server.set_security(users_only());
  s.start();
  Client c(s.address());
  REQUIRE(c.connected());
  auto r = c.get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->header("www-authenticate") == "Basic");
  CHECK(r->header("x-content-type-options") == "nosniff");
  CHECK(r->keep_alive());  // a 401 keeps the connection, as Go's server does
  c.send_get("/metrics", kWrong);
  r = c.read();
  REQUIRE(r);
  CHECK(r->status == 401);
  c.send_get("/metrics", kGood);
  r = c.read();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "GET /metrics");
  CHECK(r->header("x-content-type-options") == "nosniff");
  CHECK(s.server.rejected("unauthorized") == 2);

  // Users removed by a new web config: no check at all.
  WebConfigSpec open_spec;
  s.server.set_security(*build_security(open_spec));
  r = c.get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
}

namespace {

/// `n` clients (from `from` when given), each sending a distinct wrong password, so that none is
/// answered from the cache.
std::vector<std::unique_ptr<Client>> wrong_passwords(const std::string& address, int n,
                                                     const std::string& from = {}) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<Client>(address, from));
    REQUIRE(clients.back()->connected());
    clients.back()->send_get("/metrics", basic_auth("prometheus:wrong" + std::to_string(i)));
  }
  return clients;
}

/// How many of `clients` got 401 and how many 429; every one must get an answer.
std::pair<int, int> answers(std::vector<std::unique_ptr<Client>>& clients) {
  int unauthorized = 0;
  int overloaded = 0;
  for (auto& c : clients) {
    auto r = c->read();
    REQUIRE(r);
    if (r->status == 401) unauthorized++;
    if (r->status == 429) overloaded++;
  }
  return {unauthorized, overloaded};
}

}  // namespace

TEST_CASE("basic auth: checks beyond auth_max_pending get 429 and are counted",
          "[http][server][auth]") {
  auto o = options();
  o.auth_max_pending = 1;
  TestServer s(o);
  s.server.set_security(users_only());
  s.start();
  auto clients = wrong_passwords(s.address(), 6);
  const auto [unauthorized, overloaded] = answers(clients);
  CHECK(unauthorized >= 1);
  CHECK(overloaded >= 1);
  CHECK(unauthorized + overloaded == 6);
  CHECK(s.server.rejected("auth_overload") == static_cast<std::uint64_t>(overloaded));
}

TEST_CASE("basic auth: a flood of checks from one address cannot crowd out another's",
          "[http][server][auth]") {
  auto o = options();
  o.auth_max_pending = 4;
  TestServer s(o);
  s.server.set_security(users_only());
  s.start();
  auto flood = wrong_passwords(s.address(), 8, "127.0.0.2");
  REQUIRE(eventually([&] { return s.server.rejected("auth_overload") >= 4; }));
  // The queue is full of 127.0.0.2's checks: the scraper's displaces the newest of them.
  Client scraper(s.address());
  scraper.send_get("/metrics", kGood);
  auto r = scraper.read();
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto [unauthorized, overloaded] = answers(flood);
  CHECK(unauthorized + overloaded == 8);
  CHECK(s.server.rejected("auth_overload") == 5);
}

}  // namespace sonde::http
