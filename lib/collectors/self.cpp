#include "collectors/self.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "collectors/stat.hpp"
#include "collectors/text_fields.hpp"
#include "core/build_info.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

// Fields of /proc/<pid>/stat counted from state (field 3 in proc.rst's 1-based numbering).
constexpr std::size_t kUtime = 14 - 3;
constexpr std::size_t kStime = 15 - 3;
constexpr std::size_t kStarttime = 22 - 3;
constexpr std::size_t kVsize = 23 - 3;
constexpr std::size_t kRss = 24 - 3;

// Entries of a directory other than "." and "..".
core::Result<std::uint64_t> count_entries(const std::filesystem::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return core::error(dir.string() + ": " + std::strerror(errno));
  std::uint64_t n = 0;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return core::error(dir.string() + ": " + std::strerror(err));
  return n;
}

// fs/proc/fd.c's proc_fd_getattr: since Linux 6.2 a /proc/<pid>/fd directory's size is its number
// of open descriptors (the bits set in the process's open_fds), the count listing it gives. One
// stat instead of a listing: sonde keeps ~170 descriptors open (core::KeptFiles), and listing
// them was most of this collector's cost. 0 on older kernels, and in a fixture tree the size is
// the directory's, so only a procfs directory with a size is trusted (checked when `check_fs`).
std::optional<std::uint64_t> fd_count_from_size(const std::filesystem::path& dir, bool check_fs) {
  constexpr long kProcSuperMagic = 0x9fa0;  // linux/magic.h PROC_SUPER_MAGIC
  struct statfs fs {};
  if (check_fs && (::statfs(dir.c_str(), &fs) != 0 || fs.f_type != kProcSuperMagic)) {
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_size <= 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(st.st_size);
}

double positive_sysconf(int name, double fallback) {
  const long v = ::sysconf(name);
  return v > 0 ? static_cast<double>(v) : fallback;
}

}  // namespace

// Format (Documentation/filesystems/proc.rst, Table 1-4 "Contents of the stat fields"):
// "pid (comm) state ppid ... utime stime ... starttime vsize rss ...". comm is the executable's
// name truncated to 15 bytes and may contain anything, ')' and spaces included, so the fields
// start after the last ')'.
core::Result<ProcPidStat> parse_proc_pid_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return core::error("stat: no (comm) field");
  }
  ProcPidStat out;
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  std::string_view rest = text.substr(close + 1);
  std::array<std::string_view, kRss + 1> fields{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    fields[i] = text::next_field(rest);
    if (fields[i].empty()) {
      return core::error("stat: only " + std::to_string(i) + " fields after comm");
    }
  }
  if (fields[0].size() != 1) return core::error("stat: bad state field");
  out.state = fields[0][0];
  const auto utime = text::parse_u64(fields[kUtime]);
  const auto stime = text::parse_u64(fields[kStime]);
  const auto start = text::parse_u64(fields[kStarttime]);
  const auto vsize = text::parse_u64(fields[kVsize]);
  // rss is a signed long in the kernel's format string.
  std::int64_t rss = 0;
  const std::string_view r = fields[kRss];
  const auto [ptr, ec] = std::from_chars(r.data(), r.data() + r.size(), rss);
  if (!utime || !stime || !start || !vsize || ec != std::errc() || ptr != r.data() + r.size()) {
    return core::error("stat: a time or memory field is not a number");
  }
  out.utime = *utime;
  out.stime = *stime;
  out.starttime = *start;
  out.vsize = *vsize;
  out.rss = rss;
  return out;
}

// Format: a table with a header line, then "Max open files            1024       4096      files"
// (fs/proc/base.c, proc_pid_limits). The limit's name has single spaces, columns are padded.
std::optional<std::uint64_t> parse_max_open_files(std::string_view limits_text) {
  return parse_soft_limit(limits_text, "Max open files");
}

