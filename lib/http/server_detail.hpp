// Internal to lib/http/server.cpp, the one translation unit that includes Beast (one such TU
// takes ~16 s to compile): the helpers, the security in force and the Listener (the acceptor,
// the connection limits and every open session). session.hpp holds one connection.
#pragma once

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
#include "http/server.hpp"
#include "http/timers.hpp"
#include "http/verify_pool.hpp"

namespace sonde::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Routes take no request bodies; this only lets a small POST be read far enough to answer 405.
inline constexpr std::uint64_t kBodyLimit = 64 * 1024;
// After accept() fails (EMFILE, ENFILE, ENOBUFS persist for a while), wait before retrying
// instead of spinning on the error.
inline constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
inline constexpr std::size_t kReadChunk = 4096;

inline std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }

inline std::string format_endpoint(const tcp::endpoint& ep) {
  const std::string port = std::to_string(ep.port());
  if (ep.address().is_v6()) return "[" + ep.address().to_string() + "]:" + port;
  return ep.address().to_string() + ":" + port;
}

// Shutdown and peers going away are normal; anything else is only interesting when debugging.
inline void log_failure(const beast::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == asio::error::eof ||
      ec == bhttp::error::end_of_stream) {
    return;
  }
  spdlog::debug("http: {}: {}", what, ec.message());
}

inline bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

/// The listen address parsed by core (the config loader has already checked it; a command-line
/// flag has not).
inline core::Result<core::ListenAddress> parse_listen_address(std::string_view addr) {
  auto parsed = core::parse_listen_address(addr);
  if (!parsed) {
    // The text as given (the JSON log escapes it), so the user finds exactly what they typed.
    return core::error("invalid listen address \"" + std::string(addr) + "\": " + parsed.message());
  }
  return parsed;
}

inline std::size_t handshake_reason(const beast::error_code& ec) {
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

inline std::string peer_of(const tcp::socket& socket) {
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
           prometheus::Registry& registry, std::shared_ptr<Timers> timers)
      : io_(io),
        timers_(std::move(timers)),
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
  Timers& timers() const { return *timers_; }
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
  const std::shared_ptr<Timers> timers_;             // connections' deadlines
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

}  // namespace sonde::http::detail
