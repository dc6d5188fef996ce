#include "core/kept_files.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace sonde::core {

namespace {

constexpr long kProcSuperMagic = 0x9fa0;
constexpr long kSysfsMagic = 0x62656572;
constexpr std::int64_t kSweepEveryMs = 10'000;

std::int64_t coarse_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::size_t limit_from_rlimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 4096;
  return std::clamp<std::size_t>(static_cast<std::size_t>(rl.rlim_cur / 4), 64, 4096);
}

int open_at(int dir_fd, const char* path, bool nonblock) {
  const int flags = O_RDONLY | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0);
  int fd = -1;
  do {
    fd = ::openat(dir_fd, path, flags);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

/// One read: pread at 0, or read(2) where the file has no positions (ESPIPE: a FIFO, a
/// stream_open'ed /proc file).
ssize_t read_at(int fd, char* buf, std::size_t n, off_t off, bool positional) {
  ssize_t r = 0;
  do {
    r = positional ? ::pread(fd, buf, n, off) : ::read(fd, buf, n);
  } while (r < 0 && errno == EINTR);
  return r;
}

/// Reads into `out`. `positional` is cleared when the file refuses pread (ESPIPE) on the first
/// read, and the read is done with read(2) instead.
KeptFiles::Outcome read_fd(int fd, bool once, std::string& out, std::size_t max_bytes,
                           bool& positional) {
  KeptFiles::Outcome r;
  const std::size_t start = out.size();
  if (once) {
    // Attributes are short: read onto the stack, so a value within std::string's small buffer
    // allocates nothing.
    char stack[256];
    char* buf = stack;
    if (max_bytes > sizeof stack) {
      out.resize(start + max_bytes);
      buf = out.data() + start;
    }
    ssize_t n = read_at(fd, buf, max_bytes, 0, positional);
    if (n < 0 && errno == ESPIPE && positional) {
      positional = false;
      n = read_at(fd, buf, max_bytes, 0, false);
    }
    if (n < 0) {
      r.err = errno;
      r.in_read = true;
      out.resize(start);
      return r;
    }
    if (buf == stack) {
      out.append(stack, static_cast<std::size_t>(n));
    } else {
      out.resize(start + static_cast<std::size_t>(n));
    }
    return r;
  }
  // Whole files are read onto the stack and appended: a file that fits in one chunk costs one
  // allocation of its own size (none into a string with room), not a zero-filled chunk that grows
  // again for the read that finds the end.
  char chunk[16384];
  off_t off = 0;
  for (;;) {
    ssize_t n = read_at(fd, chunk, sizeof chunk, off, positional);
    if (n < 0 && errno == ESPIPE && positional && off == 0) {
      positional = false;
      n = read_at(fd, chunk, sizeof chunk, off, false);
    }
    if (n < 0) {
      r.err = errno;
      r.in_read = true;
      out.resize(start);
      return r;
    }
    if (n == 0) return r;
    if (out.size() - start + static_cast<std::size_t>(n) > max_bytes) {
      r.err = EFBIG;
      r.in_read = true;
      out.resize(start);
      return r;
    }
    out.append(chunk, static_cast<std::size_t>(n));
    off += n;
  }
}

/// Errors of a kept descriptor that mean its file is gone, not that the file answered so.
bool file_gone(int err) { return err == ENODEV || err == ESRCH || err == ESPIPE; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

KeptFiles::KeptFiles(Policy policy)
    : policy_(policy), limit_(policy.limit != 0 ? policy.limit : limit_from_rlimit()) {}

KeptFiles::~KeptFiles() {
  for (auto& [key, e] : entries_) close_fd(e.fd);
}

KeptFiles& KeptFiles::shared() {
  static KeptFiles instance;
  return instance;
}

bool KeptFiles::keepable_path(std::string_view path, long fs_type) const {
  if (fs_type != kProcSuperMagic && fs_type != kSysfsMagic) return false;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (fs_type == kProcSuperMagic) {
      if (!policy_.keep_numbered && all_digits(part)) return false;
      if (part == "thread-self") return false;  // the opening thread's, not the reader's
    } else if (part == "net" || part == "infiniband") {
      return false;
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

void KeptFiles::dir_identity(int dir_fd, dev_t& dev, ino_t& ino) {
  dev = 0;
  ino = 0;
  struct statfs fs {};
  if (::fstatfs(dir_fd, &fs) != 0) return;
  if (static_cast<long>(fs.f_type) != kProcSuperMagic &&
      static_cast<long>(fs.f_type) != kSysfsMagic) {
    return;
  }
  struct stat st {};
  if (::fstat(dir_fd, &st) != 0) return;
  dev = st.st_dev;
  ino = st.st_ino;
}

int KeptFiles::checkout(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms - last_sweep_ms_ >= kSweepEveryMs) sweep_locked(now_ms);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.busy) return -1;
  it->second.busy = true;
  return it->second.fd;
}

void KeptFiles::checkin(std::string_view key, int fd, bool keep, std::int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && it->second.fd == fd) {
      if (keep) {
        it->second.busy = false;
        it->second.last_used_ms = now_ms;
        return;
      }
      entries_.erase(it);
    }
  }
  close_fd(fd);
}

