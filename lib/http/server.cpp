// Modelled on Beast 1.74's example/http/server/async (listener + session, a strand per
// connection, error_code everywhere) and example/advanced/server (timeouts, body limit,
// shutdown). This is the only translation unit that includes Beast (one already takes ~16 s to
// compile): through server_detail.hpp (helpers, the Listener) and session.hpp (a connection).
// Here: the Listener's accept loop and the public Server.
#include "http/server.hpp"

#include "http/session.hpp"

namespace sonde::http {

namespace detail {

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
  // Before the io_context can go: a check still running would post to its strands.
  verify_.stop();
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

}  // namespace detail

using detail::Listener;

WebChange web_change(const http::WebOptions& running, const http::WebOptions& next) {
  if (running == next) return WebChange::none;
  if (running.listen_address != next.listen_address) return WebChange::new_listener;
  return WebChange::reconfigure;
}

struct Server::Impl {
  std::shared_ptr<Listener> listener;
};

Server::Server(boost::asio::io_context& io, http::WebOptions options, Handler handler,
               prometheus::Registry& registry, std::shared_ptr<Timers> timers)
    : impl_(std::make_shared<Impl>()) {
  impl_->listener = std::make_shared<Listener>(io, std::move(options), std::move(handler), registry,
                                               timers ? std::move(timers) : steady_timers());
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
