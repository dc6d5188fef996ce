// Reading /sys as prometheus/procfs 0.8.0 does, for the sysfs collectors: attribute files
// (util.SysReadFile: one read(2) of at most 128 bytes, whitespace trimmed), whole files
// (os.ReadFile), directory listings (os.ReadDir: sorted, with each entry's lstat type) and the
// few glob patterns procfs uses. Each result carries errno, because procfs decides what to skip
// by it (ENOENT, EACCES, EOPNOTSUPP, EINVAL). Files are opened with O_NONBLOCK, so a FIFO put
// where an attribute belongs cannot block a collect.
// Two readers of /sys came with issue 15's two halves: this one (part B's collectors: O_NONBLOCK
// opens, trimmed attributes, read errors told apart from open errors) and sysfs_attr.hpp (part
// A's). They follow the same procfs 0.8.0 rules and are to become one; until then each lives in
// its own namespace.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::collectors::sysfs_read {

/// A read's text, or its errno (0 = read).
struct Read {
  std::string text;
  int err = 0;
  /// The error came from read(2), not open(2) (procfs compares read errors' texts).
  bool in_read = false;
  bool ok() const { return err == 0; }
};

/// util.SysReadFile: one read(2) of at most 128 bytes, surrounding whitespace trimmed.
Read read_attribute(const std::filesystem::path& path);
/// os.ReadFile: the whole file, as is (an error past `max_bytes`: EFBIG).
Read read_file(const std::filesystem::path& path, std::size_t max_bytes = 1u << 20);

struct Entry {
  std::string name;
  /// The entry itself, not what a symbolic link points to (Go's DirEntry.Type()).
  bool is_dir = false;
  bool is_regular = false;
};

struct Listing {
  std::vector<Entry> entries;  // sorted by name, without "." and ".."
  int err = 0;
  bool ok() const { return err == 0; }
};

/// os.ReadDir. At most `max_entries` entries are kept (a fixture or a bind mount could hold
/// anything; no sysfs class directory comes near it).
Listing list_dir(const std::filesystem::path& dir, std::size_t max_entries = 65536);

/// The names filepath.Glob(dir + "/" + pattern) matches, sorted, where each pattern here is a
/// literal prefix, an optional [0-9] after it, then `*`; plus `*-*` (a name containing '-').
/// Glob ignores a directory it cannot read (no match), as Go's does.
std::vector<std::string> glob_names(const std::filesystem::path& dir, std::string_view prefix,
                                    bool digit_after_prefix);
std::vector<std::string> glob_dashed(const std::filesystem::path& dir);

/// "path: strerror(err)".
std::string describe(const std::filesystem::path& path, int err);

/// Go's uint64(f) on amd64 (what procfs's conversions of parsed floats give): defined for every
/// double, where a C++ cast is undefined outside uint64's range.
std::uint64_t go_float_to_u64(double f);

}  // namespace sonde::collectors::sysfs_read
