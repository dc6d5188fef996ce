#include "collectors/btrfs.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>

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
  BtrfsCollector c{t.paths(), nullptr};
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
    BtrfsCollector c{t.paths(), nullptr};
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

// ---- the ioctl half (node_exporter's getIoctlStats) ----

constexpr std::array<std::uint8_t, 16> kFsid = {0x0a, 0xbb, 0x23, 0xa9, 0x57, 0x9b, 0x43, 0xe6,
                                                0xad, 0x30, 0x22, 0x7e, 0xf4, 0x7f, 0xcb, 0x9d};
constexpr std::array<std::uint8_t, 16> kDevUuid = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                                   0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/// A scripted btrfs mount: FS_INFO's answer, and per device id DEV_INFO and GET_DEV_STATS
/// answers (an id not in `devices` answers ENODEV). Counts the DEV_INFO calls.
struct FakeMount final : BtrfsMount {
  int fs_info_err = 0;
  BtrfsFsInfo info;
  std::map<std::uint64_t, std::pair<BtrfsDevInfo, BtrfsDevStats>> devices;
  std::map<std::uint64_t, int> dev_info_err, dev_stats_err;
  std::size_t dev_info_calls = 0;

  int fs_info(BtrfsFsInfo& out) override {
    out = info;
    return fs_info_err;
  }
  int dev_info(std::uint64_t id, BtrfsDevInfo& out) override {
    ++dev_info_calls;
    if (auto e = dev_info_err.find(id); e != dev_info_err.end()) return e->second;
    const auto it = devices.find(id);
    if (it == devices.end()) return ENODEV;
    out = it->second.first;
    return 0;
  }
  int dev_stats(std::uint64_t id, BtrfsDevStats& out) override {
    if (auto e = dev_stats_err.find(id); e != dev_stats_err.end()) return e->second;
    out = devices.at(id).second;
    return 0;
  }
};

/// The fixture filesystem's answers: loop25 at id 1, loop26 at id 3 (id 2 was removed).
FakeMount fixture_mount() {
  FakeMount m;
  m.info.max_id = 3;
  m.info.num_devices = 2;
  m.info.fsid = kFsid;
  m.devices[1] = {BtrfsDevInfo{kDevUuid, 1000, 10737418240, "/dev/loop25"},
                  BtrfsDevStats{{1, 2, 3, 4, 5}}};
  auto other = kDevUuid;
  other[15] = 0xee;
  m.devices[3] = {BtrfsDevInfo{other, 2000, 10737418240, "/rootfs/dev/loop26"},
                  BtrfsDevStats{{0, 0, 0, 0, 7}}};
  return m;
}

TEST_CASE("btrfs UUIDs print as dennwc/btrfs prints them", "[collectors][btrfs]") {
  CHECK(btrfs_fsid_string(kFsid) == "0abb23a9579b43e6ad30227ef47fcb9d");
  CHECK(btrfs_uuid_string(kDevUuid) == "12345678-9abc-def0-0123-456789abcdef");
  CHECK(btrfs_uuid_string({}) == "<zero>");
  CHECK(btrfs_fsid_string({}) == "00000000000000000000000000000000");
}

TEST_CASE("btrfs device ids are walked as node_exporter walks them", "[collectors][btrfs]") {
  FakeMount m = fixture_mount();
  SECTION("gaps answer ENODEV and are skipped; the walk stops at num_devices") {
    m.info.max_id = 1000;
    const auto d = query_btrfs_devices(m, m.info);
    REQUIRE(d.ok());
    REQUIRE(d->size() == 2);
    CHECK((*d)[0].path == "/dev/loop25");
    CHECK((*d)[0].stats.values[4] == 5);
    CHECK((*d)[1].path == "/rootfs/dev/loop26");
    CHECK(m.dev_info_calls == 4);  // ids 0 to 3
  }
  SECTION("fewer devices than num_devices: every id up to max_id") {
    m.info.num_devices = 5;
    const auto d = query_btrfs_devices(m, m.info);
    REQUIRE(d.ok());
    CHECK(d->size() == 2);
    CHECK(m.dev_info_calls == 4);
  }
  SECTION("any other DEV_INFO or GET_DEV_STATS error fails the filesystem") {
    m.dev_info_err[3] = EIO;
    const auto d = query_btrfs_devices(m, m.info);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == EIO);
    m.dev_info_err.clear();
    m.dev_stats_err[1] = EPERM;
    const auto s = query_btrfs_devices(m, m.info);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == EPERM);
  }
  SECTION("a max_id past any real filesystem's is bounded") {
    m.devices.clear();
    m.info.max_id = UINT64_MAX;  // node_exporter's `i <= MaxID` would never end
    const auto d = query_btrfs_devices(m, m.info);
    REQUIRE(d.ok());
    CHECK(d->empty());
    CHECK(m.dev_info_calls == kMaxBtrfsDevid + 1);
  }
}

