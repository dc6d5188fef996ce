// Where the host's pseudo-filesystems are. Every collector reads through these, never through a
// literal "/proc": a container points them at /host/..., tests at a fixture tree.
#pragma once

#include <filesystem>

namespace sonde::core {

struct HostPaths {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::filesystem::path root = "/";
  /// udev's device database (node_exporter's --path.udev.data): b<major>:<minor> files.
  std::filesystem::path udev_data = "/run/udev/data";

  /// A fixture or container layout: <root>/proc, <root>/sys, <root> itself as rootfs and
  /// <root>/run/udev/data.
  static HostPaths under(const std::filesystem::path& root) {
    return {root / "proc", root / "sys", root, root / "run" / "udev" / "data"};
  }
  bool operator==(const HostPaths&) const = default;
};

}  // namespace sonde::core
