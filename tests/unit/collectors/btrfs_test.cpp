#include "collectors/btrfs.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

constexpr const char* kFs = "fs/btrfs/0abb23a9-579b-43e6-ad30-227ef47fcb9d/";

void write_fs(const test::SysTree& t) {
  const std::string s = kFs;
  t.file(s + "label", "fixture\n");
  t.file(s + "metadata_uuid", "0abb23a9-579b-43e6-ad30-227ef47fcb9d\n");
  t.dir(s + "features");
  t.file(s + "devices/loop25/size", "20971520\n");
  t.file(s + "devices/loop26/size", "20971520\n");
  t.file(s + "devices/loop27/size", "20971520\n");
  t.file(s + "allocation/global_rsv_size", "16777216\n");
  for (const char* a : {"data", "metadata", "system"}) {
    const std::string d = s + "allocation/" + a + "/";
    t.file(d + "bytes_reserved", "0\n");
    t.file(d + "raid5/total_bytes", "2147483648\n");
    t.file(d + "raid5/used_bytes", "808189952\n");
  }
  t.file(s + "allocation/metadata/bytes_reserved", "4096\n");
  t.file(s + "allocation/system/raid1/total_bytes", "8388608\n");
  t.file(s + "allocation/system/raid1/used_bytes", "16384\n");
}

std::string fs_labels() { return "uuid=\"0abb23a9-579b-43e6-ad30-227ef47fcb9d\""; }

TEST_CASE("btrfs collector publishes the sysfs families", "[collectors][btrfs]") {
  test::SysTree t;
  write_fs(t);
  BtrfsCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const std::string u = fs_labels();
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_info{label=\"fixture\"," + u + "} 1"));
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_global_rsv_size_bytes{" + u + "} 16777216"));
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_reserved_bytes{block_group_type=\"metadata\"," +
                                       u + "} 4096"));
  // raid5 over 3 devices: 3 / (3 - 1).
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_allocation_ratio{block_group_type=\"data\","
                                       "mode=\"raid5\"," +
                                       u + "} 1.5"));
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_allocation_ratio{block_group_type=\"system\","
                                       "mode=\"raid1\"," +
                                       u + "} 2"));
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_device_size_bytes{device=\"loop25\"," + u +
                                       "} 10737418240"));
  CHECK_THAT(out.text, Catch::Contains("node_btrfs_used_bytes{block_group_type=\"system\","
                                       "mode=\"raid1\"," +
                                       u + "} 16384"));
}

TEST_CASE("btrfs collector keeps procfs's reader quirks on broken trees", "[collectors][btrfs]") {
  test::SysTree t;
  const auto run = [&] {
    BtrfsCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no btrfs: nothing, success") {
    t.dir("fs/btrfs/features");  // what an unused btrfs module leaves
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_fs(t);
  const std::string u = fs_labels();
  SECTION("no metadata_uuid: the directory's name; no label: empty") {
    t.remove(std::string(kFs) + "metadata_uuid");
    t.remove(std::string(kFs) + "label");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("node_btrfs_info{label=\"\"," + u + "} 1"));
  }
  SECTION("a value that is no number reads as 0") {
    t.file(std::string(kFs) + "allocation/global_rsv_size", "lots\n");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("node_btrfs_global_rsv_size_bytes{" + u + "} 0"));
  }
  SECTION("a missing devices directory zeroes what follows, but does not fail") {
    t.remove(std::string(kFs) + "devices");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("node_btrfs_global_rsv_size_bytes{" + u + "} 0"));
    CHECK_THAT(out.text, !Catch::Contains("node_btrfs_device_size_bytes"));
  }
  SECTION("a missing allocation/system fails the attempt; allocation/data does not") {
    t.remove(std::string(kFs) + "allocation/data");
    CHECK(run().status.ok());
    t.remove(std::string(kFs) + "allocation/system");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("a dangling link among the layouts is no layout") {
    t.link(std::string(kFs) + "allocation/data/raid6", "/nonexistent");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, !Catch::Contains("raid6"));
  }
  SECTION("permission denied on a system value fails; on the label it only empties it") {
    t.file(std::string(kFs) + "label", "fixture\n", 0);
    CHECK(test::as_unprivileged([&] {
            const auto out = run();
            return out.status.ok() && out.text.find("label=\"\"") != std::string::npos;
          }) == 1);
    t.file(std::string(kFs) + "allocation/system/bytes_reserved", "0\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
  SECTION("two directories with one metadata_uuid: the second is dropped and counted") {
    const std::string other = "fs/btrfs/11111111-579b-43e6-ad30-227ef47fcb9d/";
    t.file(other + "metadata_uuid", "0abb23a9-579b-43e6-ad30-227ef47fcb9d\n");
    t.dir(other + "devices");
    t.dir(other + "features");
    for (const char* a : {"data", "metadata", "system"}) t.dir(other + "allocation/" + a);
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK(out.parse_errors == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
