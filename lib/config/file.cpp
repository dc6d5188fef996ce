#include "config/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "config/loader.hpp"

namespace sonde::config {
namespace {

const char* kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string not_regular(mode_t mode) {
  const std::string k = kind(mode);
  return k == "not a regular file" ? k : "not a regular file (" + k + ")";
}

}  // namespace

core::Result<std::string, core::Diagnostic> read_config_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  auto fail = [&](std::string message) {
    return core::Diagnostic{name, 0, 0, "", std::move(message)};
  };
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  // Linux's /dev/null (character device 1:3), the conventional empty file, cannot block.
  if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) return std::string();
  if (!S_ISREG(st.st_mode)) return fail(not_regular(st.st_mode));
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxConfigBytes) {
    return fail("larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file?");
  }
  // O_NONBLOCK: if the path was replaced by a FIFO since stat, open() still returns at once, and
  // fstat below refuses it.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ::close(fd);
    return fail(S_ISREG(st.st_mode) ? std::string("cannot read: ") + std::strerror(err)
                                    : not_regular(st.st_mode));
  }
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(std::string("cannot read: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) {  // grown since stat
      ::close(fd);
      return fail("larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file?");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace sonde::config