std::optional<std::uint64_t> parse_soft_limit(std::string_view limits_text,
                                              std::string_view kName) {
  std::optional<std::uint64_t> out;
  core::for_each_line(limits_text, [&](std::string_view line) {
    if (out || line.substr(0, kName.size()) != kName) return;
    std::string_view rest = line.substr(kName.size());
    const std::string_view soft = text::next_field(rest);
    if (soft == "unlimited") {
      out = UINT64_MAX;
    } else {
      out = text::parse_u64(soft);
    }
  });
  return out;
}

SelfCollector::SelfCollector(std::filesystem::path proc_root)
    : proc_(std::move(proc_root)),
      clock_ticks_(positive_sysconf(_SC_CLK_TCK, 100)),
      page_size_(positive_sysconf(_SC_PAGESIZE, 4096)) {}

core::Status SelfCollector::collect(core::SampleSink& out) {
  auto stat_text = core::read_text(proc_ / "self/stat");
  if (!stat_text) return stat_text.status();
  auto stat = parse_proc_pid_stat(*stat_text);
  if (!stat) return core::error((proc_ / "self/stat").string() + ": " + stat.message());

  std::size_t errors = 0;
  out.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
              static_cast<double>(stat->utime + stat->stime) / clock_ticks_);
  out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
            static_cast<double>(stat->vsize));
  out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
            static_cast<double>(stat->rss) * page_size_);

  // The rest is optional: each piece that cannot be read is left out and counted.
  const std::filesystem::path fd_dir = proc_ / "self/fd";
  std::optional<std::uint64_t> fds;
  if (fd_size_counts_.value_or(true)) {
    fds = fd_count_from_size(fd_dir, !fd_size_counts_.has_value());
    // Decided once: whether this kernel reports the count is the same for the process's life.
    if (!fd_size_counts_) fd_size_counts_ = fds.has_value();
  }
  if (!fds) {
    if (auto listed = count_entries(fd_dir)) fds = *listed;
  }
  if (fds) {
    out.gauge("process_open_fds", "Number of open file descriptors.", {},
              static_cast<double>(*fds));
  } else {
    ++errors;
  }
  auto limits = core::read_text(proc_ / "self/limits");
  const auto max_fds = limits ? parse_max_open_files(*limits) : std::nullopt;
  if (max_fds) {
    out.gauge("process_max_fds", "Maximum number of open file descriptors.", {},
              static_cast<double>(*max_fds));
  } else {
    ++errors;
  }
  // client_golang's process collector: the address-space limit (procfs reads "unlimited" as
  // 2^64-1, so an unlimited limit is 1.8446744073709552e+19, as in node_exporter).
  const auto max_vsize = limits ? parse_soft_limit(*limits, "Max address space") : std::nullopt;
  if (max_vsize) {
    out.gauge("process_virtual_memory_max_bytes",
              "Maximum amount of virtual memory available in bytes.", {},
              static_cast<double>(*max_vsize));
  } else {
    ++errors;
  }
  // starttime counts from boot, so the epoch needs the host's btime (from the same /proc). The
  // process's start does not move, so it is computed once: /proc/stat is one of the dearest files
  // to generate (a line per CPU and a count per interrupt).
  if (!start_time_) {
    auto proc_stat = core::read_text(proc_ / "stat");
    const auto btime = proc_stat ? parse_stat(*proc_stat).boot_time : std::nullopt;
    if (btime) {
      start_time_ =
          static_cast<double>(*btime) + static_cast<double>(stat->starttime) / clock_ticks_;
    }
  }
  if (start_time_) {
    out.gauge("process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.", {}, *start_time_);
  } else {
    ++errors;
  }

  out.gauge("sonde_build_info",
            "A metric with a constant '1' value labeled by version, revision and compiler from "
            "which sonde was built.",
            {{"version", core::build::kVersion},
             {"revision", core::build::kRevision},
             {"compiler", core::build::kCompiler}},
            1);
  if (errors > 0) out.parse_errors(errors);
  return core::ok();
}

std::unique_ptr<Collector> make_self(const CollectorContext& /*ctx*/) {
  // This process's own /proc, whatever the host root is: ctx.paths describes the host.
  return std::make_unique<SelfCollector>("/proc");
}

}  // namespace sonde::collectors
