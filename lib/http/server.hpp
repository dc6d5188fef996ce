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

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace sonde::http {

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  /// `registry` receives sonde_http_rejected_total{reason} (reasons: max_connections,
  /// header_too_large, body_too_large, bad_request, read_timeout, write_timeout); it must
  /// outlive the server.
  Server(boost::asio::io_context& io, http::WebOptions options, Handler handler,
         prometheus::Registry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Resolves and binds web.listen_address and starts accepting. Errors name the address.
  core::Status start();
  /// "host:port" actually bound (port 0 resolved).
  std::string local_address() const;
  /// Stops accepting; open connections finish their in-flight request and close. Safe to call
  /// from any thread; idempotent.
  void stop();
  /// Number of open connections (for tests and shutdown).
  std::size_t connections() const;
  /// Connections accepted and closed at once because max_connections were open.
  std::uint64_t rejected_connections() const;
  /// Requests or connections refused or dropped for `reason` (as in sonde_http_rejected_total).
  std::uint64_t rejected(std::string_view reason) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sonde::http