TEST_CASE("btrfs ioctl answers map to node_exporter's device series", "[collectors][btrfs]") {
  test::SysTree t;
  write_fs(t);
  auto fs = read_btrfs(t.sys());
  REQUIRE(fs.ok());
  REQUIRE(fs->size() == 1);
  FakeMount m = fixture_mount();
  auto devices = *query_btrfs_devices(m, m.info);
  devices[1].bytes_used = devices[1].total_bytes + 1;  // more used than there is: wraps
  test::RecordingSink sink;
  CHECK(publish_btrfs(fs->front(), &devices, sink) == 0);
  const std::string u = ",uuid=\"0abb23a9-579b-43e6-ad30-227ef47fcb9d\"}";
  const std::string d25 =
      "{btrfs_dev_uuid=\"12345678-9abc-def0-0123-456789abcdef\",device=\"loop25\"";
  const std::string d26 =
      "{btrfs_dev_uuid=\"12345678-9abc-def0-0123-456789abcdee\",device=\"loop26\"";
  CHECK(sink.value("node_btrfs_device_size_bytes" + d25 + u) == 10737418240.0);
  CHECK(sink.value("node_btrfs_device_unused_bytes" + d25 + u) == 10737418240.0 - 1000);
  CHECK(sink.value("node_btrfs_device_unused_bytes" + d26 + u) == 18446744073709551615.0);
  const std::pair<const char*, double> errors[] = {
      {"write", 1}, {"read", 2}, {"flush", 3}, {"corruption", 4}, {"generation", 5}};
  for (const auto& [type, v] : errors) {
    CHECK(sink.value("node_btrfs_device_errors_total" + d25 + ",type=\"" + type + "\"" + u) == v);
  }
  CHECK(sink.value("node_btrfs_device_errors_total" + d26 + ",type=\"generation\"" + u) == 7);
  CHECK(sink.count_family("node_btrfs_device_size_bytes") == 2);  // no sysfs sizes beside them
  CHECK(sink.count_family("node_btrfs_device_errors_total") == 10);
  CHECK(sink.count_family("node_btrfs_used_bytes") == 4);  // the sysfs families stay

  SECTION("a device path's last element is the device label; repeats are left out") {
    devices.push_back(devices.front());
    devices.back().path = "/other/dir/loop25";
    test::RecordingSink again;
    CHECK(publish_btrfs(fs->front(), &devices, again) == 1);
    CHECK(again.count_family("node_btrfs_device_size_bytes") == 2);
  }
  SECTION("no ioctl answer: the sysfs device sizes") {
    test::RecordingSink fallback;
    CHECK(publish_btrfs(fs->front(), nullptr, fallback) == 0);
    CHECK(fallback.count_family("node_btrfs_device_size_bytes") == 3);
    CHECK(fallback.count_family("node_btrfs_device_unused_bytes") == 0);
    CHECK(fallback.value("node_btrfs_device_size_bytes{device=\"loop25\"" + u) == 10737418240.0);
  }
}

/// The collector's view of the machine: a /sys tree, a mount table, and an opener that answers
/// from scripted mounts by path (recording every path it was asked for).
struct IoctlHost {
  test::SysTree t;
  std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> asked = std::make_shared<std::vector<std::string>>();
  std::map<std::string, FakeMount> mounts;  // by path under host.rootfs

  void mount_table(const std::string& text) const {
    std::filesystem::create_directories(t.root() / "proc" / "1");
    std::ofstream(t.root() / "proc" / "1" / "mounts") << text;
  }
  /// Where the collector reaches `mount_point` (absolute) under host.rootfs.
  std::string at(const std::string& mount_point) const {
    return (t.root() / std::filesystem::path(mount_point).relative_path()).string();
  }
  BtrfsOpener opener() const {
    return [mu = mu, asked = asked,
            mounts = mounts](const std::string& path) -> core::Result<std::unique_ptr<BtrfsMount>> {
      {
        std::lock_guard lock(*mu);
        asked->push_back(path);
      }
      const auto it = mounts.find(path);
      if (it == mounts.end()) return core::error(path + ": not btrfs");
      return std::unique_ptr<BtrfsMount>(std::make_unique<FakeMount>(it->second));
    };
  }
  std::vector<std::string> asked_paths() const {
    std::lock_guard lock(*mu);
    return *asked;
  }
};

