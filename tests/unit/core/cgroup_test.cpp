#include "core/cgroup.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

TEST_CASE("cgroup parsing: the shapes kubelet, docker, containerd and cri-o make",
          "[core][cgroup]") {
  const std::string id = "3f9c0d1e2b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716f5e4d3c2b1a09";
  const std::string uid = "7d1c4f2e-9a3b-4c5d-8e6f-0a1b2c3d4e5f";
  const std::string uid_ = "7d1c4f2e_9a3b_4c5d_8e6f_0a1b2c3d4e5f";  // systemd slice spelling

  SECTION("cgroup v2, systemd driver, containerd (kubelet's besteffort pod)") {
    auto r = parse_cgroup("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                          uid_ + ".slice/cri-containerd-" + id + ".scope\n");
    CHECK(r.container_id == id);
    CHECK(r.pod_uid == uid);
  }
  SECTION("cgroup v2, systemd driver, cri-o, guaranteed pod (no QoS slice)") {
    auto r =
        parse_cgroup("0::/kubepods.slice/kubepods-pod" + uid_ + ".slice/crio-" + id + ".scope\n");
    CHECK(r.container_id == id);
    CHECK(r.pod_uid == uid);
  }
  SECTION("cgroup v1 (hybrid), systemd driver: every hierarchy has the path, 0:: is the root") {
    const std::string path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
                             uid_ + ".slice/cri-containerd-" + id + ".scope";
    auto r = parse_cgroup("12:pids:" + path + "\n11:memory:" + path + "\n4:cpu,cpuacct:" + path +
                          "\n1:name=systemd:" + path + "\n0::/\n");
    CHECK(r.container_id == id);
    CHECK(r.pod_uid == uid);
  }
  SECTION("cgroup v1, cgroupfs driver, containerd") {
    auto r = parse_cgroup("9:pids:/kubepods/besteffort/pod" + uid + "/" + id +
                          "\n3:cpuset:/kubepods/besteffort/pod" + uid + "/" + id + "\n");
    CHECK(r.container_id == id);
    CHECK(r.pod_uid == uid);
  }
  SECTION("docker, cgroup v1 cgroupfs and v2 systemd: a container, no pod") {
    auto v1 = parse_cgroup("12:memory:/docker/" + id + "\n1:name=systemd:/docker/" + id + "\n");
    CHECK(v1.container_id == id);
    CHECK(v1.pod_uid.empty());
    auto v2 = parse_cgroup("0::/system.slice/docker-" + id + ".scope\n");
    CHECK(v2.container_id == id);
    CHECK(v2.pod_uid.empty());
  }
  SECTION("a pod's cgroup without a container scope gives the pod only") {
    auto r = parse_cgroup("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                          uid_ + ".slice\n");
    CHECK(r.container_id.empty());
    CHECK(r.pod_uid == uid);
  }
  SECTION("host processes and near misses give nothing") {
    for (const std::string& text : std::vector<std::string>{
             "0::/user.slice/user-0.slice/session-1.scope\n", "0::/\n",
             "4:memory:/process_api/79151ecca2f8991a556147eafceb6d25\n0::/\n",
             "0::/system.slice/docker-" + id.substr(1) + ".scope\n",      // 63 digits
             "0::/system.slice/docker-" + id.substr(1) + "g.scope\n"}) {  // not hex
      auto r = parse_cgroup(text);
      CHECK(r.container_id.empty());
      CHECK(r.pod_uid.empty());
    }
  }
}

TEST_CASE("read_process_ref reads a process's command name and container", "[core][cgroup]") {
  namespace fs = std::filesystem;
  const fs::path proc =
      fs::temp_directory_path() / ("sonde-cgroup-test-" + std::to_string(::getpid()));
  fs::remove_all(proc);
  fs::create_directories(proc / "42");
  const std::string id(64, 'b');
  std::ofstream(proc / "42" / "comm") << "python3\n";
  std::ofstream(proc / "42" / "cgroup") << "0::/system.slice/docker-" << id << ".scope\n";
  fs::create_directories(proc / "43");
  std::ofstream(proc / "43" / "comm") << "no-newline";

  const auto a = sonde::core::read_process_ref(proc, 42);
  CHECK(a.comm == "python3");
  CHECK(a.container.container_id == id);
  CHECK(a.container.pod_uid.empty());
  const auto b = sonde::core::read_process_ref(proc, 43);  // no cgroup file
  CHECK(b.comm == "no-newline");
  CHECK(b.container.container_id.empty());
  const auto gone = sonde::core::read_process_ref(proc, 44);  // exited
  CHECK(gone.comm.empty());
  CHECK(gone.container.container_id.empty());
  fs::remove_all(proc);
}
