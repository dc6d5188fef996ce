// Which container and Kubernetes pod a process belongs to, from the text of /proc/<pid>/cgroup,
// and the other /proc reads that label a process (its command name).
// In core: the GPU collector labels processes with it, and so does ingest origin detection.
#pragma once

#include <filesystem>
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

/// What sonde labels a process with: its command name (/proc/<pid>/comm without its newline) and
/// its container and pod (/proc/<pid>/cgroup, parse_cgroup). `proc` is the procfs root; a file
/// that cannot be read (the process has exited) leaves its part empty.
struct ProcessRef {
  std::string comm;
  ContainerRef container;
};
ProcessRef read_process_ref(const std::filesystem::path& proc, unsigned pid);

}  // namespace sonde::core
