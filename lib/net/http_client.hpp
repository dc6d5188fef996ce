// The outgoing HTTP(S) client that remote write (and later the alert notifiers) share: Boost.Beast
// over OpenSSL, one kept-alive connection to one URL, blocking calls with one deadline per
// request. Beast rather than libcurl: the server side is already Beast and OpenSSL, so the client
// adds no library to the binary, and timeouts and TLS checks are the same code paths we test.
//
// A client runs its own single-threaded io_context on the caller's thread: a call returns when
// the response is read or the deadline (ClientOptions::timeout) passes. Not thread-safe: one
// caller (remote write runs one sender thread per queue).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "net/options.hpp"
#include "net/url.hpp"

namespace sonde::net {

struct Response {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // at most ClientOptions::max_response_body bytes
  /// The first header of that name (case-insensitive), or "" when absent.
  std::string_view header(std::string_view name) const;
};

/// Why a request got no response: a receiver that could not be reached (`network`: resolve,
/// connect, reset, timeout), a TLS failure (`tls`: handshake or certificate verification), or a
/// local problem that no retry fixes soon (`local`: an unreadable password file, certificate or
/// CA file).
enum class FailureKind { network, tls, local };

struct RequestError {
  FailureKind kind = FailureKind::network;
  std::string message;  // names the URL (redacted) and what failed
};

struct Header {
  std::string name;
  std::string value;
};

class HttpClient {
 public:
  /// Loads the TLS files (an https URL) at once: a missing CA or key is an error here, with the
  /// file's name.
  static core::Result<std::unique_ptr<HttpClient>, RequestError> create(Url url,
                                                                        ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends one request to the URL (its path and query) with the options' headers and
  /// authentication, then `headers`; reuses the kept-alive connection when there is one (a
  /// kept-alive connection the server closed meanwhile is replaced once, transparently).
  core::Result<Response, RequestError> request(std::string_view method,
                                               const std::vector<Header>& headers,
                                               std::string_view body);

  /// Closes the connection (the next request opens one).
  void close();

  /// Makes the request in progress, and every later one, fail at once (FailureKind::network,
  /// "interrupted"). Thread-safe: a queue's stop() calls it from another thread so that shutdown
  /// never waits out remote_timeout.
  void interrupt();

  const Url& url() const { return url_; }
  /// Connections opened so far (a test of keep-alive reads it).
  std::size_t connections_opened() const;

 private:
  struct Impl;
  HttpClient(Url url, ClientOptions options);
  Url url_;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonde::net
