#include "net/http_client.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>

#include "core/read_file.hpp"
#include "net/openssl_error.hpp"

namespace sonde::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

std::string trim_space(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_ip_literal(const std::string& host) {
  ErrorCode ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

/// A secret given inline, or read from `file` as Prometheus reads it: whole, surrounding white
/// space trimmed.
core::Result<std::string, RequestError> secret(const std::string& inline_value,
                                               const std::filesystem::path& file,
                                               std::string_view what) {
  if (file.empty()) return inline_value;
  auto text = core::read_text(file, kMaxSecretFileBytes);
  if (!text.ok()) {
    return RequestError{FailureKind::local,
                        "cannot read " + std::string(what) + ": " + text.message()};
  }
  return trim_space(std::move(*text));
}

}  // namespace

std::string_view Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  }
  return {};
}

struct HttpClient::Impl {
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::size_t opened = 0;
  std::atomic<bool> interrupted{false};

  bool connected() const { return plain || secure; }
  beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }
  void drop() {
    if (connected()) {
      ErrorCode ignored;
      tcp().socket().close(ignored);
    }
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  /// Runs the operations started so far on this thread until none is left.
  void run() {
    io.restart();
    // After restart(): an interrupt() that came before it is seen here, one after it stops run().
    if (interrupted) return;
    io.run();
  }
};

namespace {

/// The TLS context of an https URL: the CA (or the system's store), the client certificate.
core::Result<std::unique_ptr<asio::ssl::context>, RequestError> make_tls(const TlsOptions& o) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);  // Go's client default: TLS 1.2 and later
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, o.ca_file.c_str(), nullptr) != 1) {
      return RequestError{FailureKind::local, "cannot load tls_config.ca_file " +
                                                  o.ca_file.string() + ": " + openssl_errors()};
    }
  } else if (SSL_CTX_set_default_verify_paths(native) != 1) {
    return RequestError{FailureKind::local,
                        "cannot load the system's CA certificates: " + openssl_errors()};
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return RequestError{FailureKind::local,
                        "tls_config needs both cert_file and key_file, or neither"};
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, o.cert_file.c_str()) != 1) {
      return RequestError{FailureKind::local, "cannot load tls_config.cert_file " +
                                                  o.cert_file.string() + ": " + openssl_errors()};
    }
    if (SSL_CTX_use_PrivateKey_file(native, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      return RequestError{FailureKind::local, "cannot load tls_config.key_file " +
                                                  o.key_file.string() + ": " + openssl_errors()};
    }
  }
  SSL_CTX_set_verify(native, o.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  return ctx;
}

}  // namespace

HttpClient::HttpClient(Url url, ClientOptions options)
    : url_(std::move(url)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() { close(); }

core::Result<std::unique_ptr<HttpClient>, RequestError> HttpClient::create(Url url,
                                                                           ClientOptions options) {
  std::unique_ptr<HttpClient> c(new HttpClient(std::move(url), std::move(options)));
  if (c->url_.scheme == "https") {
    auto tls = make_tls(c->options_.tls);
    if (!tls.ok()) return tls.error();
    c->impl_->tls = std::move(*tls);
  }
  return c;
}

void HttpClient::close() { impl_->drop(); }

void HttpClient::interrupt() {
  impl_->interrupted = true;
  impl_->io.stop();
}

std::size_t HttpClient::connections_opened() const { return impl_->opened; }

namespace {

/// The outcome of one attempt on one connection.
struct Attempt {
  std::optional<Response> response;
  RequestError error;
  bool wrote_nothing_read_nothing = false;  // a stale kept-alive connection looks like this
};

std::string describe(const ErrorCode& ec, std::chrono::milliseconds timeout) {
  if (ec == asio::error::would_block) return "interrupted";
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return "timed out after " + std::to_string(timeout.count()) + "ms";
  }
  return ec.message();
}

}  // namespace

