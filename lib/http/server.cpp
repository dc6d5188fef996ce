// Modelled on Beast 1.74's example/http/server/async (listener + session, a strand per
// connection, error_code everywhere) and example/advanced/server (timeouts, body limit,
// shutdown). Beast is included here only: one Beast TU already takes ~16 s to compile.
#include "http/server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/listen_address.hpp"
#include "core/rate_limit.hpp"
#include "http/rejections.hpp"
#include "http/response_memory.hpp"
#include "http/verify_pool.hpp"

namespace sonde::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Routes take no request bodies; this only lets a small POST be read far enough to answer 405.
constexpr std::uint64_t kBodyLimit = 64 * 1024;
// After accept() fails (EMFILE, ENFILE, ENOBUFS persist for a while), wait before retrying
// instead of spinning on the error.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr std::size_t kReadChunk = 4096;

std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }

std::string format_endpoint(const tcp::endpoint& ep) {
  const std::string port = std::to_string(ep.port());
  if (ep.address().is_v6()) return "[" + ep.address().to_string() + "]:" + port;
  return ep.address().to_string() + ":" + port;
}

// Shutdown and peers going away are normal; anything else is only interesting when debugging.
void log_failure(const beast::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == asio::error::eof ||
      ec == bhttp::error::end_of_stream) {
    return;
  }
  spdlog::debug("http: {}: {}", what, ec.message());
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

/// The listen address parsed by core (the config loader has already checked it; a command-line
/// flag has not).
core::Result<core::ListenAddress> parse_listen_address(std::string_view addr) {
  auto parsed = core::parse_listen_address(addr);
  if (!parsed) {
    // The text as given (the JSON log escapes it), so the user finds exactly what they typed.
    return core::error("invalid listen address \"" + std::string(addr) + "\": " + parsed.message());
  }
  return parsed;
}

std::size_t handshake_reason(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return 0;
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_VERSION_TOO_HIGH:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return 1;
      case SSL_R_NO_SHARED_CIPHER:
      case SSL_R_NO_SHARED_GROUPS:
        return 2;
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return 3;
      case SSL_R_HTTP_REQUEST:
      case SSL_R_HTTPS_PROXY_REQUEST:
        return 4;
      default:
        return 6;
    }
  }
  if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return 5;
  }
  return 6;
}

std::string peer_of(const tcp::socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("unknown peer") : format_endpoint(ep);
}

/// What every session is to the listener: something to stop.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void stop() = 0;
};

/// The security in force: the web config's TLS context (wrapped for Asio) and users.
struct SecurityState {
  std::shared_ptr<const Security> security;     // null: no web config
  std::shared_ptr<asio::ssl::context> context;  // null: plain HTTP
  std::shared_ptr<Authenticator> auth;          // null: no basic_auth_users
};

