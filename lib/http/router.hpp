// sonde's HTTP routes, socket-free: a Request in, a Response out. server.cpp (the only file that
// includes Beast) feeds it; tests call it directly.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/board.hpp"

namespace sonde::http {

struct Request {
  std::string_view method;  // "GET", "HEAD", ...
  std::string_view target;  // "/metrics?x=y"
  std::string_view accept;
  std::string_view accept_encoding;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
};

/// What the index page and /health show about the build.
struct RouterInfo {
  std::string version;
  std::string revision;
  std::vector<std::string> enabled_collectors;
};

class Router {
 public:
  Router(const core::Board& board, RouterInfo info);
  /// Thread-safe. For HEAD the body is computed (its length is the Content-Length) and the
  /// server omits it.
  Response handle(const Request& req) const;

 private:
  Response metrics(const Request& req) const;
  Response health() const;
  Response ready() const;
  Response index() const;

  const core::Board& board_;
  RouterInfo info_;
};

}  // namespace sonde::http