TEST_CASE("btrfs collector asks each mounted btrfs through its ioctls", "[collectors][btrfs]") {
  IoctlHost h;
  write_fs(h.t);
  const std::string d25 =
      "{btrfs_dev_uuid=\"12345678-9abc-def0-0123-456789abcdef\",device=\"loop25\"";
  const std::string u = ",uuid=\"0abb23a9-579b-43e6-ad30-227ef47fcb9d\"}";
  SECTION("the first mount that answers, under host.rootfs; other filesystem types untouched") {
    h.mounts[h.at("/mnt/b")] = fixture_mount();
    h.mount_table(
        "/dev/sda1 / ext4 rw 0 0\n"
        "/dev/loop25 /mnt/a btrfs rw,subvol=/ 0 0\n"
        "/dev/loop25 /mnt/b btrfs rw,subvol=/ 0 0\n"
        "/dev/loop25 /mnt/c btrfs rw,subvol=/ 0 0\n");
    BtrfsCollector c{h.t.paths(), nullptr, h.opener()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value("node_btrfs_device_size_bytes" + d25 + u) == 10737418240.0);
    CHECK(sink.count_family("node_btrfs_device_size_bytes") == 2);
    CHECK(sink.count_family("node_btrfs_device_errors_total") == 10);
    // /mnt/a failed, /mnt/b answered: /mnt/c is not asked (devicesDone).
    CHECK(h.asked_paths() == std::vector<std::string>{h.at("/mnt/a"), h.at("/mnt/b")});
  }
  SECTION("an FSID that matches no /sys UUID, or an FS_INFO error: the sysfs sizes") {
    FakeMount other = fixture_mount();
    other.info.fsid[0] = 0xff;
    h.mounts[h.at("/mnt/a")] = other;
    FakeMount failing = fixture_mount();
    failing.fs_info_err = ENOTTY;
    h.mounts[h.at("/mnt/b")] = failing;
    h.mount_table(
        "/dev/loop25 /mnt/a btrfs rw 0 0\n"
        "/dev/loop26 /mnt/b btrfs rw 0 0\n");
    BtrfsCollector c{h.t.paths(), nullptr, h.opener()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_btrfs_device_size_bytes") == 3);
    CHECK(sink.count_family("node_btrfs_device_unused_bytes") == 0);
    CHECK(h.asked_paths().size() == 2);
  }
  SECTION("a malformed mount table: no ioctls at all, as node_exporter's mountPointDetails") {
    h.mounts[h.at("/mnt/a")] = fixture_mount();
    h.mount_table(
        "/dev/loop25 /mnt/a btrfs rw 0 0\n"
        "broken line\n");
    BtrfsCollector c{h.t.paths(), nullptr, h.opener()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_btrfs_device_size_bytes") == 3);
    CHECK(h.asked_paths().empty());
  }
  SECTION("host.rootfs is stripped from PID 1's mount points and joined back") {
    h.mounts[h.at("/data")] = fixture_mount();
    h.mount_table("/dev/loop25 " + h.at("/data") + " btrfs rw 0 0\n");
    BtrfsCollector c{h.t.paths(), nullptr, h.opener()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_btrfs_device_errors_total") == 10);
    CHECK(h.asked_paths() == std::vector<std::string>{h.at("/data")});
  }
  SECTION("no btrfs under /sys: nothing is asked") {
    h.t.remove("fs/btrfs");
    h.mounts[h.at("/mnt/a")] = fixture_mount();
    h.mount_table("/dev/loop25 /mnt/a btrfs rw 0 0\n");
    BtrfsCollector c{h.t.paths(), nullptr, h.opener()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_btrfs_info") == 0);
    CHECK(h.asked_paths().empty());
  }
}

TEST_CASE("a btrfs whose ioctls hang gets the sysfs sizes and holds one worker",
          "[collectors][btrfs]") {
  // loop25's ioctls hang (a dead device under the filesystem) until the test ends.
  test::SysTree t;
  write_fs(t);
  std::filesystem::create_directories(t.root() / "proc" / "1");
  std::ofstream(t.root() / "proc" / "1" / "mounts") << "/dev/loop25 /mnt/a btrfs rw 0 0\n";
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  auto opened = std::make_shared<std::atomic<int>>(0);
  const BtrfsOpener opener =
      [released, opened](const std::string&) -> core::Result<std::unique_ptr<BtrfsMount>> {
    ++*opened;
    released.wait();
    return std::unique_ptr<BtrfsMount>(std::make_unique<FakeMount>(fixture_mount()));
  };
  auto pool = std::make_shared<core::BlockingPool>(4);
  BtrfsCollector c{t.paths(), pool, opener};
  for (int round = 0; round < 2; ++round) {
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_btrfs_device_size_bytes") == 3);  // devices/<name>/size
    CHECK(sink.count_family("node_btrfs_device_errors_total") == 0);
    CHECK(sink.count_family("node_btrfs_info") == 1);
  }
  CHECK(pool->stuck() == 1);  // the second collect did not ask loop25 again
  CHECK(*opened == 1);
  release->set_value();
}

TEST_CASE("open_btrfs_mount refuses what is no btrfs subvolume root", "[collectors][btrfs]") {
  test::SysTree t;
  const auto missing = open_btrfs_mount((t.root() / "missing").string());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.message(), Catch::Contains("No such file or directory"));
  // This machine has no btrfs: a plain directory is refused by its inode or its statfs type.
  const auto plain = open_btrfs_mount(t.root().string());
  REQUIRE_FALSE(plain.ok());
  CHECK_THAT(plain.message(), Catch::Contains("not btrfs") || Catch::Contains("subvolume"));
}

}  // namespace
}  // namespace sonde::collectors
