#include "collectors/diskstats.hpp"

#include <unistd.h>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

const auto is_disk = [](const std::string& f) { return test::starts_with(f, "node_disk_"); };

TEST_CASE("parse_diskstats reads 11, 15 and 17 stat fields", "[collectors][diskstats]") {
  const Diskstats d = parse_diskstats(
      "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
      "   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
      "   8      32 sdc 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
      "   8      48 sdd 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n"
      "\n");
  CHECK(d.errors == 0);
  REQUIRE(d.devices.size() == 4);
  CHECK(d.devices[0].name == "sda");
  CHECK(d.devices[0].major == 8);
  CHECK(d.devices[0].minor == 0);
  CHECK(d.devices[0].count == 11);
  CHECK(d.devices[1].count == 15);
  CHECK(d.devices[2].count == 17);
  CHECK(d.devices[2].fields[16] == 17);
  CHECK(d.devices[3].count == 17);  // fields a newer kernel adds are ignored
}

TEST_CASE("parse_diskstats skips and counts malformed lines", "[collectors][diskstats]") {
  struct Case {
    const char* name;
    const char* line;
  };
  const Case cases[] = {
      {"too few fields", "8 0 sda 1 2 3 4 5 6 7 8 9 10\n"},
      {"not a number", "8 0 sda 1 2 3 x 5 6 7 8 9 10 11\n"},
      {"negative", "8 0 sda 1 2 3 -4 5 6 7 8 9 10 11\n"},
      {"overflow", "8 0 sda 1 2 3 18446744073709551616 5 6 7 8 9 10 11\n"},
      {"bad major", "x 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"},
      {"major beyond 32 bits", "4294967296 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"},
      {"no name", "8 0\n"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string text = std::string(c.line) + "8 1 sdz 1 2 3 4 5 6 7 8 9 10 11\n";
      const Diskstats d = parse_diskstats(text);  // refers to text
      CHECK(d.errors == 1);
      REQUIRE(d.devices.size() == 1);
      CHECK(d.devices[0].name == "sdz");
    }
  }
  SECTION("a repeated device keeps the first") {
    const Diskstats d =
        parse_diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 0 sda 9 9 9 9 9 9 9 9 9 9 9\n");
    CHECK(d.errors == 1);
    REQUIRE(d.devices.size() == 1);
    CHECK(d.devices[0].fields[0] == 1);
  }
}

TEST_CASE("diskstats collector matches node_exporter 1.5.0", "[collectors][diskstats]") {
  collectors::DiskstatsOptions opts;
  SECTION("its fixture (11, 15 and 17 fields, default exclusion)") {
    DiskstatsCollector c{core::HostPaths::under(test::ne_fixture()), opts};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.value(R"(node_disk_read_bytes_total{device="sda"})") == 1003346126.0 * 512);
    CHECK(sink.value(R"(node_disk_read_time_seconds_total{device="sda"})") == 18492.372);
    CHECK_FALSE(sink.has(R"(node_disk_reads_completed_total{device="sda1"})"));
    CHECK_FALSE(sink.has(R"(node_disk_reads_completed_total{device="ram0"})"));
    CHECK_FALSE(sink.has(R"(node_disk_reads_completed_total{device="nvme0n1p1"})"));
    CHECK(sink.has(R"(node_disk_reads_completed_total{device="mmcblk0p1"})"));
    CHECK_FALSE(sink.has(R"(node_disk_flush_requests_total{device="sdb"})"));
    CHECK(sink.value(R"(node_disk_flush_requests_total{device="sdc"})") == 1555);
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), is_disk);
  }
  SECTION("a captured host") {
    DiskstatsCollector c{core::HostPaths::under(host("debian12-io")), opts};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(
        out.text, test::read_whole(host("debian12-io") / "node-exporter-1.5.0-output.txt"),
        is_disk);
  }
}

TEST_CASE("diskstats device filters", "[collectors][diskstats]") {
  collectors::DiskstatsOptions opts;
  SECTION("include only") {
    opts.device_exclude.clear();
    opts.device_include = "^sd[a-z]$";
    DiskstatsCollector c{core::HostPaths::under(test::ne_fixture()), opts};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_disk_reads_completed_total") == 3);  // sda, sdb, sdc
  }
  SECTION("exclude nothing") {
    opts.device_exclude.clear();
    DiskstatsCollector c{core::HostPaths::under(test::ne_fixture()), opts};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_disk_reads_completed_total") == 51);
  }
  SECTION("a bad regex fails every collect, without throwing") {
    opts.device_exclude = "(";
    DiskstatsCollector c{core::HostPaths::under(test::ne_fixture()), opts};
    RecordingSink sink;
    const auto st = c.collect(sink);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("diskstats.device_exclude"));
    CHECK(sink.samples.empty());
  }
}

