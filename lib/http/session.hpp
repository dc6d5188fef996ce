// Internal to lib/http/server.cpp: one connection (TLS handshake, reads, credentials, the
// answer, keep-alive) on its strand, as a template over the plain or the TLS stream.
#pragma once

#include "http/server_detail.hpp"

namespace sonde::http::detail {

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
        expiry_(listener_->timers().deadline(stream_.get_executor())),
        accepted_(listener_->timers().now()) {}
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
    expire_at(std::min(accepted_ + o->tls_handshake_timeout, accepted_ + o->read_timeout));
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    settle(ec);
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
    const auto now = listener_->timers().now();
    // pipelined: the next request has begun, and has read_timeout from now
    if (buffer_.size() > 0) return begin_request(*o, now + o->read_timeout);
    idle_ = true;
    // A client that connects must send its request within read_timeout; between requests a
    // keep-alive connection may sit idle for idle_timeout, and then has read_timeout again.
    if (served_ > 0) {
      expire_at(now + o->idle_timeout);
    } else {
      // Counted from accept: a TLS handshake's time is part of it.
      deadline_ = accepted_ + o->read_timeout;
      expire_at(deadline_);
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::on_first_bytes, this->shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    settle(ec);
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
    begin_request(*o, served_ > 0 ? listener_->timers().now() + o->read_timeout : deadline_);
  }

  /// A request has begun: it is read and answered under the options in force now (a reload's
  /// new limits apply from the next request of an open connection), by `deadline`.
  void begin_request(const http::WebOptions& o, SteadyTime deadline) {
    parser_.emplace();
    parser_->header_limit(o.max_header_bytes);
    parser_->body_limit(kBodyLimit);
    write_timeout_ = o.write_timeout;
    deadline_ = deadline;
    read_request();
  }

  void read_request() {
    expire_at(deadline_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    settle(ec);
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
    // The session moves into the completion it posts: the pool's thread must never hold the
    // last reference (a session destroyed there after the io_context is gone touches freed
    // timer services; ASan saw it in server_test).
    auto job = [self = this->shared_from_this(), auth, creds = std::move(*creds)]() mutable {
      const bool ok = auth->verify(creds);
      auto executor = self->stream_.get_executor();
      asio::post(executor, [self = std::move(self), ok] {
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
    expire_at(listener_->timers().now() + write_timeout_);
    bhttp::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::on_write, this->shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
    settle(ec);
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
        expire_at(listener_->timers().now() + write_timeout_);
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code shutdown_ec) {
          self->settle(shutdown_ec);
          self->close();
        });
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

  /// The next operation must complete by `at`, or the socket is closed and the operation ends
  /// with beast::error::timeout (what Beast's own tcp_stream timeouts did; these run on
  /// listener_->timers(), so tests can move time).
  void expire_at(SteadyTime at) {
    const std::uint64_t armed = ++armed_;
    expiry_->arm(at, [weak = this->weak_from_this(), armed] {
      auto self = weak.lock();
      if (!self || self->armed_ != armed || self->closed_) return;  // settled or re-armed since
      self->timed_out_ = true;
      beast::error_code ignored;
      self->lowest().socket().close(ignored);  // the pending operation completes with an error
    });
  }

  /// An operation has completed: its deadline no longer applies, and the error it ended with
  /// because its deadline closed the socket is the timeout.
  void settle(beast::error_code& ec) {
    ++armed_;
    expiry_->cancel();
    if (ec && timed_out_) ec = beast::error::timeout;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    ++armed_;
    expiry_->cancel();
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
  std::unique_ptr<Deadline> expiry_;  // of the operation in progress, on listener_->timers()
  std::uint64_t armed_ = 0;           // which expire_at() is in force
  bool timed_out_ = false;            // a deadline passed and closed the socket
  const SteadyTime accepted_;
  bool established_ = false;  // through its first request: holds an established slot
  std::shared_ptr<const Security> security_;  // of the request being answered
  SteadyTime deadline_{};
  std::chrono::milliseconds write_timeout_{};  // of the options the current request began under
  std::uint64_t served_ = 0;                   // responses written on this connection
  bool idle_ = false;                          // waiting for the first byte of a request
  bool closed_ = false;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace sonde::http::detail
