#include "collectors/selinux.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("selinux matches node_exporter 1.5.0 on its fixture", "[collectors][selinux]") {
  SelinuxCollector c{core::HostPaths::under(test::ne_sys_root())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_selinux_");
  });
}

TEST_CASE("selinux modes as go-selinux reads them", "[collectors][selinux]") {
  CHECK(selinux_config_mode("# c\nSELINUX=enforcing\nSELINUXTYPE=targeted\n") == 1);
  CHECK(selinux_config_mode("  SELINUX=\"permissive\"\n") == 0);
  CHECK(selinux_config_mode("; SELINUX=enforcing\nSELINUX=disabled\n") == -1);
  CHECK(selinux_config_mode("") == -1);
  CHECK(selinux_config_mode("SELINUX = enforcing\n") == -1);  // the key is "SELINUX "
  CHECK(selinux_enforce_mode("1") == 1);
  CHECK(selinux_enforce_mode("0\n") == 0);
  CHECK(selinux_enforce_mode("on") == -1);
}

TEST_CASE("selinux enabled on a selinuxfs, disabled in the kernel context",
          "[collectors][selinux]") {
  test::TempTree t;
  t.write("sys/fs/selinux/enforce", "0");
  t.write("etc/selinux/config", "SELINUX=enforcing\n");
  t.write("proc/self/attr/current", "system_u:system_r:node_exporter_t:s0\n");
  std::string checked;
  const auto is_fs = [&](const std::string& p) {
    checked = p;
    return true;
  };
  {
    SelinuxCollector c{t.paths(), is_fs};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(checked == (t.root() / "sys/fs/selinux").string());
    CHECK(sink.value("node_selinux_enabled") == 1);
    CHECK(sink.value("node_selinux_config_mode") == 1);
    CHECK(sink.value("node_selinux_current_mode") == 0);
  }
  t.write("proc/self/attr/current", std::string("kernel\0", 7));
  {
    SelinuxCollector c{t.paths(), is_fs};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value("node_selinux_enabled") == 0);
    CHECK(sink.samples.size() == 1);
  }
  // This host's real check: /sys of a test tree is no selinuxfs.
  CHECK_FALSE(system_is_selinuxfs((t.root() / "sys/fs/selinux").string()));
}

}  // namespace
}  // namespace sonde::collectors
