#include "ingest/origin.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "core/cgroup.hpp"
#include "core/read_file.hpp"

namespace sonde::ingest {
namespace {

constexpr std::size_t kMaxContainerField = 128;
constexpr std::size_t kMaxCgroupBytes = 64 * 1024;

std::atomic<std::uint64_t> next_origin_id{1};

bool container_byte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  // Fields 3 (state) to 22 (starttime), separated by single spaces.
  for (int field = 3; field <= 22; ++field) {
    if (rest.empty() || rest[0] != ' ') return std::nullopt;
    rest.remove_prefix(1);
    const auto end = rest.find_first_of(" \n");
    const std::string_view value = rest.substr(0, end);
    if (value.empty()) return std::nullopt;
    if (field == 22) {
      std::uint64_t v = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size()) return std::nullopt;
      return v;
    }
    rest.remove_prefix(value.size());
  }
  return std::nullopt;
}

ContainerField parse_container_field(std::string_view value, std::string_view& out) {
  // Newer clients send `ci-<id>` and may add `,in-<inode>`; older ones the bare ID.
  std::string_view id;
  bool inode = false;
  bool tagged = false;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view part = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (part.substr(0, 3) == "ci-") {
      if (!id.empty()) return ContainerField::invalid;
      id = part.substr(3);
      tagged = true;
      if (id.empty()) return ContainerField::invalid;
    } else if (part.substr(0, 3) == "in-") {
      inode = true;
    } else if (!tagged && id.empty() && comma == std::string_view::npos && !inode) {
      id = part;  // the bare form, alone in the field
    } else {
      return ContainerField::invalid;
    }
  }
  if (id.empty()) return inode ? ContainerField::inode : ContainerField::invalid;
  if (id.size() > kMaxContainerField) return ContainerField::invalid;
  for (char c : id) {
    if (!container_byte(c)) return ContainerField::invalid;
  }
  out = id;
  return ContainerField::id;
}

OriginCache::OriginCache(std::filesystem::path proc, std::size_t capacity, std::int64_t ttl_ns,
                         std::int64_t recheck_ns, OriginStats& stats)
    : proc_(proc.string() + "/"),
      capacity_(std::max<std::size_t>(1, capacity)),
      ttl_ns_(ttl_ns),
      recheck_ns_(recheck_ns),
      stats_(stats) {
  path_.reserve(proc_.size() + 32);
  entries_.reserve(std::min<std::size_t>(capacity_, 1024));
}

const std::string& OriginCache::path_of(pid_t pid, std::string_view file) {
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, pid);
  path_.assign(proc_);
  path_.append(digits, static_cast<std::size_t>(end - digits));
  path_ += '/';
  path_ += file;
  return path_;
}

std::optional<std::uint64_t> OriginCache::start_time(pid_t pid) {
  // Read into a fixed buffer: this runs once per batch and distinct sender, so no allocation.
  const int fd = ::open(path_of(pid, "stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  std::size_t used = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf + used, sizeof buf - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
    if (used == sizeof buf) break;  // starttime is far before the end of any real stat line
  }
  ::close(fd);
  return parse_stat_start_time(std::string_view(buf, used));
}

std::shared_ptr<const Origin> OriginCache::intern(std::string container_id, std::string pod_uid) {
  std::string key = container_id + '/' + pod_uid;
  if (auto it = interned_.find(key); it != interned_.end()) return it->second;
  if (interned_.size() >= capacity_) {
    // Only what no cache entry and no open connection holds any more.
    for (auto it = interned_.begin(); it != interned_.end();) {
      it = it->second.use_count() == 1 ? interned_.erase(it) : std::next(it);
    }
  }
  auto o = std::make_shared<Origin>();
  o->id = next_origin_id.fetch_add(1, std::memory_order_relaxed);
  o->container_id = std::move(container_id);
  o->pod_uid = std::move(pod_uid);
  // Still full of live origins: serve this one without remembering it.
  if (interned_.size() < capacity_) interned_.emplace(std::move(key), o);
  return o;
}

bool OriginCache::resolve(pid_t pid, Entry& e, std::int64_t now_ns) {
  const auto before = start_time(pid);
  if (!before) return false;
  auto text = core::read_text(path_of(pid, "cgroup"), kMaxCgroupBytes);
  if (!text) return false;
  // The cgroup file read must belong to the process whose start time was read.
  const auto after = start_time(pid);
  if (!after || *after != *before) return false;
  core::ContainerRef ref = core::parse_cgroup(*text);
  e.start_time = *before;
  e.resolved_ns = now_ns;
  e.checked_ns = now_ns;
  if (ref.container_id.empty() && ref.pod_uid.empty()) {
    e.origin = nullptr;
    count(OriginResult::no_container);
  } else {
    e.origin = intern(std::move(ref.container_id), std::move(ref.pod_uid));
    count(OriginResult::container);
  }
  return true;
}

void OriginCache::make_room(std::int64_t now_ns) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now_ns - it->second.resolved_ns > ttl_ns_ ? entries_.erase(it) : std::next(it);
  }
  if (entries_.size() < capacity_) return;
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.resolved_ns < oldest->second.resolved_ns) oldest = it;
  }
  entries_.erase(oldest);
  stats_.evictions.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const Origin> OriginCache::lookup(pid_t pid, std::int64_t now_ns) {
  if (pid <= 0) {
    count(OriginResult::unknown);
    return nullptr;
  }
  auto it = entries_.find(pid);
  if (it != entries_.end()) {
    Entry& e = it->second;
    if (now_ns - e.resolved_ns <= ttl_ns_) {
      if (now_ns - e.checked_ns < recheck_ns_) return e.origin;
      const auto now_start = start_time(pid);
      // Gone since it sent: the last process seen with this pid is the best answer there is.
      if (!now_start || *now_start == e.start_time) {
        e.checked_ns = now_ns;
        return e.origin;
      }
      stats_.pid_reused.fetch_add(1, std::memory_order_relaxed);
    }
    if (!resolve(pid, e, now_ns)) {
      entries_.erase(it);
      stats_.entries.store(entries_.size(), std::memory_order_relaxed);
      count(OriginResult::unknown);
      return nullptr;
    }
    return e.origin;
  }
  Entry e;
  if (!resolve(pid, e, now_ns)) {
    count(OriginResult::unknown);
    return nullptr;
  }
  if (entries_.size() >= capacity_) make_room(now_ns);
  auto origin = e.origin;
  entries_.emplace(pid, std::move(e));
  stats_.entries.store(entries_.size(), std::memory_order_relaxed);
  return origin;
}

}  // namespace sonde::ingest
