#include "collectors/os_release.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("os matches node_exporter 1.5.0 on its fixture", "[collectors][os]") {
  // node_exporter's fixture root has usr/lib/os-release and no etc/os-release.
  OsCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_os_");
  });
}

TEST_CASE("parse_os_release reads os-release as go-envparse", "[collectors][os]") {
  const auto env = parse_os_release(
      "# comment\n"
      "\n"
      "NAME=\"Debian GNU/Linux\"\n"
      "export ID=debian\n"
      "VERSION='12 (bookworm)'\n"
      "PRETTY_NAME=\"A \\\"quoted\\\" \\u00e9\\ud83d\\ude00 name\" # trailing comment\n"
      "VARIANT=plain  # comment after blanks\n"
      "EMPTY=\n"
      "ID_LIKE=a'b c'd\r\n");
  REQUIRE(env.ok());
  CHECK(env->at("NAME") == "Debian GNU/Linux");
  CHECK(env->at("ID") == "debian");
  CHECK(env->at("VERSION") == "12 (bookworm)");
  CHECK(env->at("PRETTY_NAME") == "A \"quoted\" \xC3\xA9\xF0\x9F\x98\x80 name");
  CHECK(env->at("VARIANT") == "plain");
  CHECK(env->count("EMPTY") == 0);
  CHECK(env->at("ID_LIKE") == "ab cd");

  CHECK(parse_os_release("A=1\nNOEQUALS\n").message() == "error on line 2: missing =");
  CHECK(parse_os_release("1A=x\n").message() == "error on line 1: key must start with [A-Za-z_]");
  CHECK(parse_os_release("A-B=x\n").message() ==
        "error on line 1: key characters must be [A-Za-z0-9/_.]");
  CHECK(parse_os_release("A=\"open\n").message() == "error on line 1: unmatched \"");
  CHECK(parse_os_release("A='open\n").message() == "error on line 1: unmatched '");
  CHECK(parse_os_release("A=\"\\q\"\n").message() == "error on line 1: invalid escape sequence");
  CHECK(parse_os_release("A=\"\\u12\"\n").message() ==
        "error on line 1: incomplete or invalid hex sequence");
  CHECK(parse_os_release("A=\"\\ud83d\"\n").message() ==
        "error on line 1: incomplete Unicode surrogate pair");
  CHECK(parse_os_release("A=x\x01y\n").message() == "error on line 1: invalid value character");
  CHECK(parse_os_release("=x\n").message() == "error on line 1: empty key");
}

TEST_CASE("os_version_number takes VERSION_ID's major.minor", "[collectors][os]") {
  CHECK(os_version_number("20.04") == 20.04);
  CHECK(os_version_number("12") == 12);
  CHECK(os_version_number("8.6.2") == 8.6);
  CHECK(os_version_number("3.") == 3);
  CHECK(os_version_number("rolling") == 0);
  CHECK(os_version_number("") == 0);
}

TEST_CASE("os prefers etc/os-release and is quiet without either file", "[collectors][os]") {
  test::TempTree t;
  {
    OsCollector c{t.paths()};
    test::check_quiet_without_source(c);
  }
  t.write("usr/lib/os-release", "ID=lib\nVERSION_ID=1\n");
  t.write("etc/os-release", "ID=etc\nNAME=Etc\nVERSION_ID=rolling\n");
  OsCollector c{t.paths()};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.count_family("node_os_info") == 1);
  CHECK(sink.count_family("node_os_version") == 0);  // no number in VERSION_ID
  CHECK(sink.samples.begin()->first.find("id=\"etc\"") != std::string::npos);
  t.write("etc/os-release", "ID=etc\nbroken line\n");
  CHECK(c.collect(sink).message().find("error on line 2: missing =") != std::string::npos);
}

}  // namespace
}  // namespace sonde::collectors
