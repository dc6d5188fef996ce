// Where the host's pseudo-filesystems are. Every collector reads through these, never through a
// literal "/proc": a container points them at /host/..., tests at a fixture tree.
#pragma once

#include <filesystem>

namespace sonde::core {

struct HostPaths {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::filesystem::path root = "/";

  /// A fixture or container layout: <root>/proc, <root>/sys, and <root> itself as rootfs.
  static HostPaths under(const std::filesystem::path& root) {
    return {root / "proc", root / "sys", root};
  }
};

}  // namespace sonde::core
