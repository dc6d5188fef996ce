// Which container and Kubernetes pod a process belongs to, from the text of /proc/<pid>/cgroup.
// In core: the GPU collector labels processes with it, and ingest origin detection will too.
#pragma once

#include <string>
#include <string_view>

namespace sonde::core {

struct ContainerRef {
  std::string container_id;  // 64 hex digits, or empty
  std::string pod_uid;       // 8-4-4-4-12 UUID with dashes, or empty
};

/// Parses /proc/<pid>/cgroup (proc(7): lines of `hierarchy-ID:controller-list:cgroup-path`, one
/// line `0::path` on cgroup v2). Recognises the layouts of the common runtimes:
/// cgroupfs `/kubepods/burstable/pod<uid>/<id>`, `/docker/<id>`; systemd
/// `kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope`,
/// `docker-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`. Pure; never throws.
ContainerRef parse_cgroup(std::string_view text);

}  // namespace sonde::core