/// Owns the acceptor and knows every open session. Shared by the Server and by every pending
/// handler, so it outlives whichever goes first.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, http::WebOptions options, Server::Handler handler,
           prometheus::Registry& registry)
      : io_(io),
        options_(std::make_shared<const http::WebOptions>(std::move(options))),
        security_(std::make_shared<const SecurityState>()),
        handler_(std::move(handler)),
        rejections_(registry),
        memory_(options_->max_response_bytes_in_flight),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()) {}

  core::Status start();
  void stop();

  /// The options in force; reconfigure() may replace them at any time, so a caller keeps the
  /// pointer for as long as it uses them.
  std::shared_ptr<const http::WebOptions> options() const {
    std::lock_guard lock(mu_);
    return options_;
  }
  core::Status reconfigure(const http::WebOptions& next) {
    std::lock_guard lock(mu_);
    if (next.listen_address != options_->listen_address) {
      return core::error("web options with another listen address (" + next.listen_address +
                         ") need a new listener");
    }
    options_ = std::make_shared<const http::WebOptions>(next);
    memory_.set_limit(next.max_response_bytes_in_flight);
    return core::ok();
  }
  std::shared_ptr<const SecurityState> security() const {
    std::lock_guard lock(mu_);
    return security_;
  }
  void set_security(std::shared_ptr<const Security> s) {
    auto next = std::make_shared<SecurityState>();
    if (s && s->tls_context() != nullptr) {
      // asio::ssl::context frees what it is given: it gets its own reference.
      SSL_CTX_up_ref(s->tls_context());
      next->context = std::make_shared<asio::ssl::context>(s->tls_context());
    }
    std::lock_guard lock(mu_);
    if (s && !s->spec().users.empty()) {
      // The same users: the pairs already verified stay valid, so the cache is kept.
      next->auth = security_->auth && security_->auth->users() == s->spec().users
                       ? security_->auth
                       : std::make_shared<Authenticator>(s->spec().users);
    }
    next->security = std::move(s);
    security_ = std::move(next);
  }
  const Server::Handler& handler() const { return handler_; }
  bool stopping() const { return stopping_.load(); }
  const std::string& local_address() const { return local_; }
  std::uint64_t rejected() const { return rejected_.load(); }
  Rejections& rejections() { return rejections_; }
  VerifyPool& verify_pool() { return verify_; }
  ResponseMemory& memory() { return memory_; }
  std::size_t connections() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }

  /// Takes a pending slot for a new connection from `client`, or says which limit refuses it
  /// (nullopt: admitted). The caller then add()s its session.
  std::optional<Reject> admit(const asio::ip::address& client, const http::WebOptions& o) {
    std::lock_guard lock(mu_);
    auto& from_client = per_client_[client];
    std::optional<Reject> refused;
    if (from_client >= o.max_connections_per_client) {
      refused = Reject::per_client_limit;
    } else if (established_ >= o.max_connections) {
      refused = Reject::max_connections;  // it could not be served once through its request
    } else if (pending_ >= o.max_pending_connections) {
      refused = Reject::pending_limit;
    }
    if (refused) {
      if (from_client == 0) per_client_.erase(client);
      return refused;
    }
    ++from_client;
    ++pending_;
    return std::nullopt;
  }
  /// A pending connection has read its first request: it takes an established slot, unless
  /// max_connections are taken (false: it is answered 503 and closed).
  bool promote() {
    const auto o = options();
    std::lock_guard lock(mu_);
    if (established_ >= o->max_connections) return false;
    --pending_;
    ++established_;
    return true;
  }
  void add(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu_);
    sessions_.emplace(s.get(), s);
  }
  /// A session has ended: its slots are free.
  void remove(const SessionBase* s, const asio::ip::address& client, bool established) {
    std::lock_guard lock(mu_);
    sessions_.erase(s);
    --(established ? established_ : pending_);
    if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) {
      per_client_.erase(it);
    }
  }
  /// Connections admitted and not yet through their first request.
  std::size_t pending() const {
    std::lock_guard lock(mu_);
    return pending_;
  }

 private:
  core::Status open();
  beast::error_code bind_to(const tcp::endpoint& ep);
  core::Result<std::vector<tcp::endpoint>> endpoints(const core::ListenAddress& spec);
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void close_all();

  asio::io_context& io_;
  std::shared_ptr<const http::WebOptions> options_;  // under mu_
  std::shared_ptr<const SecurityState> security_;    // under mu_
  const Server::Handler handler_;
  Rejections rejections_;
  VerifyPool verify_;
  ResponseMemory memory_;
  tcp::acceptor acceptor_;  // on its own strand: accept handlers and close_all() never overlap
  asio::steady_timer retry_;
  std::string local_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rejected_{0};
  mutable std::mutex mu_;  // options_, security_, sessions_ and the counts below
  std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  std::size_t pending_ = 0;               // admitted, first request not read yet
  std::size_t established_ = 0;           // through their first request
  AddressMap<std::uint32_t> per_client_;  // open connections
};

