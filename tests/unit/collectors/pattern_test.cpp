#include "collectors/pattern.hpp"

#include <catch2/catch.hpp>
#include <string>

using sonde::collectors::DeviceFilter;
using sonde::collectors::Pattern;

TEST_CASE("Pattern searches unanchored, as Go's MatchString", "[collectors][pattern]") {
  const Pattern p("netdev.device_exclude", "^(lo|veth.*)$");
  REQUIRE(p.valid().ok());
  CHECK(p.search("lo"));
  CHECK(p.search("veth12ab"));
  CHECK_FALSE(p.search("eth0"));
  const Pattern anywhere("x", "ram");
  CHECK(anywhere.search("zram0"));
  CHECK(anywhere.search("ram"));
  CHECK_FALSE(anywhere.search("sda"));
}

TEST_CASE("an empty Pattern matches nothing", "[collectors][pattern]") {
  const Pattern p("x", "");
  CHECK(p.empty());
  CHECK(p.valid().ok());
  CHECK_FALSE(p.search(""));
  CHECK_FALSE(p.search("anything"));
}

TEST_CASE("Pattern reports RE2 compile errors with the option's name", "[collectors][pattern]") {
  struct Case {
    const char* text;
    const char* error;
  };
  // RE2 (Go) syntax: no backreferences and no lookaround, which std::regex's ECMAScript took.
  const Case cases[] = {
      {"(", "missing ): ("},
      {"a(?=b)", "invalid perl operator: (?="},
      {"(a)\\1", "invalid escape sequence: \\1"},
      {"a{1001}", "invalid repetition size: {1001}"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const Pattern p("diskstats.device_exclude", c.text);
    CHECK_FALSE(p.empty());
    const auto st = p.valid();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::StartsWith("diskstats.device_exclude: invalid regular "
                                               "expression \"" +
                                               std::string(c.text) + "\": "));
    CHECK_THAT(st.message(), Catch::EndsWith(c.error));
    CHECK_FALSE(p.search("a"));
  }
}

TEST_CASE("Pattern runs in linear time on a pattern that makes backtrackers explode",
          "[collectors][pattern]") {
  // std::regex needs exponential time (or overflows its stack) on this; RE2 does not.
  const Pattern p("x", "^(a+)+$");
  REQUIRE(p.valid().ok());
  CHECK_FALSE(p.search(std::string(100'000, 'a') + "b"));
  CHECK(p.search(std::string(100'000, 'a')));
}

TEST_CASE("DeviceFilter: include wins, else exclude", "[collectors][pattern]") {
  const DeviceFilter include("netdev", "^eth", "^eth0$");
  REQUIRE(include.valid().ok());
  CHECK_FALSE(include.ignored("eth0"));
  CHECK(include.ignored("lo"));
  const DeviceFilter exclude("netdev", "", "^lo$");
  CHECK(exclude.ignored("lo"));
  CHECK_FALSE(exclude.ignored("eth0"));
  const DeviceFilter none("netdev", "", "");
  CHECK_FALSE(none.ignored("lo"));
  const DeviceFilter bad("netdev", "", "(");
  REQUIRE_FALSE(bad.valid().ok());
  CHECK_THAT(bad.valid().message(), Catch::StartsWith("netdev.device_exclude: "));
}

TEST_CASE("MatchMemo asks once per subject and stops storing at its bound",
          "[collectors][pattern]") {
  sonde::collectors::MatchMemo memo;
  int calls = 0;
  const auto starts_with_tcp = [&](std::string_view s) {
    ++calls;
    return s.starts_with("Tcp");
  };
  CHECK(memo.get("TcpExt_SyncookiesSent", starts_with_tcp));
  CHECK_FALSE(memo.get("Udp_InErrors", starts_with_tcp));
  CHECK(memo.get("TcpExt_SyncookiesSent", starts_with_tcp));
  CHECK_FALSE(memo.get("Udp_InErrors", starts_with_tcp));
  CHECK(calls == 2);

  // Past kMax subjects a new one is answered right each time, but not remembered.
  for (std::size_t i = 2; i < sonde::collectors::MatchMemo::kMax; ++i) {
    memo.get("f" + std::to_string(i), starts_with_tcp);
  }
  calls = 0;
  CHECK(memo.get("Tcp_new", starts_with_tcp));
  CHECK(memo.get("Tcp_new", starts_with_tcp));
  CHECK_FALSE(memo.get("f2", starts_with_tcp));
  CHECK(calls == 2);
}
