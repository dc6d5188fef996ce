#include "collectors/sysfs_attr.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "collectors/text_fields.hpp"
#include "core/kept_files.hpp"
#include "core/utf8.hpp"

namespace sonde::collectors::sysfs {

namespace {

Attr from(core::KeptFiles::Outcome r, std::string& value) {
  Attr out;
  out.err = r.err;
  out.in_read = r.in_read;
  if (r.err == 0) out.value = std::move(value);
  return out;
}

Attr trimmed(Attr a) {
  if (!a.ok()) return a;
  const std::string_view t = trim_space(a.value);
  const auto start = static_cast<std::size_t>(t.data() - a.value.data());
  a.value.resize(start + t.size());
  a.value.erase(0, start);
  return a;
}

}  // namespace

Attr read_attr(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string value;
  const auto r = core::KeptFiles::shared().read_once(path.c_str(), value, max_bytes);
  return from(r, value);
}

Attr read_whole(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string value;
  const auto r = core::KeptFiles::shared().read_all(path.c_str(), value, max_bytes);
  Attr out = from(r, value);
  if (out.err == EFBIG) out.in_read = false;  // os.ReadFile's limit, not read(2)'s error
  return out;
}

Attr read_trimmed(const std::filesystem::path& path) { return trimmed(read_attr(path)); }

Listing list_dir(const std::filesystem::path& dir, std::size_t max_entries) {
  return Dir(dir.c_str()).list(max_entries);
}

Dir::Dir(const char* path) : dir_(::opendir(path)) {
  if (dir_ == nullptr) err_ = errno;
}

Dir::~Dir() {
  if (dir_ != nullptr) ::closedir(dir_);
}

Attr Dir::read_attr(const char* name, std::size_t max_bytes) const {
  if (dir_ == nullptr) return Attr{err_, {}, false};
  if (!identified_) {  // on the first read: a directory that is only listed needs none
    core::KeptFiles::dir_identity(::dirfd(dir_), dev_, ino_);
    identified_ = true;
  }
  std::string value;
  const auto r =
      core::KeptFiles::shared().read_once_at(::dirfd(dir_), dev_, ino_, name, value, max_bytes);
  return from(r, value);
}

Attr Dir::read_trimmed(const char* name) const { return trimmed(read_attr(name)); }

Listing Dir::list(std::size_t max_entries) {
  Listing out;
  if (dir_ == nullptr) {
    out.err = err_;
    return out;
  }
  DIR* const d = dir_;
  while (out.entries.size() < max_entries) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) {
      out.err = errno;
      break;
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    Entry entry{std::string(name), EntryType::other};
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISREG(st.st_mode)   ? DT_REG
               : S_ISDIR(st.st_mode) ? DT_DIR
               : S_ISLNK(st.st_mode) ? DT_LNK
                                     : DT_UNKNOWN;
      }
    }
    if (type == DT_REG) entry.type = EntryType::regular;
    if (type == DT_DIR) entry.type = EntryType::directory;
    if (type == DT_LNK) entry.type = EntryType::symlink;
    out.entries.push_back(std::move(entry));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  if (out.err != 0) out.entries.clear();
  return out;
}

std::vector<std::string> glob_numbered(const std::filesystem::path& dir, std::string_view prefix) {
  std::vector<std::string> out;
  for (Entry& e : list_dir(dir).entries) {
    const std::string_view n = e.name;
    if (n.size() > prefix.size() && n.substr(0, prefix.size()) == prefix &&
        n[prefix.size()] >= '0' && n[prefix.size()] <= '9') {
      out.push_back(std::move(e.name));
    }
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

std::string_view trim_space(std::string_view s) { return text::trim(s); }

namespace {

/// strconv.ParseInt's shape: an optional sign, then an unsigned magnitude that `parse` reads,
/// within int64's range.
template <class Parse>
std::optional<std::int64_t> parse_signed(std::string_view s, Parse parse) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '+' || s.front() == '-') return std::nullopt;
  const std::optional<std::uint64_t> magnitude = parse(s);
  if (!magnitude) return std::nullopt;
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (negative) {
    if (*magnitude > kMax + 1) return std::nullopt;
    return *magnitude == kMax + 1 ? INT64_MIN : -static_cast<std::int64_t>(*magnitude);
  }
  if (*magnitude > kMax) return std::nullopt;
  return static_cast<std::int64_t>(*magnitude);
}

}  // namespace

std::optional<std::int64_t> parse_int10(std::string_view s) {
  return parse_signed(s, [](std::string_view m) { return text::parse_u64(m); });
}

std::optional<std::int64_t> parse_int_base0(std::string_view s) {
  return parse_signed(s, [](std::string_view m) { return text::parse_u64_base0(m); });
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_invalid = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = core::utf8_sequence_length(s, i);
    if (len > 0) {
      out.append(s.substr(i, len));
      in_invalid = false;
      i += len;
    } else {
      if (!in_invalid) out += "\xEF\xBF\xBD";  // one U+FFFD per run of bad bytes
      in_invalid = true;
      ++i;
    }
  }
  return out;
}

std::vector<bool> run_all(core::BlockingPool& pool, std::vector<std::string> keys,
                          std::vector<std::function<void()>> jobs,
                          std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<core::BlockingPool::Call>> calls;
  calls.reserve(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    calls.push_back(pool.submit(std::move(keys[i]), std::move(jobs[i])));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<bool> done;
  done.reserve(calls.size());
  for (const auto& c : calls) {
    done.push_back(c->wait_until(deadline) == core::BlockingPool::Outcome::done);
  }
  return done;
}

}  // namespace sonde::collectors::sysfs
