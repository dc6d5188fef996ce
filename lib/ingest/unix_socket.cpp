#include "ingest/unix_socket.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sonde::ingest {

std::string errno_text(int err) { return std::strerror(err); }

core::Result<gid_t> lookup_group(const std::string& group) {
  if (!group.empty() && group.find_first_not_of("0123456789") == std::string::npos &&
      group.size() < 10) {
    return static_cast<gid_t>(std::stoul(group));
  }
  std::vector<char> buf(16384);
  struct group gr {};
  struct group* out = nullptr;
  const int rc = ::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &out);
  if (rc != 0 || !out) return core::error("unknown group \"" + group + "\"");
  return out->gr_gid;
}

core::Status check_runtime_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return core::error("no socket path and no runtime directory to put it in");
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return core::error("cannot stat " + dir.string() + ": " + errno_text(errno));
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return core::error("cannot create directory " + dir.string() + ": " + errno_text(errno));
    }
    if (::lstat(dir.c_str(), &st) != 0) {
      return core::error("cannot stat " + dir.string() + ": " + errno_text(errno));
    }
  }
  if (!S_ISDIR(st.st_mode)) return core::error(dir.string() + " is not a directory");
  if (st.st_uid != ::geteuid()) {
    return core::error("runtime directory " + dir.string() + " belongs to uid " +
                       std::to_string(st.st_uid) + ", not to this process; refusing to use it");
  }
  return core::ok();
}

core::Result<int> bind_unix(const std::filesystem::path& path, int type, std::uint32_t mode,
                            const std::string& group) {
  const std::string p = path.string();
  sockaddr_un addr{};
  if (p.empty() || p.size() >= sizeof addr.sun_path) {
    return core::error("socket path \"" + p + "\" is empty or longer than " +
                       std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  const auto dir = path.parent_path();
  struct stat st {};
  if (!dir.empty() && ::stat(dir.c_str(), &st) != 0) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return core::error("cannot create directory " + dir.string() + ": " + errno_text(errno));
    }
  }
  if (::lstat(p.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return core::error(p + " exists and is not a socket; not removing it");
    }
    // A socket file: in use if something still answers on it, else left by a previous run.
    Fd probe(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return core::error(p + " is in use by another process");
    }
    if (::unlink(p.c_str()) != 0) {
      return core::error("cannot remove stale socket " + p + ": " + errno_text(errno));
    }
  }
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    auto g = lookup_group(group);
    if (!g.ok()) return g.error();
    gid = *g;
  }
  Fd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return core::error("socket: " + errno_text(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return core::error("cannot bind " + p + ": " + errno_text(errno));
  }
  if (::chmod(p.c_str(), static_cast<mode_t>(mode)) != 0 ||
      (gid != static_cast<gid_t>(-1) && ::chown(p.c_str(), static_cast<uid_t>(-1), gid) != 0)) {
    const int err = errno;
    ::unlink(p.c_str());
    return core::error("cannot set mode/group of " + p + ": " + errno_text(err));
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 128) != 0) {
    const int err = errno;
    ::unlink(p.c_str());
    return core::error("cannot listen on " + p + ": " + errno_text(err));
  }
  return fd.release();
}

core::Result<BoundSocket> bind_listener_socket(const std::filesystem::path& path,
                                               const std::filesystem::path& runtime_dir,
                                               std::string_view file_name, int type,
                                               std::uint32_t mode, const std::string& group) {
  BoundSocket out;
  out.path = path;
  if (out.path.empty()) {
    if (auto st = check_runtime_dir(runtime_dir); !st.ok()) return st.error();
    out.path = runtime_dir / file_name;
  }
  auto fd = bind_unix(out.path, type, mode, group);
  if (!fd.ok()) return fd.error();
  out.fd.reset(*fd);
  return out;
}

}  // namespace sonde::ingest
