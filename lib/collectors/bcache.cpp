#include "collectors/bcache.hpp"

#include <cerrno>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

/// parsePseudoFloat: "<int>[.<frac>[.<ignored>]]", the fraction in 1024ths shown as hundredths.
std::optional<double> parse_pseudo_float(std::string_view s) {
  const auto dot = s.find('.');
  const auto whole = text::parse_go_float(s.substr(0, dot));
  if (!whole) return std::nullopt;
  if (dot == std::string_view::npos) return whole;
  std::string_view rest = s.substr(dot + 1);
  rest = rest.substr(0, rest.find('.'));
  const auto frac = text::parse_go_float(rest);
  if (!frac) return std::nullopt;
  return *whole + *frac / 10.24;
}

/// bufio.Scanner's lines: split at '\n', a trailing '\r' dropped, no empty last line.
template <class F>
void for_each_scanned_line(std::string_view text, F&& f) {
  core::for_each_line(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line);
  });
}

std::string_view last_field(std::string_view line) {
  std::string_view last;
  for (std::string_view f = text::next_field(line); !f.empty(); f = text::next_field(line)) {
    last = f;
  }
  return last;
}

std::string_view trim_suffix(std::string_view s, std::string_view suffix) {
  if (s.ends_with(suffix)) s.remove_suffix(suffix.size());
  return s;
}

/// strconv.ParseUint(s, 10, 64).
std::optional<std::uint64_t> parse_go_uint(std::string_view s) {
  if (s.size() > 1 && s.front() == '+') return std::nullopt;
  return text::parse_u64(s);
}

/// procfs's parser: the first error sticks and later reads return 0.
class Reader {
 public:
  explicit Reader(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::optional<std::string>& error() const { return error_; }
  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

  /// readValue: a missing file is 0; the file's last byte (its newline) is dropped.
  std::uint64_t value(const std::filesystem::path& rel) {
    if (error_) return 0;
    const auto path = dir_ / rel;
    auto r = sysfs::read_whole(path);
    if (!r.ok()) {
      if (r.err != ENOENT) fail("failed to read: " + sysfs::describe(path, r.err));
      return 0;
    }
    if (r.value.empty()) {
      fail("empty file " + path.string());  // procfs panics on this one
      return 0;
    }
    r.value.pop_back();
    const auto v = bcache_dehumanize(r.value);
    if (!v) {
      fail("bad value \"" + r.value.substr(0, 40) + "\" in " + path.string());
      return 0;
    }
    return *v;
  }

  /// A whole file that must exist.
  std::optional<std::string> text(const std::filesystem::path& rel) {
    if (error_) return std::nullopt;
    const auto path = dir_ / rel;
    auto r = sysfs::read_whole(path);
    if (!r.ok()) {
      fail("failed to read: " + sysfs::describe(path, r.err));
      return std::nullopt;
    }
    return std::move(r.value);
  }

  void period(const std::filesystem::path& sub, BcachePeriodStats& p) {
    p.bypassed = value(sub / "bypassed");
    p.cache_bypass_hits = value(sub / "cache_bypass_hits");
    p.cache_bypass_misses = value(sub / "cache_bypass_misses");
    p.cache_hits = value(sub / "cache_hits");
    p.cache_miss_collisions = value(sub / "cache_miss_collisions");
    p.cache_misses = value(sub / "cache_misses");
    p.cache_readaheads = value(sub / "cache_readaheads");
  }

 private:
  std::filesystem::path dir_;
  std::optional<std::string> error_;
};

core::Result<BcacheSet> read_set(const std::filesystem::path& dir, std::string uuid,
                                 bool priority_stats) {
  BcacheSet s;
  s.uuid = std::move(uuid);
  Reader r(dir);
  s.average_key_size = r.value("average_key_size");
  s.btree_cache_size = r.value("btree_cache_size");
  s.cache_available_percent = r.value("cache_available_percent");
  s.congested = r.value("congested");
  s.root_usage_percent = r.value("root_usage_percent");
  s.tree_depth = r.value("tree_depth");
  s.active_journal_entries = r.value("internal/active_journal_entries");
  s.btree_nodes = r.value("internal/btree_nodes");
  s.btree_read_average_duration = r.value("internal/btree_read_average_duration_us");
  s.cache_read_races = r.value("internal/cache_read_races");
  // procfs reads the set's own stats_five_minute and stats_total too; node_exporter publishes
  // neither, but their errors fail the set.
  BcachePeriodStats unused;
  r.period("stats_five_minute", unused);
  r.period("stats_total", unused);

  for (std::string& name : sysfs::glob_numbered(dir, "bdev")) {
    BcacheBdev b;
    b.dirty_data = r.value(std::filesystem::path(name) / "dirty_data");
    if (auto t = r.text(std::filesystem::path(name) / "writeback_rate_debug")) {
      auto w = parse_bcache_writeback_rate_debug(*t);
      if (!w) r.fail("failed to parse " + (dir / name / "writeback_rate_debug").string());
      if (w) b.writeback = *w;
    }
    r.period(std::filesystem::path(name) / "stats_five_minute", unused);
    r.period(std::filesystem::path(name) / "stats_total", b.total);
    b.name = std::move(name);
    s.bdevs.push_back(std::move(b));
  }
  for (std::string& name : sysfs::glob_numbered(dir, "cache")) {
    BcacheCache c;
    c.io_errors = r.value(std::filesystem::path(name) / "io_errors");
    c.metadata_written = r.value(std::filesystem::path(name) / "metadata_written");
    c.written = r.value(std::filesystem::path(name) / "written");
    if (priority_stats) {
      if (auto t = r.text(std::filesystem::path(name) / "priority_stats")) {
        auto p = parse_bcache_priority_stats(*t);
        if (!p) r.fail("failed to parse " + (dir / name / "priority_stats").string());
        if (p) c.priority = *p;
      }
    }
    c.name = std::move(name);
    s.caches.push_back(std::move(c));
  }
  if (r.error()) return core::error(*r.error());
  return s;
}

}  // namespace