/// One connection: (with TLS, a handshake first) reads a request, checks its credentials when
/// the web config has users, answers it, and repeats while keep-alive holds. Everything runs on
/// the connection's strand. `Stream` is beast::tcp_stream or an ssl_stream over one.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  /// `client` has been admitted (Listener::admit): the session holds a pending slot.
  Session(tcp::socket&& socket, asio::ip::address client, std::shared_ptr<Listener> listener,
          std::shared_ptr<const SecurityState> security)
      : peer_(peer_of(socket)),
        client_(std::move(client)),
        stream_(make_stream(std::move(socket), *security)),
        listener_(std::move(listener)),
        accepted_(std::chrono::steady_clock::now()) {}
  ~Session() override { listener_->remove(this, client_, established_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->wait_for_request();
      }
    });
  }

  /// Called once the server stops: an idle connection closes now; one that is reading or
  /// answering a request finishes it and then closes (its response says Connection: close).
  void stop() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->close();
    });
  }

 private:
  static Stream make_stream(tcp::socket&& socket, const SecurityState& security) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *security.context);
    } else {
      (void)security;
      return Stream(std::move(socket));
    }
  }

  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    const auto o = listener_->options();
    // Within the first request's deadline too: a pending connection lives read_timeout at most.
    lowest().expires_at(
        std::min(accepted_ + o->tls_handshake_timeout, accepted_ + o->read_timeout));
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      listener_->rejections().handshake_failed(handshake_reason(ec));
      reject(Reject::tls_handshake,
             ec == beast::error::timeout
                 ? std::string("no TLS handshake within web.tls_handshake_timeout")
                 : ec.message());
      return close();
    }
    wait_for_request();
  }

  void wait_for_request() {
    if (listener_->stopping()) return close();
    // A reload that turned TLS on or off: connections of the other kind end here.
    if ((listener_->security()->context != nullptr) != kTls) return close();
    const auto o = listener_->options();
    const auto now = std::chrono::steady_clock::now();
    // pipelined: the next request has begun, and has read_timeout from now
    if (buffer_.size() > 0) return begin_request(*o, now + o->read_timeout);
    idle_ = true;
    // A client that connects must send its request within read_timeout; between requests a
    // keep-alive connection may sit idle for idle_timeout, and then has read_timeout again.
    if (served_ > 0) {
      lowest().expires_after(o->idle_timeout);
    } else {
      // Counted from accept: a TLS handshake's time is part of it.
      deadline_ = accepted_ + o->read_timeout;
      lowest().expires_at(deadline_);
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::on_first_bytes, this->shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    idle_ = false;
    // A keep-alive connection idle for idle_timeout is closed quietly; a new one that sends
    // nothing within read_timeout holds a slot for nothing, and is counted.
    if (ec == beast::error::timeout && served_ == 0) {
      reject(Reject::read_timeout, "no request within web.read_timeout");
      return close();
    }
    if (ec) return fail(ec, "read");
    buffer_.commit(n);
    const auto o = listener_->options();
    begin_request(*o, served_ > 0 ? std::chrono::steady_clock::now() + o->read_timeout : deadline_);
  }

  /// A request has begun: it is read and answered under the options in force now (a reload's
  /// new limits apply from the next request of an open connection), by `deadline`.
  void begin_request(const http::WebOptions& o, std::chrono::steady_clock::time_point deadline) {
    parser_.emplace();
    parser_->header_limit(o.max_header_bytes);
    parser_->body_limit(kBodyLimit);
    write_timeout_ = o.write_timeout;
    deadline_ = deadline;
    read_request();
  }

  void read_request() {
    lowest().expires_at(deadline_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == bhttp::error::header_limit) {
      reject(Reject::header_too_large, "request header over web.max_header_bytes");
      return reply_and_close(bhttp::status::request_header_fields_too_large,
                             "request header too large\n");
    }
    if (ec == bhttp::error::body_limit) {
      reject(Reject::body_too_large, "request body over the limit");
      return reply_and_close(bhttp::status::payload_too_large, "request body too large\n");
    }
    if (ec == beast::error::timeout) {
      reject(Reject::read_timeout, "request not complete within web.read_timeout");
      return close();
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      return close();  // the peer went away; nobody to answer
    }
    if (ec && is_http_parse_error(ec)) {
      reject(Reject::bad_request, ec.message());
      return reply_and_close(bhttp::status::bad_request, "bad request\n");
    }
    if (ec) return fail(ec, "read");
    if (!established_) {
      if (!listener_->promote()) {
        reject(Reject::max_connections, "max_connections established (web.max_connections)");
        return reply_and_close(bhttp::status::service_unavailable, "too many connections\n");
      }
      established_ = true;
    }
    authorize();
  }

  /// Basic auth, as the toolkit's webHandler: no users, no check; a cached answer is used at
  /// once; otherwise bcrypt runs on the verify pool and the answer comes back to this strand.
  void authorize() {
    const auto state = listener_->security();
    security_ = state->security;
    const auto& auth = state->auth;
    const auto o = listener_->options();
    const auto& req = parser_->get();
    const std::string_view target = to_std(req.target());
    const std::string_view path = target.substr(0, target.find('?'));
    if (!auth || (o->probes_without_auth && (path == "/health" || path == "/ready"))) {
      return respond();
    }
    auto creds = parse_basic_authorization(to_std(req[bhttp::field::authorization]));
    if (!creds) return unauthorized("no basic auth credentials");
    if (const auto known = auth->cached(*creds)) {
      return *known ? respond() : unauthorized("wrong user name or password");
    }
    auto job = [self = this->shared_from_this(), auth, creds = std::move(*creds)] {
      const bool ok = auth->verify(creds);
      asio::post(self->stream_.get_executor(), [self, ok] {
        ok ? self->respond() : self->unauthorized("wrong user name or password");
      });
    };
    // Displaced from the queue by another client's check: refused as if it had come too late.
    auto refuse = [self = this->shared_from_this()] {
      asio::post(self->stream_.get_executor(), [self] { self->auth_overload(); });
    };
    if (!listener_->verify_pool().try_submit(client_, std::move(job), std::move(refuse),
                                             o->auth_max_pending)) {
      auth_overload();
    }
  }

  void auth_overload() {
    const auto o = listener_->options();
    reject(Reject::auth_overload,
           std::to_string(o->auth_max_pending) + " password checks pending (web.auth_max_pending)");
    reply(bhttp::status::too_many_requests, "too many pending password checks\n", {});
  }

  void unauthorized(std::string_view why) {
    reject(Reject::unauthorized, why);
    reply(bhttp::status::unauthorized, "Unauthorized\n", {{"WWW-Authenticate", "Basic"}});
  }

  /// A response of sonde's own (401, 429) on a connection that stays open.
  void reply(bhttp::status status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers) {
    const auto& req = parser_->get();
    Response out;
    out.status = static_cast<int>(status);
    out.body = std::move(body);
    out.headers = std::move(headers);
    send(req, std::move(out));
  }

  void respond() {
    const auto& req = parser_->get();
    const Request request{to_std(req.method_string()), to_std(req.target()),
                          to_std(req[bhttp::field::accept]),
                          to_std(req[bhttp::field::accept_encoding]), &listener_->memory()};
    Response out;
    try {
      out = listener_->handler()(request);
    } catch (const std::exception& e) {
      listener_->rejections().warn_limited(
          "handler_error",
          fmt::format("http: handler for {} failed: {}", request.target, e.what()));
      out = Response{500, "text/plain; charset=utf-8", "internal server error\n", {}, {}, false};
    } catch (...) {
      listener_->rejections().warn_limited(
          "handler_error", fmt::format("http: handler for {} failed", request.target));
      out = Response{500, "text/plain; charset=utf-8", "internal server error\n", {}, {}, false};
    }
    if (out.status < 100 || out.status > 999) out.status = 500;  // Beast throws on these
    if (out.over_memory_limit) {
      reject(
          Reject::response_memory,
          fmt::format("{} bytes of responses held for clients (web.max_response_bytes_in_flight)",
                      listener_->memory().bytes()));
    }
    send(req, std::move(out));
  }

  void send(const bhttp::request<bhttp::string_body>& req, Response out) {
    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<unsigned>(out.status));
    res_.set(bhttp::field::server, "sonde");
    res_.set(bhttp::field::content_type, out.content_type);
    // http_server_config.headers: on every response, 401 included, as the toolkit sets them.
    if (security_) {
      for (const auto& [name, value] : security_->headers()) res_.set(name, value);
    }
    for (const auto& [name, value] : out.headers) res_.set(name, value);
    body_ = out.shared_body ? std::move(out.shared_body)
                            : std::make_shared<const std::string>(std::move(out.body));
    // HEAD: the GET's Content-Length and no body (RFC 9110 9.3.2).
    res_.content_length(body_->size());
    if (req.method() != bhttp::verb::head) {
      res_.body() = {body_->data(), body_->size()};
    } else {
      body_.reset();
    }
    const bool keep_alive = req.keep_alive() && !listener_->stopping();
    res_.keep_alive(keep_alive);
    served_++;
    security_.reset();
    write(keep_alive);
  }

  void reply_and_close(bhttp::status status, std::string body) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(bhttp::field::server, "sonde");
    res_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    body_ = std::make_shared<const std::string>(std::move(body));
    res_.body() = {body_->data(), body_->size()};
    res_.prepare_payload();
    res_.keep_alive(false);
    write(false);
  }

  void write(bool keep_alive) {
    lowest().expires_after(write_timeout_);
    bhttp::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::on_write, this->shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
    // Taken by the client (or given up): a shared body is not held for it any longer.
    res_.body() = {};
    body_.reset();
    if (ec == beast::error::timeout) {
      reject(Reject::write_timeout, "response not taken within web.write_timeout");
      return close();
    }
    if (ec) return fail(ec, "write");
    if (!keep_alive) {
      if constexpr (kTls) {
        // close_notify, then the socket closes; a peer that never answers gets write_timeout.
        lowest().expires_after(write_timeout_);
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->close(); });
      } else {
        // Send FIN after the response; the socket closes when this session goes away.
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      return;
    }
    wait_for_request();
  }

  void reject(Reject r, std::string_view detail) {
    listener_->rejections().count(r, peer_, detail);
  }

  void fail(const beast::error_code& ec, const char* what) {
    log_failure(ec, what);
    close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();  // pending operations complete with operation_aborted
  }

  const std::string peer_;
  const asio::ip::address client_;  // its per-client slot
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::span_body<const char>> res_;  // over body_
  SharedBody body_;                                    // of the response being written
  std::shared_ptr<Listener> listener_;
  const std::chrono::steady_clock::time_point accepted_;
  bool established_ = false;  // through its first request: holds an established slot
  std::shared_ptr<const Security> security_;  // of the request being answered
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::milliseconds write_timeout_{};  // of the options the current request began under
  std::uint64_t served_ = 0;                   // responses written on this connection
  bool idle_ = false;                          // waiting for the first byte of a request
  bool closed_ = false;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

