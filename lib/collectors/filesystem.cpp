#include "collectors/filesystem.hpp"

#include <spdlog/spdlog.h>
#include <sys/statfs.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

/// Decodes the kernel's octal escapes (fs/proc_namespace.c mangles ' ', '\t', '\n' and '\\').
/// node_exporter decodes only \040 and \011; the other two are as real and as rare.
std::string unescape_octal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string_view oct = s.substr(i + 1, 3);
      if (oct == "040" || oct == "011" || oct == "012" || oct == "134") {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool has_option(std::string_view options, std::string_view want) {
  while (!options.empty()) {
    const auto comma = options.find(',');
    if (options.substr(0, comma) == want) return true;
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return false;
}

struct Help {
  const char* name;
  const char* help;
};
constexpr Help kSize = {"node_filesystem_size_bytes", "Filesystem size in bytes."};
constexpr Help kFree = {"node_filesystem_free_bytes", "Filesystem free space in bytes."};
constexpr Help kAvail = {"node_filesystem_avail_bytes",
                         "Filesystem space available to non-root users in bytes."};
constexpr Help kFiles = {"node_filesystem_files", "Filesystem total file nodes."};
constexpr Help kFilesFree = {"node_filesystem_files_free", "Filesystem total free file nodes."};
constexpr Help kReadonly = {"node_filesystem_readonly", "Filesystem read-only status."};
constexpr Help kDeviceError = {"node_filesystem_device_error",
                               "Whether an error occurred while getting statistics for the given "
                               "device."};

}  // namespace

Mounts parse_mounts(std::string_view text) {
  Mounts out;
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view device = text::next_field(rest);
    if (device.empty()) return;  // blank line
    const std::string_view mount_point = text::next_field(rest);
    const std::string_view fs_type = text::next_field(rest);
    const std::string_view options = text::next_field(rest);
    if (options.empty()) {
      ++out.errors;
      return;
    }
    out.entries.push_back({unescape_octal(device), unescape_octal(mount_point),
                           std::string(fs_type), std::string(options)});
  });
  return out;
}

std::string strip_rootfs(const std::filesystem::path& root, const std::string& mount_point) {
  const std::string r = root.lexically_normal().string();
  if (r.empty() || r == "/") return mount_point;
  std::string prefix = r;
  if (prefix.back() == '/') prefix.pop_back();
  if (mount_point == prefix) return "/";
  if (mount_point.size() > prefix.size() && mount_point.compare(0, prefix.size(), prefix) == 0 &&
      mount_point[prefix.size()] == '/') {
    return mount_point.substr(prefix.size());
  }
  return mount_point;
}

