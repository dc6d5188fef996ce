#include "collectors/sysfs_attr.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cmath>

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
  CHECK(sysfs::read_trimmed(t.root() / "long").value.size() == 128);
  const sysfs::Attr missing = sysfs::read_attr(t.root() / "missing");
  CHECK(missing.err == ENOENT);
  CHECK_FALSE(missing.in_read);  // open(2) said so
  const sysfs::Attr dir = sysfs::read_attr(t.root() / "dir");
  CHECK(dir.err == EISDIR);
  CHECK(dir.in_read);  // a directory opens; read(2) refuses it
  CHECK(sysfs::read_whole(t.root() / "dir").in_read);
  CHECK(sysfs::read_trimmed(t.root() / "dir").in_read);
  t.link("dangling", "/nonexistent");
  CHECK(sysfs::read_trimmed(t.root() / "dangling").err == ENOENT);
}

TEST_CASE("Dir lists and reads relative to itself as list_dir and read_attr do",
          "[collectors][sysfs]") {
  test::TempTree t;
  t.write("dev/long", std::string(300, 'x') + "\n");
  t.write("dev/short", " 42\n");
  t.write("dev/blank", " \n\t");
  t.mkdir("dev/sub");
  t.link("dev/dangling", "/nonexistent");
  sysfs::Dir dir((t.root() / "dev").c_str());
  REQUIRE(dir.err() == 0);
  const sysfs::Listing listing = dir.list();
  const sysfs::Listing expected = sysfs::list_dir(t.root() / "dev");
  REQUIRE(listing.ok());
  REQUIRE(listing.entries.size() == expected.entries.size());
  for (std::size_t i = 0; i < listing.entries.size(); ++i) {
    CHECK(listing.entries[i].name == expected.entries[i].name);
    CHECK(listing.entries[i].type == expected.entries[i].type);
  }
  CHECK(dir.read_trimmed("short").value == "42");
  CHECK(dir.read_trimmed("blank").value.empty());
  CHECK(dir.read_attr("long").value.size() == 128);
  CHECK(dir.read_attr("long", 1000).value == std::string(300, 'x') + "\n");
  CHECK(dir.read_trimmed("dangling").err == ENOENT);
  CHECK(dir.read_attr("sub").err == EISDIR);
  CHECK(dir.read_attr("sub").in_read);

  sysfs::Dir missing((t.root() / "nope").c_str());
  CHECK(missing.err() == ENOENT);
  CHECK(missing.list().err == ENOENT);
  CHECK(missing.read_attr("short").err == ENOENT);
}

TEST_CASE("a FIFO where an attribute belongs does not block a read", "[collectors][sysfs]") {
  // Without O_NONBLOCK, open(2) of a FIFO with no writer waits for one for ever (ctest's
  // timeout would fail this test).
  test::TempTree t;
  const auto fifo = t.root() / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  const sysfs::Attr a = sysfs::read_attr(fifo);
  CHECK(a.ok());
  CHECK(a.value.empty());
  CHECK(sysfs::read_whole(fifo).ok());
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
  CHECK_FALSE(sysfs::list_dir(t.root() / "none").ok());
  CHECK(sysfs::list_dir(t.root() / "d/cpu2").err == ENOTDIR);
  CHECK(sysfs::list_dir(t.root() / "d", 2).entries.size() == 2);
  CHECK(sysfs::glob_numbered(t.root() / "none", "cpu").empty());

  t.write("g/bdev0", "");
  t.write("g/bdevx", "");
  t.write("g/bdev", "");
  t.write("g/a-b", "");
  t.mkdir("g/1234-abcd");
  CHECK(sysfs::glob_numbered(t.root() / "g", "bdev") == std::vector<std::string>{"bdev0"});
  CHECK(sysfs::glob_dashed(t.root() / "g") == std::vector<std::string>{"1234-abcd", "a-b"});
  CHECK(sysfs::glob_dashed(t.root() / "missing").empty());
  CHECK(sysfs::describe(t.root() / "none", ENOENT) ==
        (t.root() / "none").string() + ": No such file or directory");
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

TEST_CASE("go_float_to_u64 is Go's conversion on amd64", "[collectors][sysfs]") {
  CHECK(sysfs::go_float_to_u64(0) == 0);
  CHECK(sysfs::go_float_to_u64(1.9) == 1);
  CHECK(sysfs::go_float_to_u64(9223372036854775808.0) == 9223372036854775808u);
  CHECK(sysfs::go_float_to_u64(18446744073709549568.0) == 18446744073709549568u);
  CHECK(sysfs::go_float_to_u64(-1) == 0xffffffffffffffffu);
  CHECK(sysfs::go_float_to_u64(1e30) == 0x8000000000000000u);
  CHECK(sysfs::go_float_to_u64(-1e30) == 0x8000000000000000u);
  CHECK(sysfs::go_float_to_u64(NAN) == 0x8000000000000000u);
  CHECK(sysfs::go_float_to_u64(INFINITY) == 0x8000000000000000u);
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