core::Result<std::vector<tcp::endpoint>> Listener::endpoints(const core::ListenAddress& spec) {
  if (spec.host.empty()) {
    // Every interface: dual-stack IPv6 where the host has IPv6, else IPv4 only.
    return std::vector<tcp::endpoint>{tcp::endpoint(tcp::v6(), spec.port),
                                      tcp::endpoint(tcp::v4(), spec.port)};
  }
  beast::error_code ec;
  const auto addr = asio::ip::make_address(spec.host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(addr, spec.port)};
  tcp::resolver resolver(io_);
  const auto results =
      resolver.resolve(spec.host, std::to_string(spec.port), tcp::resolver::numeric_service, ec);
  if (ec) {
    return core::error("cannot resolve \"" + spec.host + "\" in listen address \"" +
                       options()->listen_address + "\": " + ec.message());
  }
  std::vector<tcp::endpoint> out;
  for (const auto& entry : results) out.push_back(entry.endpoint());
  if (out.empty()) {
    return core::error("cannot resolve \"" + spec.host + "\" in listen address \"" +
                       options()->listen_address + "\": no addresses");
  }
  return out;
}

beast::error_code Listener::bind_to(const tcp::endpoint& ep) {
  beast::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ep.address().is_v6() && ep.address().is_unspecified()) {
    acceptor_.set_option(asio::ip::v6_only(false), ec);
  }
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

