// Unix socket plumbing of the DogStatsD listeners: an owned descriptor, the runtime directory's
// checks, and the one function that binds a Unix socket file (used for unixgram and
// unixstream alike).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "core/result.hpp"

namespace sonde::ingest {

std::string errno_text(int err);

/// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// A group name or number (as `ingest.unixgram.group` takes it) as a gid.
core::Result<gid_t> lookup_group(const std::string& group);

/// The default runtime dir is created 0700 when missing; one that exists must be a real
/// directory owned by this user (/tmp/sonde-$UID could have been made by someone else).
core::Status check_runtime_dir(const std::filesystem::path& dir);

/// Creates a Unix socket (SOCK_DGRAM or SOCK_STREAM, listening) bound at `path`. The parent
/// directory is created (0700) when missing. A socket file left by a process that is gone is
/// replaced; a live one, or any other kind of file, is an error (never deleted). The socket file
/// gets `mode` and, when given, `group` (a name or a number). Returns the descriptor.
core::Result<int> bind_unix(const std::filesystem::path& path, int type, std::uint32_t mode,
                            const std::string& group);

/// A listener's socket: bound at `path`, or, when `path` is empty, at `runtime_dir`/`file_name`
/// after check_runtime_dir. The descriptor and the path it was bound at.
struct BoundSocket {
  Fd fd;
  std::filesystem::path path;
};
core::Result<BoundSocket> bind_listener_socket(const std::filesystem::path& path,
                                               const std::filesystem::path& runtime_dir,
                                               std::string_view file_name, int type,
                                               std::uint32_t mode, const std::string& group);

}  // namespace sonde::ingest