core::Result<Response, RequestError> HttpClient::request(std::string_view method,
                                                         const std::vector<Header>& headers,
                                                         std::string_view body) {
  Impl& m = *impl_;
  const auto deadline = Clock::now() + options_.timeout;
  const std::string where = url_.redacted();

  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(url_.target());
  req.version(11);
  req.set(bhttp::field::host, url_.authority());
  if (!options_.user_agent.empty()) req.set(bhttp::field::user_agent, options_.user_agent);
  for (const auto& [k, v] : options_.headers) req.set(k, v);
  if (const auto& b = options_.basic_auth) {
    auto password = secret(b->password, b->password_file, "basic_auth.password_file");
    if (!password.ok()) return password.error();
    req.set(bhttp::field::authorization, "Basic " + base64(b->username + ":" + *password));
  } else if (!url_.username.empty()) {
    req.set(bhttp::field::authorization, "Basic " + base64(url_.username + ":" + url_.password));
  }
  if (const auto& a = options_.authorization) {
    auto credentials =
        secret(a->credentials, a->credentials_file, "authorization.credentials_file");
    if (!credentials.ok()) return credentials.error();
    req.set(bhttp::field::authorization, a->type + " " + *credentials);
  }
  for (const auto& h : headers) req.set(h.name, h.value);
  req.body().assign(body.data(), body.size());
  req.keep_alive(true);
  req.prepare_payload();

  const auto fail = [&](FailureKind kind, std::string what) {
    m.drop();
    return RequestError{kind, where + ": " + std::move(what)};
  };

  // Connects (resolve, TCP, TLS handshake) when no connection is open.
  const auto connect = [&]() -> std::optional<RequestError> {
    ErrorCode ec = asio::error::would_block;
    tcp::resolver::results_type endpoints;
    tcp::resolver resolver(m.io);
    asio::steady_timer timer(m.io);
    timer.expires_at(deadline);
    timer.async_wait([&](const ErrorCode& e) {
      if (!e) resolver.cancel();
    });
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](const ErrorCode& e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             timer.cancel();
                           });
    m.run();
    if (ec)
      return fail(FailureKind::network,
                  "resolve " + url_.host + ": " + describe(ec, options_.timeout));
    if (m.tls) {
      m.secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(m.io, *m.tls);
    } else {
      m.plain = std::make_unique<beast::tcp_stream>(m.io);
    }
    ++m.opened;
    m.tcp().expires_at(deadline);
    ec = asio::error::would_block;
    m.tcp().async_connect(endpoints, [&](const ErrorCode& e, const tcp::endpoint&) { ec = e; });
    m.run();
    if (ec) return fail(FailureKind::network, "connect: " + describe(ec, options_.timeout));
    if (!m.secure) return std::nullopt;
    SSL* ssl = m.secure->native_handle();
    const std::string name =
        options_.tls.server_name.empty() ? url_.host : options_.tls.server_name;
    const bool ip = is_ip_literal(name);
    // As Go's crypto/tls: no SNI for an IP address, whose SANs are checked instead.
    if (!ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!options_.tls.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                         : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      if (set != 1) return fail(FailureKind::local, "cannot check the server name " + name);
    }
    ec = asio::error::would_block;
    m.secure->async_handshake(asio::ssl::stream_base::client, [&](const ErrorCode& e) { ec = e; });
    m.run();
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      std::string what = "TLS handshake: " + describe(ec, options_.timeout);
      if (verify != X509_V_OK) {
        what += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
      }
      return fail(FailureKind::tls, std::move(what));
    }
    return std::nullopt;
  };

  const auto attempt = [&]() -> Attempt {
    Attempt out;
    m.tcp().expires_at(deadline);
    ErrorCode ec = asio::error::would_block;
    const auto on_write = [&](const ErrorCode& e, std::size_t) { ec = e; };
    if (m.secure) {
      bhttp::async_write(*m.secure, req, on_write);
    } else {
      bhttp::async_write(*m.plain, req, on_write);
    }
    m.run();
    if (ec) {
      out.wrote_nothing_read_nothing = ec != beast::error::timeout;
      out.error = fail(FailureKind::network, "write: " + describe(ec, options_.timeout));
      return out;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    ec = asio::error::would_block;
    const auto on_read = [&](const ErrorCode& e, std::size_t) { ec = e; };
    if (m.secure) {
      bhttp::async_read_header(*m.secure, m.buffer, parser, on_read);
    } else {
      bhttp::async_read_header(*m.plain, m.buffer, parser, on_read);
    }
    m.run();
    // A body longer than max_response_body is not read: the status is the answer, and the
    // connection is closed rather than drained.
    const auto length = parser.content_length();
    const bool truncated = !ec && length && *length > options_.max_response_body;
    if (!ec && !truncated && !parser.is_done()) {
      parser.body_limit(options_.max_response_body);
      ec = asio::error::would_block;
      if (m.secure) {
        bhttp::async_read(*m.secure, m.buffer, parser, on_read);
      } else {
        bhttp::async_read(*m.plain, m.buffer, parser, on_read);
      }
      m.run();
    }
    if (ec && !truncated) {
      out.wrote_nothing_read_nothing =
          !parser.got_some() && (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                                 ec == asio::error::connection_reset);
      out.error = fail(FailureKind::network, "read: " + describe(ec, options_.timeout));
      return out;
    }
    auto& res = parser.get();
    Response r;
    r.status = res.result_int();
    for (const auto& f : res) r.headers.emplace_back(f.name_string(), f.value());
    r.body = std::move(res.body());
    if (truncated || !res.keep_alive()) m.drop();
    out.response = std::move(r);
    return out;
  };

  const bool reused = m.connected();
  if (!reused) {
    if (auto e = connect()) return *e;
  }
  Attempt a = attempt();
  if (!a.response && reused && a.wrote_nothing_read_nothing && Clock::now() < deadline) {
    // The server closed the kept-alive connection while it was idle: once more, afresh.
    if (auto e = connect()) return *e;
    a = attempt();
  }
  if (!a.response) return a.error;
  return std::move(*a.response);
}

}  // namespace sonde::net