core::Status Listener::start() {
  if (started_.exchange(true)) return core::error("HTTP server already started");
  core::Status st = open();
  if (!st.ok()) started_ = false;
  return st;
}

core::Status Listener::open() {
  const std::string address = options()->listen_address;  // fixed for a listener's life
  auto spec = parse_listen_address(address);
  if (!spec) return spec.status();
  auto eps = endpoints(*spec);
  if (!eps) return eps.status();
  beast::error_code ec;
  for (const tcp::endpoint& ep : *eps) {
    ec = bind_to(ep);
    if (!ec) break;
  }
  if (ec) return core::error("cannot listen on " + address + ": " + ec.message());
  local_ = format_endpoint(acceptor_.local_endpoint(ec));
  if (ec) return core::error("cannot listen on " + address + ": " + ec.message());
  // Through the strand: stop() may already be running on another thread.
  asio::dispatch(acceptor_.get_executor(),
                 beast::bind_front_handler(&Listener::accept, shared_from_this()));
  return core::ok();
}

void Listener::accept() {
  if (stopping() || !acceptor_.is_open()) return;
  // Each connection gets its own strand.
  acceptor_.async_accept(asio::make_strand(io_),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopping()) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  if (ec) {
    log_failure(ec, "accept");
    retry_.expires_after(kAcceptRetryDelay);
    retry_.async_wait([self = shared_from_this()](const beast::error_code& wait_ec) {
      if (!wait_ec) self->accept();
    });
    return;
  }
  const auto o = options();
  beast::error_code peer_ec;
  const auto client = socket.remote_endpoint(peer_ec).address();
  const auto refused = peer_ec ? std::nullopt : admit(client, *o);
  if (peer_ec) {
    beast::error_code ignored;  // gone already
    socket.close(ignored);
  } else if (refused) {
    // Accept and close rather than leave it in the backlog: the client learns at once.
    rejected_++;
    std::string why;
    switch (*refused) {
      case Reject::per_client_limit:
        why = std::to_string(o->max_connections_per_client) +
              " connections open from this address (web.max_connections_per_client)";
        break;
      case Reject::pending_limit:
        why = std::to_string(o->max_pending_connections) +
              " connections not through their first request (web.max_pending_connections)";
        break;
      default:
        why = std::to_string(o->max_connections) + " connections open (web.max_connections)";
    }
    rejections_.count(*refused, peer_of(socket), why);
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    // No Nagle delay (as Go's net/http): a TLS response goes out as several records, and the
    // last one must not wait for the client's delayed ACK of the first (40 ms per new
    // connection, measured by bench/tls_scrape_compare.py).
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    // The security in force at accept decides plain or TLS for the connection's life.
    auto sec = security();
    if (sec->context) {
      auto session =
          std::make_shared<TlsSession>(std::move(socket), client, shared_from_this(), sec);
      add(session);
      session->run();
    } else {
      auto session =
          std::make_shared<PlainSession>(std::move(socket), client, shared_from_this(), sec);
      add(session);
      session->run();
    }
  }
  accept();
}

