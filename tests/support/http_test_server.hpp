// A real HTTP(S) server on 127.0.0.1:0 for the client tests (lib/net, remote write): Beast,
// synchronous, a thread per connection, answering through the test's handler and recording every
// request. TLS from PEM files, optionally requiring a client certificate signed by a CA.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sonde::test {

struct ServerTls {
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::filesystem::path client_ca_file;  // non-empty: a client certificate is required
};

class HttpTestServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Reply = boost::beast::http::response<boost::beast::http::string_body>;
  using Handler = std::function<Reply(const Request&)>;

  explicit HttpTestServer(Handler handler, std::optional<ServerTls> tls = std::nullopt)
      : handler_(std::move(handler)), acceptor_(io_) {
    namespace asio = boost::asio;
    if (tls) {
      ctx_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      ctx_->use_certificate_chain_file(tls->cert_file.string());
      ctx_->use_private_key_file(tls->key_file.string(), asio::ssl::context::pem);
      if (!tls->client_ca_file.empty()) {
        ctx_->load_verify_file(tls->client_ca_file.string());
        ctx_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      }
    }
    const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~HttpTestServer() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ec;
    {
      // A blocked accept() is not woken by close(): a connection of our own wakes it.
      boost::asio::ip::tcp::socket wake(io_);
      wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    }
    {
      std::lock_guard lock(mu_);
      for (auto& s : sockets_) s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
    accept_thread_.join();
    acceptor_.close(ec);
    for (auto& t : threads_) t.join();
  }

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "/", bool https = false) const {
    return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t connections() const { return connections_.load(); }
  std::size_t handshake_failures() const { return handshake_failures_.load(); }

  /// A reply with a status and a body.
  static Reply reply(unsigned status, std::string body = {}) {
    Reply r{static_cast<boost::beast::http::status>(status), 11};
    r.body() = std::move(body);
    r.prepare_payload();
    return r;
  }

 private:
  void accept_loop() {
    while (!stopped_) {
      auto sock = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*sock, ec);
      if (ec || stopped_) return;
      ++connections_;
      std::lock_guard lock(mu_);
      sockets_.push_back(sock);
      threads_.emplace_back([this, sock] { serve(sock); });
    }
  }

  template <class Stream>
  void serve_stream(Stream& stream) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (!stopped_) {
      Request req;
      boost::system::error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      Reply rep = handler_(req);
      rep.keep_alive(req.keep_alive() && rep.keep_alive());
      http::write(stream, rep, ec);
      if (ec || !rep.keep_alive()) return;
    }
  }

  void serve(const std::shared_ptr<boost::asio::ip::tcp::socket>& sock) {
    if (!ctx_) {
      serve_stream(*sock);
    } else {
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> tls(*sock, *ctx_);
      boost::system::error_code ec;
      tls.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) {
        ++handshake_failures_;
      } else {
        serve_stream(tls);
      }
    }
    boost::system::error_code ec;
    sock->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  }

  Handler handler_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> handshake_failures_{0};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

/// Certificates made with the openssl command for one test (EC P-256 keys: fast): a CA
/// `<ca>.pem`/`<ca>_key.pem`, and leaf certificates signed by it for localhost and 127.0.0.1.
inline void openssl_cmd(const std::filesystem::path& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir.string() + "' && openssl " + args + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}
inline void make_test_ca(const std::filesystem::path& dir, const std::string& ca) {
  openssl_cmd(dir,
              "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
              "-subj '/CN=sonde test " +
                  ca + "' -keyout " + ca + "_key.pem -out " + ca + ".pem");
}
inline void make_test_cert(const std::filesystem::path& dir, const std::string& name,
                           const std::string& ca, bool client = false) {
  {
    std::FILE* f = std::fopen((dir / (name + ".ext")).c_str(), "w");
    std::fputs(client ? "extendedKeyUsage=clientAuth\n"
                      : "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
               f);
    std::fclose(f);
  }
  openssl_cmd(dir,
              "req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "
              "'/CN=localhost' -keyout " +
                  name + "_key.pem -out " + name + ".csr");
  openssl_cmd(dir, "x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
                       "_key.pem -CAcreateserial -days 2 -extfile " + name + ".ext -out " + name +
                       ".pem");
}

}  // namespace sonde::test