TEST_CASE("diskstats collector fails on a missing file", "[collectors][diskstats]") {
  DiskstatsCollector c{core::HostPaths::under(host("empty")), collectors::DiskstatsOptions{}};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

TEST_CASE("parse_udev_properties keeps E: lines only", "[collectors][diskstats]") {
  const UdevProperties p = parse_udev_properties(
      "S:disk/by-id/wwn-0x1\n"
      "I:123\n"
      "E:ID_MODEL=Some Disk\n"
      "E:ID_FS_TYPE=\n"
      "E:DM_UUID=a=b=c\n"
      "E:NO_EQUALS\n"
      "E:ID_MODEL=Replaced\n"
      "G:systemd\n"
      "Q:E:ID_PATH=not-a-property\n");
  CHECK(p.size() == 3);
  CHECK(p.at("ID_MODEL") == "Replaced");
  CHECK(p.at("ID_FS_TYPE").empty());
  CHECK(p.at("DM_UUID") == "a=b=c");
  CHECK(p.count("ID_PATH") == 0);
  CHECK(parse_udev_properties("").empty());
}

TEST_CASE("diskstats udev families", "[collectors][diskstats]") {
  const auto root =
      std::filesystem::temp_directory_path() / ("sonde-udev-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "proc");
  std::filesystem::create_directories(root / "run" / "udev" / "data");
  const auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
  };
  write(root / "proc" / "diskstats",
        "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
        "   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11\n"
        " 254       0 vda 1 2 3 4 5 6 7 8 9 10 11\n");
  write(root / "run" / "udev" / "data" / "b8:0",
        "E:ID_ATA=1\nE:ID_ATA_WRITE_CACHE=1\nE:ID_ATA_ROTATION_RATE_RPM=fast\n"
        "E:SCSI_IDENT_SERIAL=LABEL1\nE:ID_SERIAL_SHORT=SHORT1\nE:ID_MODEL=Disk \"A\"\n");
  write(root / "run" / "udev" / "data" / "b8:16",
        "E:ID_SERIAL=ONLY_LONG\nE:ID_FS_TYPE=ext4\nE:DM_NAME=\n");
  DiskstatsCollector c{core::HostPaths::under(root), collectors::DiskstatsOptions{}};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  std::filesystem::remove_all(root);

  // SCSI_IDENT_SERIAL wins; a model with a quote is escaped like any label value.
  CHECK(sink.has(R"(node_disk_info{device="sda",major="8",minor="0",model="Disk \"A\"",)"
                 R"(path="",revision="",serial="LABEL1",wwn=""})"));
  // ID_SERIAL alone is not a serial for node_exporter 1.5.0.
  CHECK(sink.has(R"(node_disk_info{device="sdb",major="8",minor="16",model="",path="",)"
                 R"(revision="",serial="",wwn=""})"));
  // No udev file: the info series still exists, with empty labels.
  CHECK(sink.has(R"(node_disk_info{device="vda",major="254",minor="0",model="",path="",)"
                 R"(revision="",serial="",wwn=""})"));
  CHECK(sink.value(R"(node_disk_ata_write_cache{device="sda"})") == 1);
  // An ATA value that is not a number is skipped and counted; an absent one is just absent.
  CHECK(sink.count_family("node_disk_ata_rotation_rate_rpm") == 0);
  CHECK(sink.count_family("node_disk_ata_write_cache_enabled") == 0);
  CHECK(sink.errors == 1);
  // Without ID_ATA there are no ATA series; an empty DM_NAME is no device mapper.
  CHECK(sink.value(
            R"(node_disk_filesystem_info{device="sdb",type="ext4",usage="",uuid="",version=""})") ==
        1);
  CHECK(sink.count_family("node_disk_filesystem_info") == 1);
  CHECK(sink.count_family("node_disk_device_mapper_info") == 0);
}

}  // namespace
}  // namespace sonde::collectors
