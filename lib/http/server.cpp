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

enum class Reject {
  max_connections,
  header_too_large,
  body_too_large,
  bad_request,
  read_timeout,
  write_timeout,
  unauthorized,
  auth_overload,
  tls_handshake
};
constexpr std::string_view kRejectNames[] = {
    "max_connections", "header_too_large", "body_too_large", "bad_request",  "read_timeout",
    "write_timeout",   "unauthorized",     "auth_overload",  "tls_handshake"};
constexpr std::size_t kRejectCount = std::size(kRejectNames);

std::string_view reject_name(Reject r) { return kRejectNames[static_cast<std::size_t>(r)]; }

/// Why a TLS handshake failed, as the label of sonde_http_tls_handshake_errors_total.
constexpr std::string_view kHandshakeReasons[] = {
    "timeout", "protocol_version", "no_shared_cipher", "client_certificate", "http_request", "eof",
    "other"};
constexpr std::size_t kHandshakeReasonCount = std::size(kHandshakeReasons);

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

/// sonde_http_rejected_total{reason} and sonde_http_tls_handshake_errors_total{reason}, every
/// reason present from the start, and rate-limited logging for rejections and handler failures.
class Rejections {
 public:
  explicit Rejections(prometheus::Registry& registry) {
    add_family(registry, "sonde_http_rejected_total",
               "HTTP connections or requests refused or dropped, by reason.", kRejectNames,
               counters_);
    add_family(registry, "sonde_http_tls_handshake_errors_total",
               "TLS handshakes that failed, by reason.", kHandshakeReasons, handshake_);
  }

  void count(Reject r, std::string_view peer, std::string_view detail) {
    counters_[static_cast<std::size_t>(r)]->Increment();
    warn_limited(reject_name(r), fmt::format("http: {} from {}: {}", reject_name(r), peer, detail));
  }

  void handshake_failed(std::size_t reason) { handshake_[reason]->Increment(); }

  /// Logs at warn unless `key` has been logged 5 times in the last 10 s; the next line that
  /// gets through says how many were held back.
  void warn_limited(std::string_view key, const std::string& message) { log_.warn(key, message); }

  std::uint64_t value(std::string_view reason) const {
    return find(kRejectNames, counters_, reason);
  }
  std::uint64_t handshake_errors(std::string_view reason) const {
    return find(kHandshakeReasons, handshake_, reason);
  }

 private:
  /// One counter family with a series per reason, each present at 0 from the start.
  template <std::size_t N>
  static void add_family(prometheus::Registry& registry, const char* name, const char* help,
                         const std::string_view (&reasons)[N], prometheus::Counter* (&out)[N]) {
    auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
    for (std::size_t i = 0; i < N; ++i) {
      out[i] = &family.Add({{"reason", std::string(reasons[i])}});
    }
  }
  template <std::size_t N>
  static std::uint64_t find(const std::string_view (&reasons)[N],
                            prometheus::Counter* const (&counters)[N], std::string_view reason) {
    for (std::size_t i = 0; i < N; ++i) {
      if (reasons[i] == reason) return static_cast<std::uint64_t>(counters[i]->Value());
    }
    return 0;
  }

  prometheus::Counter* counters_[kRejectCount] = {};
  prometheus::Counter* handshake_[kHandshakeReasonCount] = {};
  core::RateLimitedLog log_;
};

