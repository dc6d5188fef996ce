// URLs that sonde sends to (Alertmanager, webhooks, remote-write receivers): absolute http and
// https URLs as RFC 3986 writes them, split into what an HTTP client needs. The parser is strict
// where a lax one would send somewhere unexpected: no fragments, no spaces or control bytes, a
// port of 1..65535, a host that is a DNS name, an IPv4 address or a bracketed IPv6 address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sonde::net {

struct Url {
  std::string scheme;  // "http" or "https" (lowercased)
  /// Lowercased DNS name, IPv4 address, or IPv6 address without brackets (a zone as "%eth0").
  std::string host;
  std::uint16_t port = 0;      // the URL's, else the scheme's default (80, 443)
  bool explicit_port = false;  // whether the URL named the port
  std::string path = "/";      // as written (percent-encoding kept), "/" when the URL has none
  std::string query;           // after '?', as written; empty when none
  std::string username;        // userinfo, percent-decoded; empty when none
  std::string password;

  bool ipv6() const { return host.find(':') != std::string::npos; }
  /// What goes on the request line: path, then "?query" when there is one.
  std::string target() const;
  /// The Host header: host (bracketed when IPv6), with ":port" when the URL named one.
  std::string authority() const;
  /// The URL without its userinfo, for logs and metric labels (never shows a password).
  std::string redacted() const;

  bool operator==(const Url&) const = default;
};

/// The longest URL accepted.
inline constexpr std::size_t kMaxUrlBytes = 8192;

/// Parses an absolute http:// or https:// URL. Errors say what is wrong, e.g.
/// `unsupported scheme "ftp" (expected http or https)` or `port must be a number from 1 to 65535`.
core::Result<Url> parse_url(std::string_view text);

}  // namespace sonde::net
