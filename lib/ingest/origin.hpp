// Origin detection: which container sent a datagram or opened a connection. The listener gets
// the sender's pid from the kernel (SCM_CREDENTIALS on unixgram, SO_PEERCRED on unixstream);
// OriginCache turns it into labels from <procfs>/<pid>/cgroup (core::parse_cgroup) and remembers
// them by pid and process start time, so a reused pid is not taken for the process before it.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sonde::ingest {

/// The origin labels of one sender. Immutable once made; shared by every process of a container.
struct Origin {
  std::uint64_t id = 0;      // unique in this process, never reused: part of a worker's raw key
  std::string container_id;  // 64 hex digits, or empty
  std::string pod_uid;       // 8-4-4-4-12 UUID, or empty
};

/// Field 22 (starttime, clock ticks after boot) of a /proc/<pid>/stat line. Fields are counted
/// after the last ')', since the command name (field 2) may hold spaces and parentheses.
std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat);

/// What DogStatsD's `c:` field carries (the text after "c:").
enum class ContainerField : std::uint8_t {
  id,       // a container ID, in `out`
  inode,    // only `in-<cgroup inode>` (Agent 7.51+ clients): not resolved by sonde
  invalid,  // empty, longer than 128 bytes, or a byte outside [A-Za-z0-9._-]
};
/// Accepts `<id>`, `ci-<id>` and `ci-<id>,in-<inode>` (the forms DogStatsD clients send).
ContainerField parse_container_field(std::string_view value, std::string_view& out);

/// Counters of one listener's origin cache (sonde_ingest_origin_*{listener}).
struct OriginStats {
  /// Reads of a sender's cgroup, by outcome: container (labels found), no_container (a host
  /// process), unknown (no pid: sender not in sonde's PID namespace; or gone, or unreadable).
  std::array<std::atomic<std::uint64_t>, 3> resolved{};
  std::atomic<std::uint64_t> pid_reused{0};  // a remembered pid now belongs to another process
  std::atomic<std::uint64_t> evictions{0};   // entries dropped because the cache was full
  std::atomic<std::uint64_t> entries{0};     // processes remembered now
};
enum class OriginResult : std::uint8_t { container, no_container, unknown };

/// pid -> origin labels, for one listener thread (not thread-safe). Bounded: at most `capacity`
/// processes; an entry older than `ttl_ns` is resolved again (the process may have moved).
/// A remembered pid's start time is read again when it was last checked `recheck_ns` or more
/// ago (0: on every lookup), so a pid reused by another process is noticed: the kernel hands
/// out pids cyclically, so a pid comes back only after pid_max other processes have started,
/// far longer than the datagram listener's 50 ms.
class OriginCache {
 public:
  OriginCache(std::filesystem::path proc, std::size_t capacity, std::int64_t ttl_ns,
              std::int64_t recheck_ns, OriginStats& stats);

  /// The origin of the process `pid` (0: the kernel gave none) at `now_ns` (steady clock); null
  /// for a process in no container or one that cannot be resolved.
  std::shared_ptr<const Origin> lookup(pid_t pid, std::int64_t now_ns);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t start_time = 0;
    std::shared_ptr<const Origin> origin;  // null: no container
    std::int64_t resolved_ns = 0;
    std::int64_t checked_ns = 0;  // when the start time was last read
  };
  std::optional<std::uint64_t> start_time(pid_t pid);
  /// Reads the cgroup of `pid`; false when the process cannot be resolved.
  bool resolve(pid_t pid, Entry& e, std::int64_t now_ns);
  std::shared_ptr<const Origin> intern(std::string container_id, std::string pod_uid);
  void make_room(std::int64_t now_ns);
  const std::string& path_of(pid_t pid, std::string_view file);
  void count(OriginResult r) {
    stats_.resolved[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }

  const std::string proc_;  // "<procfs>/"
  const std::size_t capacity_;
  const std::int64_t ttl_ns_;
  const std::int64_t recheck_ns_;
  OriginStats& stats_;
  std::string path_;  // reused for every path built
  std::unordered_map<pid_t, Entry> entries_;
  std::unordered_map<std::string, std::shared_ptr<const Origin>> interned_;
};

}  // namespace sonde::ingest
