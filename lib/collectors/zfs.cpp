#include "collectors/zfs.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

std::string quote(std::string_view s) { return "\"" + std::string(s.substr(0, 80)) + "\""; }

bool is_header(const std::vector<std::string_view>& f) {
  return f.size() == 3 && f[0] == "name" && f[1] == "type" && f[2] == "data";
}

constexpr std::string_view kUint64 = "4";  // KSTAT_DATA_UINT64 (lib/libspl/include/sys/kstat.h)

/// The lines of a named kstat after its "name type data" line that have at least three fields,
/// to f(fields), until f fails; an error without that line.
template <class F>
core::Status named_kstat_entries(std::string_view text, F&& f) {
  std::optional<core::Error> err;
  bool started = false;
  std::vector<std::string_view> fields;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    text::split_fields(line, fields);
    if (!started) {
      started = is_header(fields);
      return;
    }
    if (fields.size() < 3) return;
    if (auto st = f(std::span<const std::string_view>(fields)); !st.ok()) err = st.error();
  });
  if (err) return *err;
  if (!started) return core::error("no \"name type data\" line");
  return core::ok();
}

/// The value of an entry "<name> 4 <value>".
core::Result<std::uint64_t> kstat_value(std::span<const std::string_view> f) {
  const auto v = text::parse_u64(f[2]);
  if (!v) return core::error("could not parse expected integer value for " + quote(f[0]));
  return *v;
}

}  // namespace

// Format (module/os/linux/spl/spl-kstat.c, kstat_seq_show_headers): "<kid> <type> <flags>
// <ndata> <data size> <crtime> <snaptime>", then for named kstats "name type data" and one
// "%-31s %-4d " + value line per entry.
core::Result<std::vector<ZfsKstat>> parse_zfs_kstat(std::string_view text) {
  std::vector<ZfsKstat> out;
  auto st = named_kstat_entries(text, [&](std::span<const std::string_view> f) -> core::Status {
    if (f[1] != kUint64) return core::ok();
    auto v = kstat_value(f);
    if (v) out.push_back({f[0], *v});
    return v.status();
  });
  if (!st.ok()) return st.error();
  return out;
}

// Format (module/zfs/spa_stats.c, spa_iostats; a KSTAT_TYPE_IO kstat printed by
// kstat_seq_show_io): "nread nwritten reads writes wtime wlentime wupdate rtime rlentime rupdate
// wcnt rcnt" under the header line, then one line of values.
core::Result<std::vector<ZfsKstat>> parse_zfs_pool_io(std::string_view text) {
  std::vector<ZfsKstat> out;
  std::optional<core::Error> err;
  std::vector<std::string_view> names, f;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    text::split_fields(line, f);
    if (names.empty()) {
      if (f.size() >= 12 && f[0] == "nread") names = f;
      return;
    }
    if (f.size() < names.size()) {
      err = core::error("a value line of " + std::to_string(f.size()) + " fields under " +
                        std::to_string(names.size()) + " names");
      return;
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto v = text::parse_u64(f[i]);
      if (!v) {
        err = core::error("could not parse expected integer value for " + quote(names[i]));
        return;
      }
      out.push_back({names[i], *v});
    }
  });
  if (err) return *err;
  return out;
}

// Format (module/os/linux/zfs/zfs_vfsops.c / dataset_kstats.c): a named kstat whose first entry
// is "dataset_name 7 <pool>/<dataset>" (KSTAT_DATA_STRING), then writes, nwritten, reads, ...
core::Result<std::vector<ZfsObjsetKstat>> parse_zfs_objset(std::string_view text) {
  std::vector<ZfsObjsetKstat> out;
  bool named = false;
  std::string_view dataset;
  auto st = named_kstat_entries(text, [&](std::span<const std::string_view> f) -> core::Status {
    if (f[0] == "dataset_name") {
      named = true;
      dataset = f[2];
      return core::ok();
    }
    if (f[1] != kUint64) return core::ok();
    auto v = kstat_value(f);
    if (v) out.push_back({dataset, named, f[0], *v});
    return v.status();
  });
  if (!st.ok()) return st.error();
  return out;
}

std::string parse_zfs_pool_state(std::string_view text) {
  std::string_view first = text.substr(0, text.find('\n'));
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);  // as bufio.ScanLines
  std::string out(first);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

/// node_exporter's zfsCollector.linuxPathMap: subsystem (after "node_") and kstat file.
constexpr struct {
  std::string_view subsystem, file;
} kKstatFiles[] = {
    {"zfs_abd", "abdstats"},
    {"zfs_arc", "arcstats"},
    {"zfs_dbuf", "dbuf_stats"},
    {"zfs_dmu_tx", "dmu_tx"},
    {"zfs_dnode", "dnodestats"},
    {"zfs_fm", "fm"},
    {"zfs_vdev_cache", "vdev_cache_stats"},
    {"zfs_vdev_mirror", "vdev_mirror_stats"},
    {"zfs_xuio", "xuio_stats"},
    {"zfs_zfetch", "zfetchstats"},
    {"zfs_zil", "zil"},
};

constexpr std::string_view kPoolStates[] = {"online",  "degraded", "faulted",
                                            "offline", "removed",  "unavail"};

