#include "collectors/nvme.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

void write_nvme(const test::SysTree& t) {
  t.file("devices/pci0000:00/nvme/nvme0/firmware_rev", "1B2QEXP7\n");
  t.file("devices/pci0000:00/nvme/nvme0/model", "Samsung SSD 970 PRO 512GB               \n");
  t.file("devices/pci0000:00/nvme/nvme0/serial", "S680HF8N190894I     \n");
  t.file("devices/pci0000:00/nvme/nvme0/state", "live\n");
  t.link("class/nvme/nvme0", "../../devices/pci0000:00/nvme/nvme0");
}

TEST_CASE("nvme collector publishes node_nvme_info, values trimmed", "[collectors][nvme]") {
  test::SysTree t;
  write_nvme(t);
  NvmeCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK_THAT(out.text,
             Catch::Contains("node_nvme_info{device=\"nvme0\",firmware_revision=\"1B2QEXP7\","
                             "model=\"Samsung SSD 970 PRO 512GB\",serial=\"S680HF8N190894I\","
                             "state=\"live\"} 1"));
}

TEST_CASE("nvme collector on broken trees", "[collectors][nvme]") {
  test::SysTree t;
  const auto run = [&] {
    NvmeCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no /sys/class/nvme: nothing, success") {
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_nvme(t);
  SECTION("a device without its model (or a dangling link): nothing, as node_exporter") {
    t.remove("devices/pci0000:00/nvme/nvme0/model");
    CHECK(run().text.empty());
    t.link("class/nvme/nvme1", "../../devices/gone");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("permission denied fails the attempt") {
    t.file("devices/pci0000:00/nvme/nvme0/serial", "S680\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
