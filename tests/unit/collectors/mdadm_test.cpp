#include "collectors/mdadm.hpp"

#include <fstream>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("mdadm collector matches node_exporter 1.5.0 on its fixture", "[collectors][mdadm]") {
  MdadmCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_md_");
  });
}

TEST_CASE("parse_mdstat follows procfs 0.8.0", "[collectors][mdadm]") {
  SECTION("states, failed and spare disks, bitmap lines, pending resyncs") {
    const auto r = parse_mdstat(
        "Personalities : [raid1] [raid6]\n"
        "md7 : active raid6 sdb1[0] sde1[3] sdd1[2] sdc1[1](F)\n"
        "      7813735424 blocks super 1.2 level 6, 512k chunk, algorithm 2 [4/3] [U_UU]\n"
        "      bitmap: 0/30 pages [0KB], 65536KB chunk\n"
        "\n"
        "md9 : active raid1 sdc2[2] sde[4](F) sdg[6](S)\n"
        "      523968 blocks super 1.2 [4/4] [UUUU]\n"
        "      resync=DELAYED\n"
        "\n"
        "md6 : active raid1 sdb2[2](F) sdc[1](S) sda2[0]\n"
        "      195310144 blocks [2/1] [U_]\n"
        "      [=>...]  recovery =  8.5% (16775552/195310144) finish=17.0min speed=259783K/sec\n"
        "\n"
        "unused devices: <none>\n");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    const MdDevice& md7 = (*r)[0];
    CHECK(md7.name == "md7");
    CHECK(md7.state == "active");
    CHECK(md7.disks_total == 4);
    CHECK(md7.disks_active == 3);
    CHECK(md7.disks_failed == 1);
    CHECK(md7.disks_spare == 0);
    CHECK(md7.blocks_total == 7813735424);
    CHECK(md7.blocks_synced == 7813735424);
    const MdDevice& md9 = (*r)[1];
    CHECK(md9.state == "resyncing");
    CHECK(md9.blocks_synced == 0);  // DELAYED
    CHECK(md9.disks_failed == 1);
    CHECK(md9.disks_spare == 1);
    const MdDevice& md6 = (*r)[2];
    CHECK(md6.state == "recovering");
    CHECK(md6.blocks_synced == 16775552);
  }
  SECTION("raid0 and linear count the disks; inactive devices have none") {
    const auto r = parse_mdstat(
        "md10 : active raid0 sda1[0] sdb1[1]\n"
        "       314159265 blocks 64k chunks\n"
        "\n"
        "md219 : inactive sdb[2](S) sdc[1](S) sda[0](S)\n"
        "        7932 blocks super external:imsm\n"
        "\n");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].disks_total == 2);
    CHECK((*r)[0].disks_active == 2);
    CHECK((*r)[1].state == "inactive");
    CHECK((*r)[1].disks_total == 0);
    CHECK((*r)[1].disks_spare == 3);
    CHECK((*r)[1].blocks_total == 7932);
  }
  SECTION("an empty file or one with only headers has no devices") {
    CHECK(parse_mdstat("")->empty());
    CHECK(parse_mdstat("Personalities : \nunused devices: <none>\n")->empty());
  }
  SECTION("malformed devices fail the whole file, saying why") {
    const struct {
      const char* text;
      const char* error;
    } bad[] = {
        {"md0 :\n\n\n\n", "not enough fields in md line (expected at least 3): \"md0 :\""},
        {"md0 : active raid1 sda[0]\n      1 blocks [1/1] [U]\n",
         "too few lines for md device md0"},
        {"md0 : active raid1 sda[0]\n      x blocks [1/1] [U]\n\n\n",
         "unexpected status line \"      x blocks [1/1] [U]\" of md device md0"},
        {"md0 : active raid1 sda[0]\n      1 blocks [1/1]\n\n\n",
         "no [total/active] [U_] in status line \"      1 blocks [1/1]\" of md device md0"},
        {"md0 : active raid1 sda[0]\n      10 blocks [2/1] [U_]\n      recovery = 5% finish=1min "
         "speed=1K/sec\n\n",
         "unexpected recovery line \"      recovery = 5% finish=1min speed=1K/sec\" of md device "
         "md0"},
        {"md0 : active raid1 sda[0]\n      10 blocks [2/1] [U_]\n      recovery =  x% (1/10) "
         "finish=1min speed=1K/sec\n\n",
         "bad percentage in recovery line \"      recovery =  x% (1/10) finish=1min "
         "speed=1K/sec\" of md device md0"},
    };
    for (const auto& b : bad) {
      INFO(b.text);
      const auto r = parse_mdstat(b.text);
      REQUIRE_FALSE(r.ok());
      CHECK(r.message() == b.error);
    }
  }
}

TEST_CASE("mdadm: no /proc/mdstat publishes nothing and succeeds", "[collectors][mdadm]") {
  MdadmCollector c{core::HostPaths::under(test::fixture_root() / "hosts/empty")};
  test::RecordingSink sink;
  CHECK(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

TEST_CASE("mdadm: a repeated device name is published once and counted", "[collectors][mdadm]") {
  const test::ScratchRoot root;
  std::ofstream(root.root() / "proc/mdstat")
      << "md0 : active raid1 sda[0]\n      1 blocks [1/1] [U]\n\n"
         "md0 : active raid1 sdb[0]\n      2 blocks [1/1] [U]\n\n";
  MdadmCollector c{root.paths()};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 1);
  CHECK(*sink.value(R"(node_md_blocks{device="md0"})") == 1);
}

}  // namespace
}  // namespace sonde::collectors