void Listener::stop() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(),
             beast::bind_front_handler(&Listener::close_all, shared_from_this()));
}

void Listener::close_all() {
  beast::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (const auto& s : live) s->stop();
}

}  // namespace

WebChange web_change(const http::WebOptions& running, const http::WebOptions& next) {
  if (running == next) return WebChange::none;
  if (running.listen_address != next.listen_address) return WebChange::new_listener;
  return WebChange::reconfigure;
}

struct Server::Impl {
  std::shared_ptr<Listener> listener;
};

Server::Server(boost::asio::io_context& io, http::WebOptions options, Handler handler,
               prometheus::Registry& registry)
    : impl_(std::make_shared<Impl>()) {
  impl_->listener =
      std::make_shared<Listener>(io, std::move(options), std::move(handler), registry);
}

// Pending handlers keep the Listener alive, so this is safe once the io_context has stopped.
// Stopping here keeps an io_context that is still running from accepting new connections whose
// handler may capture objects about to be destroyed.
Server::~Server() { impl_->listener->stop(); }

core::Status Server::start() { return impl_->listener->start(); }

std::string Server::local_address() const { return impl_->listener->local_address(); }

core::Status Server::reconfigure(const http::WebOptions& next) {
  return impl_->listener->reconfigure(next);
}

void Server::set_security(std::shared_ptr<const Security> security) {
  impl_->listener->set_security(std::move(security));
}

http::WebOptions Server::options() const { return *impl_->listener->options(); }

void Server::stop() { impl_->listener->stop(); }

std::size_t Server::connections() const { return impl_->listener->connections(); }

std::size_t Server::pending_connections() const { return impl_->listener->pending(); }

std::uint64_t Server::response_bytes() const { return impl_->listener->memory().bytes(); }

std::uint64_t Server::rejected_connections() const { return impl_->listener->rejected(); }

std::uint64_t Server::rejected(std::string_view reason) const {
  return impl_->listener->rejections().value(reason);
}

std::uint64_t Server::tls_handshake_errors(std::string_view reason) const {
  return impl_->listener->rejections().handshake_errors(reason);
}

}  // namespace sonde::http