std::optional<std::uint64_t> bcache_dehumanize(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const unsigned char last = static_cast<unsigned char>(s.back());
  double mant = 0, mul = 1;
  if (last > '9') {
    switch (last) {
      case 'k':
        mul = 0x1p10;
        break;
      case 'M':
        mul = 0x1p20;
        break;
      case 'G':
        mul = 0x1p30;
        break;
      case 'T':
        mul = 0x1p40;
        break;
      case 'P':
        mul = 0x1p50;
        break;
      case 'E':
        mul = 0x1p60;
        break;
      case 'Z':
        mul = 0x1p70;
        break;
      case 'Y':
        mul = 0x1p80;
        break;
      default:
        mul = 0;
        break;  // a Go map miss
    }
    const auto m = parse_pseudo_float(s.substr(0, s.size() - 1));
    if (!m) return std::nullopt;
    mant = *m;
  } else {
    const auto m = text::parse_go_float(s);
    if (!m) return std::nullopt;
    mant = *m;
  }
  return sysfs::go_float_to_u64(mant * mul);
}

std::optional<std::int64_t> bcache_dehumanize_signed(std::string_view s) {
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  const auto v = bcache_dehumanize(s);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(negative ? std::uint64_t{0} - *v : *v);
}

std::optional<BcachePriorityStats> parse_bcache_priority_stats(std::string_view text) {
  BcachePriorityStats out;
  bool ok = true;
  for_each_scanned_line(text, [&](std::string_view line) {
    std::uint64_t* into = line.starts_with("Unused:")     ? &out.unused_percent
                          : line.starts_with("Metadata:") ? &out.metadata_percent
                                                          : nullptr;
    if (into == nullptr || !ok) return;
    const auto v = parse_go_uint(trim_suffix(last_field(line), "%"));
    if (!v) ok = false;
    if (v) *into = *v;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<BcacheWritebackRate> parse_bcache_writeback_rate_debug(std::string_view text) {
  BcacheWritebackRate out;
  bool ok = true;
  for_each_scanned_line(text, [&](std::string_view line) {
    if (!ok) return;
    const std::string_view v = last_field(line);
    const auto unsigned_into = [&](std::uint64_t& to, std::string_view s) {
      const auto x = bcache_dehumanize(s);
      if (x) to = *x;
      ok = x.has_value();
    };
    const auto signed_into = [&](std::int64_t& to, std::string_view s) {
      const auto x = bcache_dehumanize_signed(s);
      if (x) to = *x;
      ok = x.has_value();
    };
    if (line.starts_with("rate:")) {
      unsigned_into(out.rate, trim_suffix(v, "/sec"));
    } else if (line.starts_with("dirty:")) {
      unsigned_into(out.dirty, v);
    } else if (line.starts_with("target:")) {
      unsigned_into(out.target, v);
    } else if (line.starts_with("proportional:")) {
      signed_into(out.proportional, v);
    } else if (line.starts_with("integral:")) {
      signed_into(out.integral, v);
    } else if (line.starts_with("change:")) {
      signed_into(out.change, trim_suffix(v, "/sec"));
    } else if (line.starts_with("next io:")) {
      const auto x = text::parse_go_int(trim_suffix(v, "ms"));
      if (x) out.next_io = *x;
      ok = x.has_value();
    }
  });
  if (!ok) return std::nullopt;
  return out;
}

core::Result<std::vector<BcacheSet>> read_bcache(const std::filesystem::path& sysfs,
                                                 bool priority_stats) {
  const auto root = sysfs / "fs" / "bcache";
  std::vector<BcacheSet> out;
  for (std::string& uuid : sysfs::glob_dashed(root)) {
    const auto dir = root / uuid;
    auto s = read_set(dir, std::move(uuid), priority_stats);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

core::Status BcacheCollector::collect(core::SampleSink& out) {
  auto sets = read_bcache(paths_.sys, options_.priority_stats);
  if (!sets) return core::error("failed to retrieve bcache stats: " + sets.message());
  for (const BcacheSet& s : *sets) {
    // node_exporter v1.5.0 collector/bcache_linux.go: names, help texts, types and units.
    const auto g = [&](const char* name, const char* help, double v) {
      out.gauge(name, help, {{"uuid", s.uuid}}, v);
    };
    const auto c = [&](const char* name, const char* help, double v) {
      out.counter(name, help, {{"uuid", s.uuid}}, v);
    };
    g("node_bcache_average_key_size_sectors", "Average data per key in the btree (sectors).",
      static_cast<double>(s.average_key_size));
    g("node_bcache_btree_cache_size_bytes", "Amount of memory currently used by the btree cache.",
      static_cast<double>(s.btree_cache_size));
    g("node_bcache_cache_available_percent",
      "Percentage of cache device without dirty data, usable for writeback (may contain clean "
      "cached data).",
      static_cast<double>(s.cache_available_percent));
    g("node_bcache_congested", "Congestion.", static_cast<double>(s.congested));
    g("node_bcache_root_usage_percent",
      "Percentage of the root btree node in use (tree depth increases if too high).",
      static_cast<double>(s.root_usage_percent));
    g("node_bcache_tree_depth", "Depth of the btree.", static_cast<double>(s.tree_depth));
    g("node_bcache_active_journal_entries",
      "Number of journal entries that are newer than the index.",
      static_cast<double>(s.active_journal_entries));
    g("node_bcache_btree_nodes", "Total nodes in the btree.", static_cast<double>(s.btree_nodes));
    // The file is in microseconds; node_exporter 1.5 scales it as nanoseconds, and so does sonde
    // (same values as node_exporter).
    g("node_bcache_btree_read_average_duration_seconds", "Average btree read duration.",
      static_cast<double>(s.btree_read_average_duration) * 1e-9);
    c("node_bcache_cache_read_races_total",
      "Counts instances where while data was being read from the cache, the bucket was reused "
      "and invalidated - i.e. where the pointer was stale after the read completed.",
      static_cast<double>(s.cache_read_races));

    for (const BcacheBdev& b : s.bdevs) {
      const core::Label labels[] = {{"backing_device", b.name}, {"uuid", s.uuid}};
      const auto bg = [&](const char* name, const char* help, double v) {
        out.gauge(name, help, labels, v);
      };
      const auto bc = [&](const char* name, const char* help, std::uint64_t v) {
        out.counter(name, help, labels, static_cast<double>(v));
      };
      bg("node_bcache_dirty_data_bytes",
         "Amount of dirty data for this backing device in the cache.",
         static_cast<double>(b.dirty_data));
      bg("node_bcache_dirty_target_bytes",
         "Current dirty data target threshold for this backing device in bytes.",
         static_cast<double>(b.writeback.target));
      bg("node_bcache_writeback_rate", "Current writeback rate for this backing device in bytes.",
         static_cast<double>(b.writeback.rate));
      bg("node_bcache_writeback_rate_proportional_term",
         "Current result of proportional controller, part of writeback rate",
         static_cast<double>(b.writeback.proportional));
      bg("node_bcache_writeback_rate_integral_term",
         "Current result of integral controller, part of writeback rate",
         static_cast<double>(b.writeback.integral));
      bg("node_bcache_writeback_change", "Last writeback rate change step for this backing device.",
         static_cast<double>(b.writeback.change));
      bc("node_bcache_bypassed_bytes_total",
         "Amount of IO (both reads and writes) that has bypassed the cache.", b.total.bypassed);
      bc("node_bcache_cache_hits_total", "Hits counted per individual IO as bcache sees them.",
         b.total.cache_hits);
      bc("node_bcache_cache_misses_total", "Misses counted per individual IO as bcache sees them.",
         b.total.cache_misses);
      bc("node_bcache_cache_bypass_hits_total", "Hits for IO intended to skip the cache.",
         b.total.cache_bypass_hits);
      bc("node_bcache_cache_bypass_misses_total", "Misses for IO intended to skip the cache.",
         b.total.cache_bypass_misses);
      bc("node_bcache_cache_miss_collisions_total",
         "Instances where data insertion from cache miss raced with write (data already "
         "present).",
         b.total.cache_miss_collisions);
      bc("node_bcache_cache_readaheads_total", "Count of times readahead occurred.",
         b.total.cache_readaheads);
    }
    for (const BcacheCache& k : s.caches) {
      const core::Label labels[] = {{"cache_device", k.name}, {"uuid", s.uuid}};
      out.gauge("node_bcache_io_errors",
                "Number of errors that have occurred, decayed by io_error_halflife.", labels,
                static_cast<double>(k.io_errors));
      out.counter("node_bcache_metadata_written_bytes_total",
                  "Sum of all non data writes (btree writes and all other metadata).", labels,
                  static_cast<double>(k.metadata_written));
      out.counter("node_bcache_written_bytes_total",
                  "Sum of all data that has been written to the cache.", labels,
                  static_cast<double>(k.written));
      if (options_.priority_stats) {
        out.gauge("node_bcache_priority_stats_unused_percent",
                  "The percentage of the cache that doesn't contain any data.", labels,
                  static_cast<double>(k.priority.unused_percent));
        out.gauge("node_bcache_priority_stats_metadata_percent", "Bcache's metadata overhead.",
                  labels, static_cast<double>(k.priority.metadata_percent));
      }
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_bcache(const CollectorContext& ctx) {
  return std::make_unique<BcacheCollector>(ctx.paths, ctx.options.bcache);
}

}  // namespace sonde::collectors
