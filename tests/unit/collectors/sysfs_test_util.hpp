// Helpers for the sysfs collector tests: node_exporter 1.5.0's sys.ttar unpacked once per test
// binary (by tools/ttar.py, as the golden test does: git cannot keep its modes and links), small
// hand-made trees with files, links and modes, and a way to run a collect as an unprivileged
// user (the tests run as root here, for which a 0400 file is readable).
#pragma once

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "collector_test_util.hpp"

namespace sonde::test {

/// A temporary directory, readable by every user, removed at the end of the test.
class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sonde-sysfs-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root_ = tmpl;
    ::chmod(root_.c_str(), 0755);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  core::HostPaths paths() const { return core::HostPaths::under(root_); }

  /// Writes `text` to root/rel (parents created), with `mode`.
  void write(const std::string& rel, const std::string& text, unsigned mode = 0644) const {
    const auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
  }
  void mkdir(const std::string& rel) const { std::filesystem::create_directories(root_ / rel); }
  /// root/rel -> target (relative or absolute), parents created.
  void link(const std::string& rel, const std::string& target) const {
    const auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }

 private:
  std::filesystem::path root_;
};

/// node_exporter's fixture tree with sys.ttar unpacked: <root>/sys, and <root>/proc,
/// <root>/usr as in the repository (links to them).
inline const std::filesystem::path& ne_sys_root() {
  static const TempTree* tree = [] {
    auto* t = new TempTree();  // lives until exit; the OS reclaims nothing on disk, so:
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ne_sys_root(), ec);
    });
    const auto tools = fixture_root().parent_path().parent_path() / "tools" / "ttar.py";
    const std::string cmd = "python3 '" + tools.string() + "' -C '" + t->root().string() +
                            "' -x -f '" + (ne_fixture() / "sys.ttar").string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (const char* d : {"proc", "usr"}) t->link(d, (ne_fixture() / d).string());
    return t;
  }();
  return tree->root();
}

/// A collector on a tree without its source: success, and nothing published.
inline void check_quiet_without_source(collectors::Collector& c) {
  const auto out = collect_text(c);
  CHECK(out.status.ok());
  CHECK(out.parse_errors == 0);
  CHECK(out.text.empty());
}

/// Runs `fn` as uid/gid 65534 (nobody) in a child process when this process is root, else
/// directly; returns fn's result (or -1 if the child died or could not drop privileges).
inline int run_unprivileged(const std::function<int()>& fn) {
  if (::geteuid() != 0) return fn();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(255);
    }
    ::_exit(fn() & 0x7f);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

}  // namespace sonde::test
