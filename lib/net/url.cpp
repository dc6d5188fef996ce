#include "net/url.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "core/quote.hpp"

namespace sonde::net {
namespace {

using core::error;
using core::quote;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return lower(c) - 'a' + 10;
}

// RFC 3986 unreserved and sub-delims, plus ':' and '@': a pchar without its percent-encoding.
bool is_pchar(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

/// Checks a path ("/" allowed) or a query ("/" and "?" allowed): pchars and %XX only.
core::Status check_component(std::string_view s, std::string_view what, bool query) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
        return error("invalid percent-encoding in the " + std::string(what));
      }
      i += 2;
      continue;
    }
    if (is_pchar(c) || c == '/' || (query && c == '?')) continue;
    return error("character " + quote(std::string_view(&c, 1)) + " is not allowed in the " +
                 std::string(what) + " (percent-encode it)");
  }
  return core::ok();
}

core::Result<std::string> percent_decode(std::string_view s, std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
      return error("invalid percent-encoding in the " + std::string(what));
    }
    out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
    i += 2;
  }
  return out;
}

// A DNS name (letters, digits, '-', and '_' as some internal names have, in dot-separated labels
// of 1..63) or, when it is all digits and dots, an IPv4 address. Lowercases `host`.
core::Status check_host(std::string& host) {
  if (host.size() > 253) return error("host name is longer than 253 characters");
  bool numeric = true;
  for (char& c : host) {
    c = lower(c);
    numeric = numeric && (is_digit(c) || c == '.');
  }
  if (numeric) {
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) {
      return error(quote(host) + " is not an IPv4 address");
    }
    return core::ok();
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') {
        return error(quote(host) + " is not a valid host name");
      }
      label = 0;
      continue;
    }
    const char c = host[i];
    if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_')) {
      return error(quote(host) + " is not a valid host name");
    }
    ++label;
  }
  return core::ok();
}

// An IPv6 literal from between the brackets, with an optional RFC 6874 zone ("%25eth0").
core::Result<std::string> ipv6_host(std::string_view inside) {
  std::string addr(inside);
  std::string zone;
  if (const auto pct = inside.find('%'); pct != std::string_view::npos) {
    if (inside.substr(pct, 3) != "%25" || pct + 3 == inside.size()) {
      return error(quote(inside) + " is not an IPv6 address (a zone is written \"%25zone\")");
    }
    auto decoded = percent_decode(inside.substr(pct + 3), "IPv6 zone");
    if (!decoded) return decoded.error();
    for (const char c : *decoded) {
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
        return error(quote(inside) + " is not an IPv6 address (bad zone)");
      }
    }
    zone = "%" + *decoded;
    addr.resize(pct);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, addr.c_str(), &v6) != 1) {
    return error(quote(inside) + " is not an IPv6 address");
  }
  for (char& c : addr) c = lower(c);
  return addr + zone;
}

}  // namespace

std::string Url::target() const { return query.empty() ? path : path + "?" + query; }

std::string Url::authority() const {
  std::string out = ipv6() ? "[" + host + "]" : host;
  if (const auto pct = out.find('%'); pct != std::string::npos) out.replace(pct, 1, "%25");
  if (explicit_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::redacted() const { return scheme + "://" + authority() + target(); }

core::Result<Url> parse_url(std::string_view text) {
  if (text.empty()) return error("empty URL");
  if (text.size() > kMaxUrlBytes) {
    return error("URL is longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      return error(
          "URL contains a space, a control character or a non-ASCII byte "
          "(percent-encode it)");
    }
  }
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return error("missing scheme; expected http://HOST[:PORT][/PATH] or https://...");
  }
  for (const char c : text.substr(0, sep)) url.scheme += lower(c);
  if (url.scheme == "http") {
    url.port = 80;
  } else if (url.scheme == "https") {
    url.port = 443;
  } else {
    return error("unsupported scheme " + quote(text.substr(0, sep)) + " (expected http or https)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) {
    return error("URL has a fragment (\"#...\"), which is never sent to a server");
  }
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon), "user name");
    if (!user) return user.error();
    url.username = std::move(*user);
    if (colon != std::string_view::npos) {
      auto pass = percent_decode(userinfo.substr(colon + 1), "password");
      if (!pass) return pass.error();
      url.password = std::move(*pass);
    }
    if (url.username.empty()) return error("URL has a password but no user name");
  }

  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return error("missing \"]\" after the IPv6 address");
    auto host = ipv6_host(authority.substr(1, close - 1));
    if (!host) return host.error();
    url.host = std::move(*host);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return error("unexpected text after the IPv6 address");
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.rfind(':');
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.find(':') != std::string_view::npos) {
      return error("an IPv6 address needs brackets, as in http://[::1]:9093/");
    }
    if (host.empty()) return error("missing host");
    url.host = std::string(host);
    if (auto st = check_host(url.host); !st.ok()) return st.error();
  }
  if (has_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || port.size() > 5 || !is_digit(port.front()) || ec != std::errc{} ||
        end != port.data() + port.size() || value == 0 || value > 65535) {
      return error("port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
    url.explicit_port = true;
  }

  const auto q = rest.find('?');
  const std::string_view path = rest.substr(0, q);
  if (!path.empty()) {
    if (auto st = check_component(path, "path", false); !st.ok()) return st.error();
    url.path = std::string(path);
  }
  if (q != std::string_view::npos) {
    const std::string_view query = rest.substr(q + 1);
    if (auto st = check_component(query, "query", true); !st.ok()) return st.error();
    url.query = std::string(query);
  }
  return url;
}

}  // namespace sonde::net
