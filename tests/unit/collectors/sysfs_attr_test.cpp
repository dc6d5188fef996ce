#include "collectors/sysfs_attr.hpp"

#include <atomic>
#include <cerrno>

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("read_attr reads once, at most 128 bytes, and returns errno", "[collectors][sysfs]") {
  test::TempTree t;
  t.write("long", std::string(300, 'x') + "\n");
  t.write("short", " 42\n");
  t.mkdir("dir");
  CHECK(sysfs::read_attr(t.root() / "long").value.size() == 128);
  CHECK(sysfs::read_whole(t.root() / "long").value.size() == 301);
  CHECK(sysfs::read_whole(t.root() / "long", 100).err == EFBIG);
  CHECK(sysfs::read_trimmed(t.root() / "short").value == "42");
  CHECK(sysfs::read_attr(t.root() / "missing").err == ENOENT);
  CHECK(sysfs::read_attr(t.root() / "dir").err == EISDIR);
}

TEST_CASE("list_dir and glob_numbered as Go's ReadDir and Glob", "[collectors][sysfs]") {
  test::TempTree t;
  t.write("d/cpu10/online", "1");
  t.write("d/cpu2", "");
  t.write("d/cpufreq/boost", "1");
  t.write("d/cpu", "");
  t.link("d/cpu3", "nowhere");
  const sysfs::Listing l = sysfs::list_dir(t.root() / "d");
  REQUIRE(l.err == 0);
  REQUIRE(l.entries.size() == 5);
  CHECK(l.entries[0].name == "cpu");
  CHECK(l.entries[1].name == "cpu10");
  CHECK(l.entries[1].type == sysfs::EntryType::directory);
  CHECK(l.entries[2].type == sysfs::EntryType::regular);
  CHECK(l.entries[3].type == sysfs::EntryType::symlink);
  CHECK(sysfs::glob_numbered(t.root() / "d", "cpu") ==
        std::vector<std::string>{"cpu10", "cpu2", "cpu3"});
  CHECK(sysfs::list_dir(t.root() / "none").err == ENOENT);
  CHECK(sysfs::glob_numbered(t.root() / "none", "cpu").empty());
}

TEST_CASE("numbers as Go's strconv", "[collectors][sysfs]") {
  CHECK(sysfs::parse_int_base0("0x1003") == 4099);
  CHECK(sysfs::parse_int_base0("-0x10") == -16);
  CHECK(sysfs::parse_int_base0("010") == 8);
  CHECK(sysfs::parse_int_base0("0b101") == 5);
  CHECK(sysfs::parse_int_base0("0") == 0);
  CHECK(sysfs::parse_int_base0("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(sysfs::parse_int_base0("9223372036854775808"));
  CHECK_FALSE(sysfs::parse_int_base0("+-1"));
  CHECK_FALSE(sysfs::parse_int_base0("1_000"));
  CHECK_FALSE(sysfs::parse_int_base0(""));
  CHECK_FALSE(sysfs::parse_int_base0("0x"));
  CHECK(sysfs::parse_int10("+7") == 7);
  CHECK(sysfs::parse_int10("-1") == -1);
  CHECK_FALSE(sysfs::parse_int10("0x1"));
  CHECK_FALSE(sysfs::parse_int10(" 1"));
}

TEST_CASE("to_valid_utf8 as strings.ToValidUTF8", "[collectors][sysfs]") {
  CHECK(sysfs::to_valid_utf8("plain") == "plain");
  CHECK(sysfs::to_valid_utf8("\xC3\xA9") == "\xC3\xA9");
  CHECK(sysfs::to_valid_utf8("a\xff\xfe"
                             "b") ==
        "a\xEF\xBF\xBD"
        "b");                                                     // one run, one U+FFFD
  CHECK(sysfs::to_valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD");      // overlong
  CHECK(sysfs::to_valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD");  // a surrogate
  CHECK(sysfs::to_valid_utf8("\xE2\x82") == "\xEF\xBF\xBD");      // cut short
}

TEST_CASE("run_all waits once for every job", "[collectors][sysfs]") {
  core::BlockingPool pool(2);
  auto n = std::make_shared<std::atomic<int>>(0);
  const auto done =
      sysfs::run_all(pool, {"a", "b", "c"}, {[n] { ++*n; }, [n] { ++*n; }, [n] { ++*n; }},
                     std::chrono::milliseconds(5000));
  CHECK(done == std::vector<bool>{true, true, true});
  CHECK(*n == 3);
}

}  // namespace
}  // namespace sonde::collectors