/// The worker that runs bcrypt checks, off the I/O threads, with a bounded queue. One thread,
/// as the toolkit runs one bcrypt at a time: a flood of checks takes at most one core. The
/// thread is detached and owns the state, so a job that drops the last reference to the server
/// never has to join its own thread.
class VerifyPool {
 public:
  VerifyPool() : state_(std::make_shared<State>()) {}
  ~VerifyPool() {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    state_->jobs.clear();
    state_->cv.notify_all();
  }
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  /// Queues `job` unless `limit` jobs are already queued or running.
  bool try_submit(std::function<void()> job, std::uint32_t limit) {
    std::lock_guard lock(state_->mu);
    if (state_->stopping || state_->jobs.size() + state_->running >= limit) return false;
    state_->jobs.push_back(std::move(job));
    if (!state_->started) {
      state_->started = true;
      std::thread([s = state_] { s->work(); }).detach();
    }
    state_->cv.notify_one();
    return true;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    std::size_t running = 0;
    bool started = false;
    bool stopping = false;
    void work() {
      std::unique_lock lock(mu);
      while (true) {
        cv.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (stopping) return;
        auto job = std::move(jobs.front());
        jobs.pop_front();
        ++running;
        lock.unlock();
        job();
        job = nullptr;  // what it captured is released off the lock
        lock.lock();
        --running;
      }
    }
  };
  std::shared_ptr<State> state_;
};

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
  std::size_t connections() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }

  void add(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu_);
    sessions_.emplace(s.get(), s);
  }
  void remove(const SessionBase* s) {
    std::lock_guard lock(mu_);
    sessions_.erase(s);
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
  tcp::acceptor acceptor_;  // on its own strand: accept handlers and close_all() never overlap
  asio::steady_timer retry_;
  std::string local_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rejected_{0};
  mutable std::mutex mu_;  // options_, security_, sessions_
  std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

/// One connection: (with TLS, a handshake first) reads a request, checks its credentials when
/// the web config has users, answers it, and repeats while keep-alive holds. Everything runs on
/// the connection's strand. `Stream` is beast::tcp_stream or an ssl_stream over one.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, std::shared_ptr<Listener> listener,
          std::shared_ptr<const SecurityState> security)
      : peer_(peer_of(socket)),
        stream_(make_stream(std::move(socket), *security)),
        listener_(std::move(listener)) {}
  ~Session() override { listener_->remove(this); }
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
    lowest().expires_after(listener_->options()->tls_handshake_timeout);
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
      deadline_ = now + o->read_timeout;
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
    if (!listener_->verify_pool().try_submit(std::move(job), o->auth_max_pending)) {
      reject(Reject::auth_overload, std::to_string(o->auth_max_pending) +
                                        " password checks pending (web.auth_max_pending)");
      return reply(bhttp::status::too_many_requests, "too many pending password checks\n", {});
    }
  }

  void unauthorized(std::string_view why) {
    reject(Reject::unauthorized, why);
    reply(bhttp::status::unauthorized, "Unauthorized\n", {{"WWW-Authenticate", "Basic"}});
  }

  /// A response of sonde's own (401, 429) on a connection that stays open.
  void reply(bhttp::status status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers) {
    const auto& req = parser_->get();
    Response out{static_cast<int>(status), "text/plain; charset=utf-8", std::move(body),
                 std::move(headers)};
    send(req, std::move(out));
  }

  void respond() {
    const auto& req = parser_->get();
    const Request request{to_std(req.method_string()), to_std(req.target()),
                          to_std(req[bhttp::field::accept]),
                          to_std(req[bhttp::field::accept_encoding])};
    Response out;
    try {
      out = listener_->handler()(request);
    } catch (const std::exception& e) {
      listener_->rejections().warn_limited(
          "handler_error",
          fmt::format("http: handler for {} failed: {}", request.target, e.what()));
      out = Response{500, "text/plain; charset=utf-8", "internal server error\n", {}};
    } catch (...) {
      listener_->rejections().warn_limited(
          "handler_error", fmt::format("http: handler for {} failed", request.target));
      out = Response{500, "text/plain; charset=utf-8", "internal server error\n", {}};
    }
    if (out.status < 100 || out.status > 999) out.status = 500;  // Beast throws on these
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
    // HEAD: the GET's Content-Length and no body (RFC 9110 9.3.2).
    res_.content_length(out.body.size());
    if (req.method() != bhttp::verb::head) res_.body() = std::move(out.body);
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
    res_.body() = std::move(body);
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
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  std::shared_ptr<Listener> listener_;
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
  if (const std::uint32_t max = options()->max_connections; connections() >= max) {
    // Accept and close rather than leave it in the backlog: the client learns at once.
    rejected_++;
    rejections_.count(Reject::max_connections, peer_of(socket),
                      std::to_string(max) + " connections open (web.max_connections)");
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
      auto session = std::make_shared<TlsSession>(std::move(socket), shared_from_this(), sec);
      add(session);
      session->run();
    } else {
      auto session = std::make_shared<PlainSession>(std::move(socket), shared_from_this(), sec);
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

std::uint64_t Server::rejected_connections() const { return impl_->listener->rejected(); }

std::uint64_t Server::rejected(std::string_view reason) const {
  return impl_->listener->rejections().value(reason);
}

std::uint64_t Server::tls_handshake_errors(std::string_view reason) const {
  return impl_->listener->rejections().handshake_errors(reason);
}

}  // namespace sonde::http