std::string under_root(const std::filesystem::path& root, const std::string& mount_point) {
  const std::string r = root.string();
  if (r.empty() || r == "/") return mount_point;
  // As Go's filepath.Join: cleaned, no trailing slash ("/host" + "/" is "/host").
  std::string joined =
      (root / std::filesystem::path(mount_point).relative_path()).lexically_normal().string();
  while (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

core::Result<std::string> read_mount_table(const core::HostPaths& paths) {
  std::filesystem::path table = paths.proc / "1" / "mounts";
  std::error_code ec;
  if (!std::filesystem::exists(table, ec)) table = paths.proc / "mounts";
  return core::read_text(table);
}

int system_statfs(const std::string& path, FsStats& out) {
  struct statfs buf {};
  int rc = 0;
  do {
    rc = ::statfs(path.c_str(), &buf);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return errno;
  out.blocks = static_cast<std::uint64_t>(buf.f_blocks);
  out.bfree = static_cast<std::uint64_t>(buf.f_bfree);
  out.bavail = static_cast<std::uint64_t>(buf.f_bavail);
  out.files = static_cast<std::uint64_t>(buf.f_files);
  out.ffree = static_cast<std::uint64_t>(buf.f_ffree);
  out.bsize = static_cast<std::uint64_t>(buf.f_bsize);
  return 0;
}

FilesystemCollector::FilesystemCollector(core::HostPaths paths,
                                         const collectors::FilesystemOptions& options,
                                         std::shared_ptr<core::BlockingPool> pool, StatfsFn statfs)
    : paths_(std::move(paths)),
      mount_points_exclude_("filesystem.mount_points_exclude", options.mount_points_exclude),
      fs_types_exclude_("filesystem.fs_types_exclude", options.fs_types_exclude),
      timeout_(options.statfs_timeout),
      pool_(pool ? std::move(pool) : std::make_shared<core::BlockingPool>(kStatfsWorkers)),
      statfs_(std::move(statfs)) {}

std::shared_ptr<core::BlockingPool::Call> FilesystemCollector::submit(
    const std::string& mount_point, std::shared_ptr<Slot> slot) {
  // The worker gets its own copies: the collect may have given up on it long before it returns.
  return pool_->submit("mount:" + mount_point,
                       [slot = std::move(slot), path = under_root(paths_.root, mount_point),
                        statfs = statfs_] { slot->err = statfs(path, slot->stats); });
}

core::Status FilesystemCollector::collect(core::SampleSink& out) {
  for (const Pattern* p : {&mount_points_exclude_, &fs_types_exclude_}) {
    if (auto st = p->valid(); !st.ok()) return st;
  }
  auto text = read_mount_table(paths_);
  if (!text) return text.status();
  const Mounts mounts = parse_mounts(*text);
  if (mounts.errors > 0) out.parse_errors(mounts.errors);

  struct Pending {
    MountEntry mount;
    std::shared_ptr<Slot> slot;
    std::shared_ptr<core::BlockingPool::Call> call;
    core::BlockingPool::Outcome outcome = core::BlockingPool::Outcome::done;
  };
  std::vector<Pending> pending;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::map<std::string, std::size_t> by_path;  // mount point -> first pending entry for it
  for (const MountEntry& m : mounts.entries) {
    MountEntry e = m;
    e.mount_point = strip_rootfs(paths_.root, e.mount_point);
    if (mount_points_exclude_.search(e.mount_point) || fs_types_exclude_.search(e.fs_type)) {
      continue;
    }
    // The same filesystem mounted twice at one place (bind mounts, over-mounts) is one series.
    if (!seen.emplace(e.device, e.mount_point, e.fs_type).second) continue;
    Pending p{std::move(e), nullptr, nullptr};
    // statfs(2) on a path answers for whatever is mounted on top there, so mounts stacked at one
    // path (rootfs under /, over-mounts) share one call: one key, one stuck worker at most.
    if (auto it = by_path.find(p.mount.mount_point); it != by_path.end()) {
      p.slot = pending[it->second].slot;
      p.call = pending[it->second].call;
    } else {
      p.slot = std::make_shared<Slot>();
      p.call = submit(p.mount.mount_point, p.slot);
      by_path.emplace(p.mount.mount_point, pending.size());
    }
    pending.push_back(std::move(p));
  }

  // One deadline for every call: a collect takes at most statfs_timeout however many mounts hang.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (Pending& p : pending) {
    p.outcome = p.call->wait_until(deadline);
  }

  for (const Pending& p : pending) {
    const MountEntry& m = p.mount;
    const core::Label labels[] = {
        {"device", m.device}, {"fstype", m.fs_type}, {"mountpoint", m.mount_point}};
    const bool answered = p.outcome == core::BlockingPool::Outcome::done;
    const bool stuck = p.outcome == core::BlockingPool::Outcome::timed_out ||
                       p.outcome == core::BlockingPool::Outcome::key_busy;
    if (stuck && unresponsive_.insert(m.mount_point).second) {
      spdlog::warn(
          "filesystem: statfs on {} ({}) has not returned within {} ms; reporting "
          "node_filesystem_device_error 1 until it does",
          m.mount_point, m.fs_type, timeout_.count());
    } else if (answered && unresponsive_.erase(m.mount_point) > 0) {
      spdlog::info("filesystem: statfs on {} returns again", m.mount_point);
    }
    if (!answered || p.slot->err != 0) {
      if (answered) {
        spdlog::debug("filesystem: statfs on {}: {}", m.mount_point, std::strerror(p.slot->err));
      } else if (!stuck) {
        spdlog::debug("filesystem: statfs on {} not started: {}", m.mount_point,
                      core::BlockingPool::outcome_name(p.outcome));
      }
      out.gauge(kDeviceError.name, kDeviceError.help, labels, 1);
      continue;
    }
    // As node_exporter: float64(blocks) * float64(bsize).
    const FsStats& s = p.slot->stats;
    const double bsize = static_cast<double>(s.bsize);
    out.gauge(kSize.name, kSize.help, labels, static_cast<double>(s.blocks) * bsize);
    out.gauge(kFree.name, kFree.help, labels, static_cast<double>(s.bfree) * bsize);
    out.gauge(kAvail.name, kAvail.help, labels, static_cast<double>(s.bavail) * bsize);
    out.gauge(kFiles.name, kFiles.help, labels, static_cast<double>(s.files));
    out.gauge(kFilesFree.name, kFilesFree.help, labels, static_cast<double>(s.ffree));
    out.gauge(kReadonly.name, kReadonly.help, labels, has_option(m.options, "ro") ? 1 : 0);
    out.gauge(kDeviceError.name, kDeviceError.help, labels, 0);
  }
  // Forget mounts that went away while stuck, so the set stays as small as the mount table.
  for (auto it = unresponsive_.begin(); it != unresponsive_.end();) {
    bool present = false;
    for (const Pending& p : pending) present = present || p.mount.mount_point == *it;
    it = present ? std::next(it) : unresponsive_.erase(it);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_filesystem(const CollectorContext& ctx) {
  return std::make_unique<FilesystemCollector>(ctx.paths, ctx.options.filesystem, ctx.blocking);
}

}  // namespace sonde::collectors
