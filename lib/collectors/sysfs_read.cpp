#include "collectors/sysfs_read.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "collectors/text_fields.hpp"

namespace sonde::collectors::sysfs_read {

namespace {

int open_read(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

}  // namespace

Read read_attribute(const std::filesystem::path& path) {
  const int fd = open_read(path);
  if (fd < 0) return {{}, errno};
  char buf[128];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  const int e = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) return {{}, e, true};
  return {std::string(text::trim(std::string_view(buf, static_cast<std::size_t>(n)))), 0};
}

Read read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = open_read(path);
  if (fd < 0) return {{}, errno};
  Read out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.err = errno;
      out.in_read = true;
      break;
    }
    if (n == 0) break;
    if (out.text.size() + static_cast<std::size_t>(n) > max_bytes) {
      out.err = EFBIG;
      break;
    }
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.err != 0) out.text.clear();
  return out;
}

Listing list_dir(const std::filesystem::path& dir, std::size_t max_entries) {
  Listing out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    out.err = errno;
    return out;
  }
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (out.entries.size() >= max_entries) break;
    Entry entry;
    entry.name = std::string(name);
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
      }
    }
    entry.is_dir = type == DT_DIR;
    entry.is_regular = type == DT_REG;
    out.entries.push_back(std::move(entry));
    errno = 0;
  }
  if (errno != 0) out.err = errno;
  ::closedir(d);
  std::sort(out.entries.begin(), out.entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> glob_names(const std::filesystem::path& dir, std::string_view prefix,
                                    bool digit_after_prefix) {
  std::vector<std::string> out;
  for (Entry& e : list_dir(dir).entries) {
    const std::string_view n = e.name;
    if (!n.starts_with(prefix)) continue;
    if (digit_after_prefix &&
        (n.size() <= prefix.size() || n[prefix.size()] < '0' || n[prefix.size()] > '9')) {
      continue;
    }
    out.push_back(std::move(e.name));
  }
  return out;
}

std::vector<std::string> glob_dashed(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (Entry& e : list_dir(dir).entries) {
    if (e.name.find('-') != std::string::npos) out.push_back(std::move(e.name));
  }
  return out;
}

std::string describe(const std::filesystem::path& path, int err) {
  return path.string() + ": " + std::strerror(err);
}

std::uint64_t go_float_to_u64(double f) {
  constexpr double kCut = 9223372036854775808.0;  // 2^63
  // CVTTSD2SQ: the truncated value, or 0x8000000000000000 when it does not fit (NaN too).
  const auto cvt = [](double v) -> std::uint64_t {
    if (v >= -kCut && v < kCut) return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
    return std::uint64_t{1} << 63;
  };
  if (f < kCut) return cvt(f);
  return cvt(f - kCut) | (std::uint64_t{1} << 63);
}

}  // namespace sonde::collectors::sysfs_read
