// The one reader of /sys for the sysfs collectors, the way prometheus/procfs 0.8.0 (node_exporter
// 1.5.0's sysfs layer) reads it: attributes with one read(2) of at most 128 bytes (SysReadFile: a
// driver that answers EAGAIN must not be polled, and an attribute is produced by one show()
// call), whole files as os.ReadFile, directories listed with their lstat types (Go's
// os.ReadDir), the few filepath.Glob patterns procfs uses; numbers parsed as Go's strconv does.
// Every file is opened O_NONBLOCK, so a FIFO or device node put where an attribute belongs cannot
// block a collect (kernfs attributes ignore the flag; Go's runtime sets it on them too). Errors
// are errno values, with whether read(2) or open(2) gave them, so each collector can decide, as
// procfs does, which ones mean "absent" (ENOENT), "not for us" (EACCES: root-only files such as
// rapl's energy_uj and dmi's serial numbers) or "not supported now" (EINVAL, EOPNOTSUPP, ENODATA;
// procfs tells some apart only when read(2) returned them).
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/blocking_pool.hpp"

namespace sonde::collectors::sysfs {

/// What reading one file gave: its bytes, or the errno of the open or read that failed.
struct Attr {
  int err = 0;
  std::string value;
  /// The error came from read(2), not open(2) (procfs compares read errors' texts).
  bool in_read = false;
  bool ok() const { return err == 0; }
};

/// procfs's SysReadFile: open, one read(2) of at most `max_bytes` (128 there), bytes returned
/// untrimmed. EINTR is retried; every other error (EAGAIN included) is returned.
Attr read_attr(const std::filesystem::path& path, std::size_t max_bytes = 128);
/// os.ReadFile: the whole file, to EOF, at most `max_bytes` (EFBIG beyond).
Attr read_whole(const std::filesystem::path& path, std::size_t max_bytes = 64 * 1024);

/// read_attr with surrounding whitespace trimmed (SysReadFile's bytes.TrimSpace).
Attr read_trimmed(const std::filesystem::path& path);

enum class EntryType : std::uint8_t { regular, directory, symlink, other };

struct Entry {
  std::string name;
  EntryType type = EntryType::other;  // of the entry itself (lstat), not what a link points to
};

/// os.ReadDir: every entry but . and .., sorted by name. A directory of more than `max_entries`
/// is cut there (sysfs class directories hold tens of entries; a bind mount could hold anything).
struct Listing {
  int err = 0;
  std::vector<Entry> entries;  // empty when err is set
  bool ok() const { return err == 0; }
};
Listing list_dir(const std::filesystem::path& dir, std::size_t max_entries = 65536);

/// A directory held open while its files are read: they are opened relative to it (openat), so
/// no path is built per file and the system calls are those of list_dir and read_attr. On sysfs
/// and procfs its files stay open between reads under the directory's identity
/// (core/kept_files.hpp), which is what makes this safe for renameable objects (a net device).
/// One thread's: the first read_attr records the directory's identity.
class Dir {
 public:
  explicit Dir(const char* path);
  ~Dir();
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  /// opendir's errno; 0 when the directory is open.
  int err() const { return err_; }
  /// list_dir of it; call once (entries are read from the current position).
  Listing list(std::size_t max_entries = 65536);
  /// read_attr and read_trimmed of the file `name` in it.
  Attr read_attr(const char* name, std::size_t max_bytes = 128) const;
  Attr read_trimmed(const char* name) const;

 private:
  DIR* dir_ = nullptr;
  int err_ = 0;
  // KeptFiles::dir_identity, taken on the first read: its files are kept open under it.
  mutable dev_t dev_ = 0;
  mutable ino_t ino_ = 0;
  mutable bool identified_ = false;
};

/// The names in `dir` matching filepath.Glob's "<prefix>[0-9]*", sorted; none if `dir` cannot be
/// read (Glob ignores I/O errors).
std::vector<std::string> glob_numbered(const std::filesystem::path& dir, std::string_view prefix);
/// The names in `dir` matching filepath.Glob's "*-*" (a '-' anywhere: the UUID-named
/// directories of /sys/fs/btrfs and /sys/fs/bcache), sorted; none if `dir` cannot be read.
std::vector<std::string> glob_dashed(const std::filesystem::path& dir);

/// "path: strerror(err)".
std::string describe(const std::filesystem::path& path, int err);

/// Go's bytes.TrimSpace (ASCII whitespace).
std::string_view trim_space(std::string_view s);

/// strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b or a leading 0 (octal), else
/// decimal. Go's digit-separating underscores are not accepted.
std::optional<std::int64_t> parse_int_base0(std::string_view s);
/// strconv.ParseInt(s, 10, 64).
std::optional<std::int64_t> parse_int10(std::string_view s);
/// strconv.Atoi: ParseInt(s, 10, 0) on a 64-bit platform.
inline std::optional<std::int64_t> atoi(std::string_view s) { return parse_int10(s); }

/// Go's uint64(f) on amd64 (what procfs's conversions of parsed floats give): defined for every
/// double, where a C++ cast is undefined outside uint64's range.
std::uint64_t go_float_to_u64(double f);

/// strings.ToValidUTF8(s, "\uFFFD"): each run of bytes that is not valid UTF-8 becomes one
/// U+FFFD (label values must be UTF-8; DMI strings and battery model names are not always).
std::string to_valid_utf8(std::string_view s);

/// Runs each job on `pool` (job i under keys[i]) and waits for all of them up to one deadline,
/// `timeout` from now. Returns, per job, whether it ran to completion in time. A job must write
/// its result only through state it shares by shared_ptr (it may outlive the wait) and must not
/// throw; a key whose previous job is still stuck is not started again (key_busy).
std::vector<bool> run_all(core::BlockingPool& pool, std::vector<std::string> keys,
                          std::vector<std::function<void()>> jobs,
                          std::chrono::milliseconds timeout);

/// How long the collectors that read attributes through drivers (hwmon, power_supply,
/// thermal) or ask a filesystem through ioctls (btrfs) wait for them in one collect. Some drivers
/// take seconds for one attribute (ACPI batteries on an embedded controller, hwmon chips on a slow
/// bus); node_exporter 1.5 has no option for this, so neither has sonde.
inline constexpr std::chrono::milliseconds kDriverReadTimeout{1'000};

}  // namespace sonde::collectors::sysfs