bool KeptFiles::adopt(std::string_view key, int fd, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (entries_.find(key) != entries_.end()) return false;  // another reader's meanwhile
  if (entries_.size() >= limit_) {
    sweep_locked(now_ms);
    if (entries_.size() >= limit_) {
      full_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  entries_.emplace(std::string(key), Entry{fd, false, now_ms});
  return true;
}

void KeptFiles::sweep_locked(std::int64_t now_ms) {
  last_sweep_ms_ = now_ms;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.busy && now_ms - it->second.last_used_ms >= policy_.idle_close_ms) {
      close_fd(it->second.fd);
      idle_closed_.fetch_add(1, std::memory_order_relaxed);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

KeptFiles::Outcome KeptFiles::read(int dir_fd, const char* path, std::string_view key, bool by_path,
                                   Mode mode, bool nonblock, std::string& out,
                                   std::size_t max_bytes) {
  const bool once = mode == Mode::once;
  const std::int64_t now = coarse_ms();
  if (!key.empty()) {
    const int fd = checkout(key, now);
    if (fd >= 0) {
      bool positional = true;
      const Outcome r = read_fd(fd, once, out, max_bytes, positional);
      if (!(r.err != 0 && file_gone(r.err)) && positional) {
        reads_.fetch_add(1, std::memory_order_relaxed);
        checkin(key, fd, true, now);
        return r;
      }
      checkin(key, fd, false, now);
      reopened_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  const int fd = open_at(dir_fd, path, nonblock);
  if (fd < 0) return Outcome{errno, false};
  bool positional = true;
  const Outcome r = read_fd(fd, once, out, max_bytes, positional);
  bool kept = false;
  // A path both procfs and sysfs would refuse (under /sys/class/net, say) needs no fstatfs.
  if (!key.empty() && positional &&
      !(by_path && !keepable_path(path, kProcSuperMagic) && !keepable_path(path, kSysfsMagic))) {
    struct statfs fs {};
    if (::fstatfs(fd, &fs) == 0) {
      const long type = static_cast<long>(fs.f_type);
      const bool keepable =
          by_path ? keepable_path(path, type) : (type == kProcSuperMagic || type == kSysfsMagic);
      if (keepable) kept = adopt(key, fd, now);
    }
  }
  if (!kept) close_fd(fd);
  return r;
}

KeptFiles::Outcome KeptFiles::read_all(const char* path, std::string& out, std::size_t max_bytes,
                                       bool nonblock) {
  return read(AT_FDCWD, path, path, true, Mode::whole, nonblock, out, max_bytes);
}

KeptFiles::Outcome KeptFiles::read_once(const char* path, std::string& out, std::size_t max_bytes) {
  return read(AT_FDCWD, path, path, true, Mode::once, true, out, max_bytes);
}

KeptFiles::Outcome KeptFiles::read_once_at(int dir_fd, dev_t dir_dev, ino_t dir_ino,
                                           const char* name, std::string& out,
                                           std::size_t max_bytes) {
  if (dir_dev == 0) return read(dir_fd, name, {}, false, Mode::once, true, out, max_bytes);
  // "\1<dev>:<ino>/<name>" in hex: cannot be a path (which has no control characters here).
  char prefix[48];
  char* p = prefix;
  *p++ = '\1';
  p = std::to_chars(p, prefix + sizeof prefix, static_cast<unsigned long long>(dir_dev), 16).ptr;
  *p++ = ':';
  p = std::to_chars(p, prefix + sizeof prefix, static_cast<unsigned long long>(dir_ino), 16).ptr;
  *p++ = '/';
  thread_local std::string key;
  key.assign(prefix, p);
  key += name;
  return read(dir_fd, name, key, false, Mode::once, true, out, max_bytes);
}

KeptFiles::Stats KeptFiles::stats() const {
  Stats s;
  {
    std::lock_guard lock(mu_);
    s.kept = entries_.size();
  }
  s.limit = limit_;
  s.reads = reads_.load(std::memory_order_relaxed);
  s.reopened = reopened_.load(std::memory_order_relaxed);
  s.full = full_.load(std::memory_order_relaxed);
  s.idle_closed = idle_closed_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace sonde::core
