#include "core/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "core/quote.hpp"

namespace sonde::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kListenForms = "expected HOST:PORT, [IPv6]:PORT or :PORT";

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1..63 each.
bool is_host_name(std::string_view host) {
  if (host.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = host[i];
    const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
    ++label;
  }
  return true;
}

bool is_ipv6(std::string_view text) {
  std::string addr(text);
  if (const auto pct = addr.find('%'); pct != std::string::npos) {
    const std::string_view zone = text.substr(pct + 1);
    if (zone.empty()) return false;
    for (const char c : zone) {
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
            c == '-' || c == '.')) {
        return false;
      }
    }
    addr.resize(pct);
  }
  in6_addr out{};
  return inet_pton(AF_INET6, addr.c_str(), &out) == 1;
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return error("missing \"]\" after the IPv6 address");
    const std::string_view host = text.substr(1, close - 1);
    if (!is_ipv6(host)) return error(quote(host) + " is not an IPv6 address");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return error("missing port; " + std::string(kListenForms));
    }
    out.host = std::string(host);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return error("missing port; " + std::string(kListenForms));
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return error("an IPv6 address needs brackets, as in [::1]:9477");
    }
    bool numeric = !host.empty();
    for (const char c : host) numeric = numeric && (is_digit(c) || c == '.');
    if (numeric) {
      in_addr v4{};
      if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) {
        return error(quote(host) + " is not an IPv4 address");
      }
    } else if (!host.empty() && !is_host_name(host)) {
      return error(quote(host) + " is not a valid host name");
    }
    out.host = std::string(host);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool all_digits = !port.empty() && port.size() <= 5 && is_digit(port.front());
  if (!all_digits || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return error("port must be a number from 0 to 65535");
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace sonde::core
