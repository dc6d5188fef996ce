#include "net/url.hpp"

#include <catch2/catch.hpp>
#include <string>

using sonde::net::parse_url;
using sonde::net::Url;

TEST_CASE("parse_url splits http and https URLs", "[net][url]") {
  struct Case {
    const char* text;
    const char* scheme;
    const char* host;
    unsigned port;
    bool explicit_port;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"http://localhost:9093/api/v2/alerts", "http", "localhost", 9093, true, "/api/v2/alerts",
       ""},
      {"https://mimir.example.com/api/v1/push", "https", "mimir.example.com", 443, false,
       "/api/v1/push", ""},
      {"http://10.0.0.1", "http", "10.0.0.1", 80, false, "/", ""},
      {"HTTPS://Example.COM:8443?a=1&b=%2F", "https", "example.com", 8443, true, "/", "a=1&b=%2F"},
      {"http://[::1]:9093/", "http", "::1", 9093, true, "/", ""},
      {"http://[2001:DB8::1]/x", "http", "2001:db8::1", 80, false, "/x", ""},
      {"http://[fe80::1%25eth0]:80/", "http", "fe80::1%eth0", 80, true, "/", ""},
      {"http://my_service:8080/hook", "http", "my_service", 8080, true, "/hook", ""},
      {"http://h/a%20b/c;d=e@f:g?x=/y?z", "http", "h", 80, false, "/a%20b/c;d=e@f:g", "x=/y?z"},
      {"http://h/?", "http", "h", 80, false, "/", ""},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto r = parse_url(c.text);
    REQUIRE(r.ok());
    CHECK(r->scheme == c.scheme);
    CHECK(r->host == c.host);
    CHECK(r->port == c.port);
    CHECK(r->explicit_port == c.explicit_port);
    CHECK(r->path == c.path);
    CHECK(r->query == c.query);
    CHECK(r->username.empty());
  }
}

TEST_CASE("parse_url splits userinfo, percent-decoded, and never shows it again", "[net][url]") {
  const auto r = parse_url("https://alice:s%3Acret%40x@am.example:9093/api?x=1");
  REQUIRE(r.ok());
  CHECK(r->username == "alice");
  CHECK(r->password == "s:cret@x");
  CHECK(r->host == "am.example");
  CHECK(r->redacted() == "https://am.example:9093/api?x=1");
  CHECK(r->target() == "/api?x=1");
  CHECK(r->authority() == "am.example:9093");
  const auto user_only = parse_url("http://bob@h/");
  REQUIRE(user_only.ok());
  CHECK(user_only->username == "bob");
  CHECK(user_only->password.empty());
}

TEST_CASE("Url::authority brackets IPv6 and re-encodes a zone", "[net][url]") {
  CHECK(parse_url("http://[::1]/")->authority() == "[::1]");
  CHECK(parse_url("http://[fe80::1%25eth0]:81/")->authority() == "[fe80::1%25eth0]:81");
  CHECK(parse_url("http://h:80/")->authority() == "h:80");
  CHECK(parse_url("http://h/")->authority() == "h");
}

TEST_CASE("parse_url says what is wrong", "[net][url]") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "empty URL"},
      {"localhost:9093", "missing scheme; expected http://HOST[:PORT][/PATH] or https://..."},
      {"ftp://h/", "unsupported scheme \"ftp\" (expected http or https)"},
      {"://h/", "unsupported scheme \"\" (expected http or https)"},
      {"http:///path", "missing host"},
      {"http://:80/", "missing host"},
      {"http://user@/", "missing host"},
      {"http://h:0/", "port must be a number from 1 to 65535"},
      {"http://h:65536/", "port must be a number from 1 to 65535"},
      {"http://h:/", "port must be a number from 1 to 65535"},
      {"http://h:+80/", "port must be a number from 1 to 65535"},
      {"http://h:http/", "port must be a number from 1 to 65535"},
      {"http://::1/", "an IPv6 address needs brackets, as in http://[::1]:9093/"},
      {"http://[::1/", "missing \"]\" after the IPv6 address"},
      {"http://[::g]/", "\"::g\" is not an IPv6 address"},
      {"http://[127.0.0.1]/", "\"127.0.0.1\" is not an IPv6 address"},
      {"http://[fe80::1%eth0]/",
       "\"fe80::1%eth0\" is not an IPv6 address (a zone is written "
       "\"%25zone\")"},
      {"http://[::1]x/", "unexpected text after the IPv6 address"},
      {"http://[fe80::1%25a%2Fb]/", "\"fe80::1%25a%2Fb\" is not an IPv6 address (bad zone)"},
      {"http://256.1.1.1/", "\"256.1.1.1\" is not an IPv4 address"},
      {"http://a..b/", "\"a..b\" is not a valid host name"},
      {"http://-a/", "\"-a\" is not a valid host name"},
      {"http://a%41/", "\"a%41\" is not a valid host name"},
      {"http://h/a b",
       "URL contains a space, a control character or a non-ASCII byte "
       "(percent-encode it)"},
      {"http://h/\xc3\xa9",
       "URL contains a space, a control character or a non-ASCII byte "
       "(percent-encode it)"},
      {"http://h/#frag", "URL has a fragment (\"#...\"), which is never sent to a server"},
      {"http://h/a%2", "invalid percent-encoding in the path"},
      {"http://h/?q=%zz", "invalid percent-encoding in the query"},
      {"http://h/a<b", "character \"<\" is not allowed in the path (percent-encode it)"},
      {"http://h/?a|b", "character \"|\" is not allowed in the query (percent-encode it)"},
      {"http://u:p%4@h/", "invalid percent-encoding in the password"},
      {"http://:secret@h/", "URL has a password but no user name"},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    const auto r = parse_url(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == c.error);
  }
  CHECK(parse_url("http://h/" + std::string(sonde::net::kMaxUrlBytes, 'a')).message() ==
        "URL is longer than 8192 bytes");
  CHECK_FALSE(parse_url("http://" + std::string(64, 'a') + "/").ok());
  CHECK(parse_url("http://" + std::string(63, 'a') + "/").ok());
}
