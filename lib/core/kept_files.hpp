// Descriptors of /proc and /sys files kept open between reads.
//
// Most of what a collector cycle costs the kernel is not generating the text of /proc and /sys
// files but opening and closing them: a path walk, a struct file, kernfs' and seq_file's buffers,
// each time. Both file systems regenerate a file's contents when it is read again from offset 0
// (seq_file restarts its iterator, kernfs calls the attribute's show() again: sysfs.rst), so a
// descriptor kept open and read with pread(2) at 0 gives what a fresh open would, for one system
// call instead of three. KeptFiles holds such descriptors, keyed by what names the file:
//
// - A path, when the file is on procfs and no component of the path is all digits (another
//   process's files: a PID is reused), or on sysfs outside the classes whose objects can be
//   renamed while they live (`net`, `infiniband`: a kept descriptor would follow the renamed
//   object while a new one takes its old name).
// - A directory's identity (device and inode, fstat of the open directory) and a name in it:
//   sysfs::Dir's relative reads. The directory is opened by path every cycle, so a renamed or
//   replaced object is a different directory and its files different keys; that is what makes the
//   renameable classes (netclass' per-device reads) safe to keep.
//
// Only files whose descriptor fstatfs(2) places on procfs or sysfs are kept: a fixture tree or
// any other file system is opened, read and closed as before. A kept descriptor that fails with
// ENODEV (a sysfs object removed), ESRCH (a task gone) or ESPIPE is closed and the file opened
// again by its path once; other errors are the file's answer (a driver's EINVAL) and are returned.
// Each descriptor is used by one reader at a time; a second reader of the same file meanwhile
// (a stuck driver read on the blocking pool) opens its own. The number kept is bounded
// (`limit()`: a quarter of RLIMIT_NOFILE's soft limit, 64 to 4096); past it files are read
// uncached and counted; a descriptor unused for five minutes (a device that went away) is closed.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sonde::core {

class KeptFiles {
 public:
  struct Policy {
    std::size_t limit = 0;  // 0: from RLIMIT_NOFILE
    /// Keep /proc files of numbered directories too (tests, to see a task's files go away).
    bool keep_numbered = false;
    std::int64_t idle_close_ms = 300'000;
  };
  explicit KeptFiles(Policy policy);
  KeptFiles() : KeptFiles(Policy{}) {}
  ~KeptFiles();
  KeptFiles(const KeptFiles&) = delete;
  KeptFiles& operator=(const KeptFiles&) = delete;

  /// The process's instance, used by core::read_text and the sysfs readers.
  static KeptFiles& shared();

  /// What a read gave: bytes appended to `out`, or the errno of the open (`in_read` false) or of
  /// the read.
  struct Outcome {
    int err = 0;
    bool in_read = false;
  };

  /// Reads `path` (opened O_RDONLY|O_CLOEXEC, and O_NONBLOCK when `nonblock`) to EOF into `out`,
  /// at most `max_bytes` (EFBIG beyond, `in_read` set; `out` is then cleared).
  Outcome read_all(const char* path, std::string& out, std::size_t max_bytes, bool nonblock = true);
  /// One read(2) of at most `max_bytes` (procfs's SysReadFile).
  Outcome read_once(const char* path, std::string& out, std::size_t max_bytes);
  /// The same, of `name` relative to the open directory `dir_fd`, kept under the directory's
  /// identity `dir_dev`/`dir_ino` (see dir_identity); `dir_dev` 0 keeps nothing.
  Outcome read_once_at(int dir_fd, dev_t dir_dev, ino_t dir_ino, const char* name, std::string& out,
                       std::size_t max_bytes);

  /// The identity under which files of the open directory `dir_fd` are kept: its st_dev and
  /// st_ino when it is on procfs or sysfs, dev 0 otherwise.
  static void dir_identity(int dir_fd, dev_t& dev, ino_t& ino);

  struct Stats {
    std::size_t kept = 0;           // descriptors open now
    std::size_t limit = 0;          // at most
    std::uint64_t reads = 0;        // reads served by a kept descriptor
    std::uint64_t reopened = 0;     // kept descriptors whose file went away, opened again
    std::uint64_t full = 0;         // files not kept because `limit` were
    std::uint64_t idle_closed = 0;  // closed after five minutes unused
  };
  Stats stats() const;
  std::size_t limit() const { return limit_; }

 private:
  struct Entry {
    int fd = -1;
    bool busy = false;
    std::int64_t last_used_ms = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  enum class Mode { whole, once };
  Outcome read(int dir_fd, const char* path, std::string_view key, bool by_path, Mode mode,
               bool nonblock, std::string& out, std::size_t max_bytes);
  /// A kept descriptor for `key`, marked busy, or -1.
  int checkout(std::string_view key, std::int64_t now_ms);
  void checkin(std::string_view key, int fd, bool keep, std::int64_t now_ms);
  /// Keeps a new descriptor under `key` if there is room; false: the caller closes it.
  bool adopt(std::string_view key, int fd, std::int64_t now_ms);
  void sweep_locked(std::int64_t now_ms);
  bool keepable_path(std::string_view path, long fs_type) const;

  const Policy policy_;
  const std::size_t limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::int64_t last_sweep_ms_ = 0;
  std::atomic<std::uint64_t> reads_{0}, reopened_{0}, full_{0}, idle_closed_{0};
};

}  // namespace sonde::core