/// zfsSysctl.metricName: what follows the last '.' of "kstat.zfs.misc.<file>.<field>", with '-'
/// as '_'; then prometheus.BuildFQName("node", subsystem, that).
std::string family_name(std::string_view subsystem, std::string_view field) {
  const auto dot = field.rfind('.');
  if (dot != std::string_view::npos) field.remove_prefix(dot + 1);
  std::string out = "node_" + std::string(subsystem);
  if (!field.empty()) {
    out += '_';
    for (const char c : field) out += c == '-' ? '_' : c;
  }
  return out;
}

bool valid_metric_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':';
  });
}

/// What client_golang's registry checks when node_exporter's samples are gathered: names come
/// from the files, so two fields can make one family with another help or label set, or one
/// series twice. Such samples are dropped there; here too, and counted as parse errors.
class Families {
 public:
  explicit Families(core::SampleSink& out) : out_(out) {}

  void add(const std::string& name, core::MetricType type, const std::string& help,
           std::span<const core::Label> labels, double value) {
    std::string shape(core::type_name(type));
    for (const auto& [k, v] : labels) shape += "," + std::string(k);
    const auto [family, fresh] = families_.try_emplace(name, Shape{help, shape});
    const bool consistent =
        fresh || (family->second.help == help && family->second.labels == shape);
    if (!valid_metric_name(name) || !consistent ||
        !series_.insert(core::render_series(name, labels)).second) {
      out_.parse_errors(1);
      return;
    }
    out_.add(name, type, help, labels, value);
  }

 private:
  struct Shape {
    std::string help, labels;
  };
  core::SampleSink& out_;
  std::unordered_map<std::string, Shape> families_;
  std::unordered_set<std::string> series_;
};

/// The entries of `dir` that are directories (symlinks followed, as filepath.Glob), sorted by
/// name as Go's glob sorts them.
std::vector<std::string> pool_dirs(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> objset_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("objset-")) out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

core::Status ZfsCollector::collect(core::SampleSink& out) {
  const auto base = paths_.proc / "spl" / "kstat" / "zfs";
  std::error_code ec;
  if (!std::filesystem::is_directory(base, ec)) return core::ok();  // no ZFS module loaded
  Families families(out);
  std::vector<core::Label> labels;
  for (const auto& k : kKstatFiles) {
    const auto path = base / k.file;
    auto text = read_if_present(path);
    if (!text) return text.status();
    if (!*text) continue;  // a kstat this ZFS version does not have
    auto stats = parse_zfs_kstat(**text);
    if (!stats) return core::error(stats.message() + " in " + path.string());
    const std::string prefix = "kstat.zfs.misc." + std::string(k.file) + ".";
    for (const ZfsKstat& s : *stats) {
      families.add(family_name(k.subsystem, s.name), core::MetricType::untyped,
                   prefix + std::string(s.name), {}, static_cast<double>(s.value));
    }
  }

  // Per pool, as node_exporter globs them: every pool's io, then every objset, then every state.
  // A file gone between listing and reading is a pool being exported: skipped.
  const std::vector<std::string> pools = pool_dirs(base);
  for (const std::string& pool : pools) {
    const auto path = base / pool / "io";
    auto text = read_if_present(path);
    if (!text) return text.status();
    if (!*text) continue;
    auto stats = parse_zfs_pool_io(**text);
    if (!stats) return core::error(stats.message() + " in " + path.string());
    for (const ZfsKstat& s : *stats) {
      const core::Label l[] = {{"zpool", pool}};
      families.add(family_name("zfs_zpool", s.name), core::MetricType::untyped,
                   "kstat.zfs.misc.io." + std::string(s.name), l, static_cast<double>(s.value));
    }
  }
  for (const std::string& pool : pools) {
    for (const std::string& file : objset_files(base / pool)) {
      const auto path = base / pool / file;
      auto text = read_if_present(path);
      if (!text) return text.status();
      if (!*text) continue;
      auto stats = parse_zfs_objset(**text);
      if (!stats) return core::error(stats.message() + " in " + path.string());
      for (const ZfsObjsetKstat& s : *stats) {
        const core::Label l[] = {{"dataset", s.dataset},
                                 {"zpool", s.named ? std::string_view(pool) : ""}};
        families.add(family_name("zfs_zpool_dataset", s.name), core::MetricType::untyped,
                     "kstat.zfs.misc.objset." + std::string(s.name), l,
                     static_cast<double>(s.value));
      }
    }
  }
  for (const std::string& pool : pools) {
    const auto path = base / pool / "state";
    auto text = read_if_present(path);
    if (!text) return text.status();
    if (!*text) continue;
    const std::string state = parse_zfs_pool_state(**text);
    for (const std::string_view s : kPoolStates) {
      const core::Label l[] = {{"state", s}, {"zpool", pool}};
      families.add("node_zfs_zpool_state", core::MetricType::gauge, "kstat.zfs.misc.state", l,
                   state == s ? 1.0 : 0.0);
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_zfs(const CollectorContext& ctx) {
  return std::make_unique<ZfsCollector>(ctx.paths);
}

}  // namespace sonde::collectors
