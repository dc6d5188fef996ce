#include "core/listen_address.hpp"

#include <catch2/catch.hpp>

using sonde::core::parse_listen_address;

TEST_CASE("parse_listen_address accepts HOST:PORT, [IPv6]:PORT and :PORT", "[core][listen]") {
  struct Case {
    const char* text;
    const char* host;
    unsigned port;
  };
  const Case cases[] = {
      {"127.0.0.1:9477", "127.0.0.1", 9477},
      {"0.0.0.0:9100", "0.0.0.0", 9100},
      {":9477", "", 9477},
      {":0", "", 0},
      {"localhost:65535", "localhost", 65535},
      {"metrics-01.example.com:80", "metrics-01.example.com", 80},
      {"[::1]:9477", "::1", 9477},
      {"[::]:1", "::", 1},
      {"[fe80::1%eth0]:9477", "fe80::1%eth0", 9477},
      {"[2001:db8::ff00:42:8329]:443", "2001:db8::ff00:42:8329", 443},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto r = parse_listen_address(c.text);
    REQUIRE(r.ok());
    CHECK(r->host == c.host);
    CHECK(r->port == c.port);
  }
}

TEST_CASE("parse_listen_address says what is wrong", "[core][listen]") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "missing port; expected HOST:PORT, [IPv6]:PORT or :PORT"},
      {"localhost", "missing port; expected HOST:PORT, [IPv6]:PORT or :PORT"},
      {"9477", "missing port; expected HOST:PORT, [IPv6]:PORT or :PORT"},
      {"localhost:", "port must be a number from 0 to 65535"},
      {"localhost:65536", "port must be a number from 0 to 65535"},
      {"localhost:-1", "port must be a number from 0 to 65535"},
      {"localhost:+80", "port must be a number from 0 to 65535"},
      {"localhost:000080", "port must be a number from 0 to 65535"},
      {"localhost:http", "port must be a number from 0 to 65535"},
      {"localhost:80 ", "port must be a number from 0 to 65535"},
      {"1.2.3.256:80", "\"1.2.3.256\" is not an IPv4 address"},
      {"1.2.3:80", "\"1.2.3\" is not an IPv4 address"},
      {"::1:80", "an IPv6 address needs brackets, as in [::1]:9477"},
      {"[::1]", "missing port; expected HOST:PORT, [IPv6]:PORT or :PORT"},
      {"[::1]80", "missing port; expected HOST:PORT, [IPv6]:PORT or :PORT"},
      {"[::1:80", "missing \"]\" after the IPv6 address"},
      {"[]:80", "\"\" is not an IPv6 address"},
      {"[127.0.0.1]:80", "\"127.0.0.1\" is not an IPv6 address"},
      {"[fe80::1%]:80", "\"fe80::1%\" is not an IPv6 address"},
      {"my_host:80", "\"my_host\" is not a valid host name"},
      {"-host:80", "\"-host\" is not a valid host name"},
      {"host-:80", "\"host-\" is not a valid host name"},
      {"a..b:80", "\"a..b\" is not a valid host name"},
      {"host.:80", "\"host.\" is not a valid host name"},
      {"ho st:80", "\"ho st\" is not a valid host name"},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    const auto r = parse_listen_address(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == c.error);
  }
  // A label longer than 63 characters.
  CHECK_FALSE(parse_listen_address(std::string(64, 'a') + ":80").ok());
  CHECK(parse_listen_address(std::string(63, 'a') + ":80").ok());
}
