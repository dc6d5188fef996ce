#include "remote/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace sonde::remote {
namespace {

core::Error fail(const std::string& what, const std::filesystem::path& path) {
  return core::error(what + " " + path.string() + ": " + std::strerror(errno));
}

/// Writes all of `bytes` (write may write less than asked).
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

class PosixAppendFile final : public AppendFile {
 public:
  PosixAppendFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  ~PosixAppendFile() override { ::close(fd_); }
  PosixAppendFile(const PosixAppendFile&) = delete;
  PosixAppendFile& operator=(const PosixAppendFile&) = delete;

  core::Status append(std::string_view bytes) override {
    if (!write_all(fd_, bytes)) return fail("write", path_);
    return core::ok();
  }
  core::Status sync() override {
    if (::fdatasync(fd_) != 0) return fail("fsync", path_);
    return core::ok();
  }
  core::Status truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return fail("truncate", path_);
    return core::ok();
  }

 private:
  int fd_;
  std::filesystem::path path_;
};

/// flock(2): held by the open file description, so released when the process dies (even by
/// SIGKILL), and a second open in the same process conflicts too.
class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }
  PosixLock(const PosixLock&) = delete;
  PosixLock& operator=(const PosixLock&) = delete;

 private:
  int fd_;
};

class PosixFiles final : public FileLayer {
 public:
  core::Status make_directories(const std::filesystem::path& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return core::error("create " + dir.string() + ": " + ec.message());
    return core::ok();
  }

  core::Result<std::vector<std::string>> list(const std::filesystem::path& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return fail("open", dir);
    std::vector<std::string> out;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
  }

  core::Result<std::unique_ptr<AppendFile>> create(const std::filesystem::path& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail("create", path);
    return std::unique_ptr<AppendFile>(std::make_unique<PosixAppendFile>(fd, path));
  }

  core::Result<std::string> read(const std::filesystem::path& path, std::uint64_t offset,
                                 std::size_t max) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("open", path);
    std::string out(max, '\0');
    std::size_t got = 0;
    while (got < max) {
      const ssize_t n = ::pread(fd, out.data() + got, max - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const auto e = fail("read", path);
        ::close(fd);
        return e;
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
  }

  core::Result<std::uint64_t> size(const std::filesystem::path& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fail("stat", path);
    return static_cast<std::uint64_t>(st.st_size);
  }

  core::Status truncate(const std::filesystem::path& path, std::uint64_t size) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail("open", path);
    const bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fdatasync(fd) == 0;
    const auto e = ok ? core::ok() : core::Status(fail("truncate", path));
    ::close(fd);
    return e;
  }

  core::Status remove(const std::filesystem::path& path) override {
    if (::remove(path.c_str()) != 0 && errno != ENOENT) return fail("remove", path);
    return core::ok();
  }

  core::Status replace(const std::filesystem::path& path, std::string_view content) override {
    const std::filesystem::path tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("create", tmp);
    const bool ok = write_all(fd, content) && ::fdatasync(fd) == 0;
    const auto e = ok ? core::ok() : core::Status(fail("write", tmp));
    ::close(fd);
    if (!e.ok()) return e;
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename", tmp);
    return sync_directory(path.parent_path());
  }

  core::Status sync_directory(const std::filesystem::path& dir) override {
    const std::filesystem::path d = dir.empty() ? "." : dir;
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail("open", d);
    const bool ok = ::fsync(fd) == 0;
    const auto e = ok ? core::ok() : core::Status(fail("fsync", d));
    ::close(fd);
    return e;
  }

  core::Result<std::unique_ptr<FileLock>> try_lock(const std::filesystem::path& path,
                                                   std::string& holder) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail("open", path);
    int r = 0;
    while ((r = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
    }
    if (r != 0) {
      const int err = errno;
      char text[32] = {};
      const ssize_t n = err == EWOULDBLOCK ? ::pread(fd, text, sizeof text - 1, 0) : -1;
      ::close(fd);
      if (err != EWOULDBLOCK) {
        errno = err;
        return fail("lock", path);
      }
      holder.assign(text, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return std::unique_ptr<FileLock>();
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // The pid is for the message of the one refused; the lock holds without it.
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    return std::unique_ptr<FileLock>(std::make_unique<PosixLock>(fd));
  }
};

}  // namespace

std::shared_ptr<FileLayer> posix_files() { return std::make_shared<PosixFiles>(); }

}  // namespace sonde::remote
