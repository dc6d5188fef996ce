// Options of the HTTP server (config section `web`). Header-only: lib/config fills them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace sonde::http {

struct WebOptions {
  std::string listen_address = "127.0.0.1:9477";  // HOST:PORT; [v6]:PORT; port 0 = ephemeral
  // Connections that have completed a request (established); more are closed at accept.
  std::uint32_t max_connections = 512;
  // Connections not yet through their first request (or TLS handshake): a cap of their own, so
  // slow or silent clients never take an established connection's slot.
  std::uint32_t max_pending_connections = 128;
  std::uint32_t max_connections_per_client = 16;  // open connections per client IP address
  std::uint32_t max_header_bytes = 8192;
  std::chrono::milliseconds read_timeout{10'000};   // whole request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive: idle connection closed after this
  std::chrono::milliseconds write_timeout{30'000};  // a response not taken within this: dropped
  // Bytes of /metrics bodies held for responses not yet taken by their clients (each shared
  // body once); a scrape that would need more gets 503.
  std::uint64_t max_response_bytes_in_flight = 64 << 20;
  // The exporter-toolkit web config file (TLS, basic auth, headers); empty: plain HTTP, no auth.
  // Read by the daemon (lib/config) at start, on SIGHUP and when it or a file it names changes.
  std::filesystem::path config_file;
  std::chrono::milliseconds tls_handshake_timeout{5'000};  // TLS handshake done within this
  std::uint32_t auth_max_pending = 64;  // bcrypt checks queued or running; more: 429
  bool probes_without_auth = false;     // /health and /ready served without basic auth
  /// The URL sonde is reached at, for links (`$externalURL` in alert templates); empty:
  /// http://<hostname>:<port>/ (daemon/ fills it in).
  std::string external_url;
  bool operator==(const WebOptions&) const = default;
};

}  // namespace sonde::http
