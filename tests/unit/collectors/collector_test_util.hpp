// Helpers for the collector tests: running a collector into a real SnapshotBuilder, comparing
// what it wrote with an exposition node_exporter produced, and scratch host roots for tests
// that change /proc between two collects.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "collectors/collector.hpp"
#include "core/exposition.hpp"
#include "core/metrics.hpp"
#include "support/exposition_parser.hpp"
#include "support/test_support.hpp"

namespace sonde::test {

inline std::string read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The text exposition of what one collect() wrote (empty if it failed).
struct CollectOutput {
  core::Status status;
  std::string text;
  std::size_t parse_errors = 0;
};

inline CollectOutput collect_text(collectors::Collector& c) {
  core::SnapshotBuilder b;
  CollectOutput out{c.collect(b), {}, b.parse_error_count()};
  const std::vector<core::SnapshotPtr> snaps{std::make_shared<const core::Snapshot>(b.take())};
  core::write_text(snaps, out.text);
  return out;
}

inline std::string family_of(const std::string& key) { return key.substr(0, key.find('{')); }

/// Checks that `ours` and the reference exposition agree on every family `ours` has and on every
/// reference family that `wanted` selects: same TYPE, same HELP, same series, same values
/// (exactly: both sides compute the same IEEE doubles).
inline void require_same_families(const std::string& ours_text, const std::string& reference_text,
                                  const std::function<bool(const std::string&)>& wanted) {
  const ParsedExposition ours = parse_exposition(ours_text);
  const ParsedExposition ref = parse_exposition(reference_text);
  std::set<std::string> families;
  for (const auto& [name, type] : ours.types) families.insert(name);
  for (const auto& [name, type] : ref.types) {
    if (wanted(name)) families.insert(name);
  }
  REQUIRE_FALSE(families.empty());
  for (const std::string& f : families) {
    INFO("family " << f);
    REQUIRE(ref.types.count(f) == 1);
    REQUIRE(ours.types.count(f) == 1);
    CHECK(ours.types.at(f) == ref.types.at(f));
    CHECK(ours.helps.at(f) == ref.helps.at(f));
  }
  std::size_t compared = 0;
  for (const auto& [key, value] : ref.samples) {
    if (!families.count(family_of(key))) continue;
    INFO("series " << key);
    REQUIRE(ours.samples.count(key) == 1);
    CHECK(ours.samples.at(key) == value);
    ++compared;
  }
  for (const auto& [key, value] : ours.samples) {
    INFO("series " << key);
    CHECK(ref.samples.count(key) == 1);
  }
  CHECK(compared == ours.samples.size());
}

inline bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// A temporary host root (<tmp>/sonde-test-XXXXXX) removed at the end of the test; `load`
/// replaces its proc/stat etc. with another fixture tree's files.
class ScratchRoot {
 public:
  ScratchRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sonde-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ / "proc");
  }
  ~ScratchRoot() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;

  const std::filesystem::path& root() const { return root_; }
  core::HostPaths paths() const { return core::HostPaths::under(root_); }

  /// Copies <from>/proc/<file> over this root's proc/<file>.
  void load(const std::filesystem::path& from, const std::string& file) {
    std::filesystem::copy_file(from / "proc" / file, root_ / "proc" / file,
                               std::filesystem::copy_options::overwrite_existing);
  }

 private:
  std::filesystem::path root_;
};

inline std::filesystem::path ne_fixture() { return fixture_root() / "node-exporter-1.5.0"; }
inline std::filesystem::path host(const std::string& name) {
  return fixture_root() / "hosts" / name;
}
inline std::string ne_e2e_output() { return read_whole(ne_fixture() / "e2e-output.txt"); }
inline std::string capture_output() {
  return read_whole(host("debian12-capture") / "node-exporter-1.5.0-output.txt");
}

}  // namespace sonde::test
