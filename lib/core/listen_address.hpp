// The one parser of listen addresses (web.listen_address, ingest.udp.address, the
// --web.listen-address flag): HOST:PORT, [IPv6]:PORT or :PORT, as Go's net.SplitHostPort takes
// them, with the host checked here so that a typo is a config error rather than a bind failure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sonde::core {

/// A listen address split into its parts. `host` is empty for "all interfaces" (":9477") and
/// holds an IPv6 address without its brackets.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;

  bool operator==(const ListenAddress&) const = default;
};

/// Parses HOST:PORT, [IPv6]:PORT or :PORT. HOST is empty, a host name (RFC 1123), an IPv4
/// address, or (in brackets) an IPv6 address with an optional %zone. The error says what is wrong,
/// e.g. `port must be a number from 0 to 65535`.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace sonde::core
