// Scratch /sys trees for the sysfs collectors' tests: files, directories, links (dangling ones
// too), and running a check as an unprivileged user so that a mode-0 file is really unreadable
// (root reads it anyway).
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "collector_test_util.hpp"

namespace sonde::test {

class SysTree : public ScratchRoot {
 public:
  SysTree() {
    std::filesystem::create_directories(sys());
    // Traversable by the unprivileged user of as_unprivileged().
    std::filesystem::permissions(root(), std::filesystem::perms(0755));
  }
  std::filesystem::path sys() const { return root() / "sys"; }

  /// Writes <sys>/<rel> (parents created).
  void file(const std::string& rel, const std::string& content, unsigned mode = 0644) const {
    const auto p = sys() / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    std::filesystem::permissions(p, std::filesystem::perms(mode));
  }
  void dir(const std::string& rel) const { std::filesystem::create_directories(sys() / rel); }
  void link(const std::string& rel, const std::string& target) const {
    const auto p = sys() / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }
  void remove(const std::string& rel) const { std::filesystem::remove_all(sys() / rel); }
};

/// The key test::parse_exposition gives `name{a="1",b="2"}` (labels in order): a ',' before
/// the '}'.
inline std::string exposition_key(std::string series) {
  if (!series.empty() && series.back() == '}') series.insert(series.size() - 1, ",");
  return series;
}
inline bool has_sample(const ParsedExposition& p, const std::string& series) {
  return p.samples.count(exposition_key(series)) == 1;
}
/// The sample's value; fails the test when it is absent.
inline double sample(const ParsedExposition& p, const std::string& series) {
  INFO("series " << series);
  REQUIRE(has_sample(p, series));
  return p.samples.at(exposition_key(series));
}

/// f()'s result, computed as uid/gid 65534 in a child process when this test runs as root
/// (mode bits do not stop root), else directly.
inline int as_unprivileged(const std::function<int()>& f) {
  if (::geteuid() != 0) return f();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
    ::_exit(f());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace sonde::test
