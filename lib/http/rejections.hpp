// Why the HTTP server refused or dropped a connection or request, and why a TLS handshake
// failed: sonde_http_rejected_total{reason} and sonde_http_tls_handshake_errors_total{reason},
// every reason present at 0 from the start, and the rate-limited warning for each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "core/rate_limit.hpp"

namespace prometheus {
class Registry;
class Counter;
}  // namespace prometheus

namespace sonde::http {

enum class Reject {
  max_connections,
  header_too_large,
  body_too_large,
  bad_request,
  read_timeout,
  write_timeout,
  unauthorized,
  auth_overload,
  tls_handshake,
  per_client_limit,
  pending_limit,
  response_memory
};
inline constexpr std::string_view kRejectNames[] = {
    "max_connections", "header_too_large", "body_too_large", "bad_request",
    "read_timeout",    "write_timeout",    "unauthorized",   "auth_overload",
    "tls_handshake",   "per_client_limit", "pending_limit",  "response_memory"};
inline constexpr std::size_t kRejectCount = std::size(kRejectNames);

inline std::string_view reject_name(Reject r) { return kRejectNames[static_cast<std::size_t>(r)]; }

/// Why a TLS handshake failed, as the label of sonde_http_tls_handshake_errors_total.
inline constexpr std::string_view kHandshakeReasons[] = {
    "timeout", "protocol_version", "no_shared_cipher", "client_certificate", "http_request", "eof",
    "other"};
inline constexpr std::size_t kHandshakeReasonCount = std::size(kHandshakeReasons);

/// sonde_http_rejected_total{reason} and sonde_http_tls_handshake_errors_total{reason}, every
/// reason present from the start, and rate-limited logging for rejections and handler failures.
class Rejections {
 public:
  explicit Rejections(prometheus::Registry& registry);

  /// Counts a refusal of `r` and logs it (rate-limited) with the peer and what happened.
  void count(Reject r, std::string_view peer, std::string_view detail);
  /// Counts a failed TLS handshake; `reason` indexes kHandshakeReasons.
  void handshake_failed(std::size_t reason);

  /// Logs at warn unless `key` has been logged 5 times in the last 10 s; the next line that
  /// gets through says how many were held back.
  void warn_limited(std::string_view key, const std::string& message) { log_.warn(key, message); }

  /// The count of one reason (0 for a name that is none).
  std::uint64_t value(std::string_view reason) const;
  std::uint64_t handshake_errors(std::string_view reason) const;

 private:
  prometheus::Counter* counters_[kRejectCount] = {};
  prometheus::Counter* handshake_[kHandshakeReasonCount] = {};
  core::RateLimitedLog log_;
};

}  // namespace sonde::http
