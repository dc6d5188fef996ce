#include "collectors/sysfs_read.hpp"

#include <cerrno>
#include <cmath>

#include "sysfs_tree.hpp"

namespace sonde::collectors::sysfs_read {
namespace {

TEST_CASE("sysfs reads keep errno and procfs's limits", "[collectors][sysfs]") {
  test::SysTree t;
  t.file("a/attr", "  value with spaces \n");
  t.file("a/long", std::string(200, 'x') + "\n");
  t.link("a/dangling", "/nonexistent");
  t.dir("a/sub");
  const auto a = read_attribute(t.sys() / "a/attr");
  REQUIRE(a.ok());
  CHECK(a.text == "value with spaces");
  CHECK(read_attribute(t.sys() / "a/long").text.size() == 128);  // one read of 128 bytes
  CHECK(read_file(t.sys() / "a/long").text.size() == 201);
  CHECK(read_file(t.sys() / "a/long", 100).err == EFBIG);
  CHECK(read_attribute(t.sys() / "a/missing").err == ENOENT);
  CHECK(read_attribute(t.sys() / "a/dangling").err == ENOENT);
  const auto dir = read_attribute(t.sys() / "a/sub");
  CHECK(dir.err == EISDIR);
  CHECK(dir.in_read);

  const auto l = list_dir(t.sys() / "a");
  REQUIRE(l.ok());
  REQUIRE(l.entries.size() == 4);  // attr, dangling, long, sub
  CHECK(l.entries[0].name == "attr");
  CHECK(l.entries[0].is_regular);
  CHECK(l.entries[1].name == "dangling");
  CHECK_FALSE(l.entries[1].is_regular);
  CHECK_FALSE(l.entries[1].is_dir);
  CHECK(l.entries[3].name == "sub");
  CHECK(l.entries[3].is_dir);
  CHECK(list_dir(t.sys() / "none").err == ENOENT);
  CHECK(list_dir(t.sys() / "a/attr").err == ENOTDIR);
  CHECK(list_dir(t.sys() / "a", 2).entries.size() == 2);

  t.file("g/bdev0", "");
  t.file("g/bdevx", "");
  t.file("g/bdev", "");
  t.file("g/cache12", "");
  t.file("g/a-b", "");
  CHECK(glob_names(t.sys() / "g", "bdev", true) == std::vector<std::string>{"bdev0"});
  CHECK(glob_names(t.sys() / "g", "bdev", false) ==
        std::vector<std::string>{"bdev", "bdev0", "bdevx"});
  CHECK(glob_dashed(t.sys() / "g") == std::vector<std::string>{"a-b"});
  CHECK(glob_dashed(t.sys() / "missing").empty());
}

TEST_CASE("go_float_to_u64 is Go's conversion on amd64", "[collectors][sysfs]") {
  CHECK(go_float_to_u64(0) == 0);
  CHECK(go_float_to_u64(1.9) == 1);
  CHECK(go_float_to_u64(9223372036854775808.0) == 9223372036854775808u);
  CHECK(go_float_to_u64(18446744073709549568.0) == 18446744073709549568u);
  CHECK(go_float_to_u64(-1) == 0xffffffffffffffffu);
  CHECK(go_float_to_u64(1e30) == 0x8000000000000000u);
  CHECK(go_float_to_u64(-1e30) == 0x8000000000000000u);
  CHECK(go_float_to_u64(NAN) == 0x8000000000000000u);
  CHECK(go_float_to_u64(INFINITY) == 0x8000000000000000u);
}

}  // namespace
}  // namespace sonde::collectors::sysfs_read
