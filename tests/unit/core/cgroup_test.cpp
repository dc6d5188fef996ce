#include "core/cgroup.hpp"

#include <catch2/catch.hpp>
#include <string>

using sonde::core::parse_cgroup;

TEST_CASE("cgroup parsing finds container ids and pod UIDs", "[core][cgroup]") {
  const std::string id(64, 'a');
  CHECK(parse_cgroup("0::/docker/" + id + "\n").container_id == id);
  CHECK(parse_cgroup("0::/system.slice/docker-" + id + ".scope\n").container_id == id);
  CHECK(parse_cgroup("0::/system.slice/crio-" + id + ".scope").container_id == id);
  auto k = parse_cgroup("11:memory:/kubepods/burstable/pod0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9/" +
                        id + "\n");
  CHECK(k.container_id == id);
  CHECK(k.pod_uid == "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
  auto none = parse_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n");
  CHECK(none.container_id.empty());
  CHECK(none.pod_uid.empty());
  CHECK(parse_cgroup("").container_id.empty());
  CHECK(parse_cgroup("garbage without colons\n::\n0::/docker/xyz\n").container_id.empty());
  CHECK(parse_cgroup("0::/kubepods/podnot-a-uid/" + id).pod_uid.empty());
}
