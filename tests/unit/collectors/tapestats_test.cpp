#include "collectors/tapestats.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

void write_tape(const test::SysTree& t, const std::string& name) {
  const std::string s = "class/scsi_tape/" + name + "/stats/";
  t.file(s + "in_flight", "1\n");
  t.file(s + "io_ns", "9247011087720\n");
  t.file(s + "other_cnt", "1409\n");
  t.file(s + "read_byte_cnt", "979383912\n");
  t.file(s + "read_cnt", "3741\n");
  t.file(s + "read_ns", "33788355744\n");
  t.file(s + "resid_cnt", "19\n");
  t.file(s + "write_byte_cnt", "1496246784000\n");
  t.file(s + "write_cnt", "53772916\n");
  t.file(s + "write_ns", "5233597394395\n");
}

TEST_CASE("tapestats collector publishes st<N> drives", "[collectors][tapestats]") {
  test::SysTree t;
  write_tape(t, "st0");
  write_tape(t, "nst0");  // another view of st0
  write_tape(t, "st0a");
  TapestatsCollector c{t.paths(), TapestatsOptions{}};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const auto parsed = test::parse_exposition(out.text);
  CHECK(parsed.samples.size() == 10);
  CHECK(test::sample(parsed, "node_tape_io_now{device=\"st0\"}") == 1);
  CHECK(test::sample(parsed, "node_tape_io_time_seconds_total{device=\"st0\"}") ==
        9247011087720 * 0.000000001);
  CHECK(test::sample(parsed, "node_tape_written_bytes_total{device=\"st0\"}") == 1496246784000);
  CHECK(parsed.types.at("node_tape_io_now") == "gauge");
  CHECK(parsed.types.at("node_tape_residual_total") == "counter");

  TapestatsOptions exclude;
  exclude.device_exclude = "^st0$";
  TapestatsCollector none{t.paths(), exclude};
  const auto excluded = test::collect_text(none);
  REQUIRE(excluded.status.ok());
  CHECK(excluded.text.empty());
}

TEST_CASE("tapestats collector on broken trees", "[collectors][tapestats]") {
  test::SysTree t;
  const auto run = [&] {
    TapestatsCollector c{t.paths(), TapestatsOptions{}};
    return test::collect_text(c);
  };
  SECTION("no /sys/class/scsi_tape, or a drive without stats: nothing, success") {
    CHECK(run().status.ok());
    t.dir("class/scsi_tape/st0");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_tape(t, "st0");
  SECTION("a missing counter reads as 0") {
    t.remove("class/scsi_tape/st0/stats/resid_cnt");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("node_tape_residual_total{device=\"st0\"} 0"));
  }
  SECTION("a counter that is no number, or a dangling link, fails the attempt") {
    t.file("class/scsi_tape/st0/stats/read_cnt", "-1\n");
    CHECK_FALSE(run().status.ok());
    write_tape(t, "st0");
    t.link("class/scsi_tape/st0/stats/extra", "/nonexistent");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("permission denied fails the attempt") {
    t.file("class/scsi_tape/st0/stats/io_ns", "1\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
  SECTION("an invalid exclude pattern fails every attempt") {
    TapestatsOptions bad;
    bad.device_exclude = "(";
    TapestatsCollector c{t.paths(), bad};
    CHECK_FALSE(test::collect_text(c).status.ok());
  }
}

}  // namespace
}  // namespace sonde::collectors
