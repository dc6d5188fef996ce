// The HTTP server: Boost.Beast, asynchronous, one strand per connection, with limits on
// connections, header size and time per request. Beast stays inside server.cpp.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/options.hpp"
#include "http/router.hpp"
#include "http/security.hpp"
#include "http/timers.hpp"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace sonde::http {

/// What moving a running server from `running` to `next` web options takes. This module
/// decides; the daemon orders the steps (bind the new listener before anything else of a
/// reload can fail, apply in place or swap only once nothing can).
enum class WebChange {
  none,          // equal options
  reconfigure,   // Server::reconfigure applies them to the running listener: same socket
  new_listener,  // another listen address: a new Server, started before the old one stops
};
/// Every option but the listen address applies to the running listener; a field that ever
/// needs a new socket must be named here.
WebChange web_change(const http::WebOptions& running, const http::WebOptions& next);

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  /// `registry` receives sonde_http_rejected_total{reason} (reasons: max_connections,
  /// header_too_large, body_too_large, bad_request, read_timeout, write_timeout, unauthorized,
  /// auth_overload, tls_handshake, per_client_limit, pending_limit, response_memory) and
  /// sonde_http_tls_handshake_errors_total{reason}; it must
  /// outlive the server. Without set_security the server speaks plain HTTP without auth.
  /// Connections' deadlines run on `timers` (null: the steady clock; tests pass ManualTimers).
  Server(boost::asio::io_context& io, http::WebOptions options, Handler handler,
         prometheus::Registry& registry, std::shared_ptr<Timers> timers = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Resolves and binds web.listen_address and starts accepting. Errors name the address.
  core::Status start();
  /// "host:port" actually bound (port 0 resolved).
  std::string local_address() const;
  /// Applies options that need no new socket (web_change() == reconfigure) to the running
  /// listener: connection limits at the next accept; header limit and timeouts from each
  /// connection's next request; max_response_bytes_in_flight for the next body. Open
  /// connections stay. An error (and nothing changes) when
  /// `next` has another listen address.
  core::Status reconfigure(const http::WebOptions& next);
  /// Serves with a (new) web config from now on: connections accepted from now get its TLS
  /// context (or plain HTTP), and every request from now is checked against its users and gets
  /// its headers. Open connections of the other kind (plain after TLS was turned on, or the
  /// reverse) close after their current request. Null: plain HTTP, no auth.
  void set_security(std::shared_ptr<const Security> security);
  /// The options in force.
  http::WebOptions options() const;
  /// Stops accepting; open connections finish their in-flight request and close. Safe to call
  /// from any thread; idempotent.
  void stop();
  /// Number of open connections (for tests and shutdown).
  std::size_t connections() const;
  /// Open connections that have not read their first request yet.
  std::size_t pending_connections() const;
  /// Bytes of /metrics bodies held now (see ResponseMemory).
  std::uint64_t response_bytes() const;
  /// Connections accepted and closed at once: max_connections, max_pending_connections or
  /// max_connections_per_client were open.
  std::uint64_t rejected_connections() const;
  /// Requests or connections refused or dropped for `reason` (as in sonde_http_rejected_total).
  std::uint64_t rejected(std::string_view reason) const;
  /// TLS handshakes that failed for `reason` (as in sonde_http_tls_handshake_errors_total).
  std::uint64_t tls_handshake_errors(std::string_view reason) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sonde::http
