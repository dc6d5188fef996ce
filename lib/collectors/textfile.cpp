#include "collectors/textfile.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>
#include <unordered_map>

#include "core/exposition.hpp"

namespace sonde::collectors {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

/// Families sonde publishes itself (or whose prefix it owns): a file may not add to them.
bool reserved(std::string_view name) {
  return starts_with(name, "node_textfile_") || starts_with(name, "node_scrape_collector_") ||
         starts_with(name, "sonde_") || starts_with(name, "process_");
}

/// Go's filepath.Join(dir, name): joined with one '/', then cleaned.
std::string join_clean(const std::string& dir, const std::string& name) {
  const std::string joined = dir.empty() ? name : dir + "/" + name;
  const bool rooted = !joined.empty() && joined.front() == '/';
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

struct MergedFamily {
  std::string help;
  core::MetricType type;
  std::vector<const TextMetric*> metrics;
  std::vector<Labels> labels;  // each metric's full label set, sorted by name
  std::set<Labels> seen;
};

std::string series(std::string_view name, const Labels& labels, const char* extra_name = nullptr,
                   double extra_value = 0) {
  std::vector<core::Label> l;
  l.reserve(labels.size() + 1);
  for (const auto& [k, v] : labels) l.emplace_back(k, v);
  std::string number;
  if (extra_name != nullptr) {
    core::append_label_number(number, extra_value);
    l.emplace_back(extra_name, number);
  }
  return core::render_series(name, l);
}

void emit(core::SampleSink& out, const std::string& name, const MergedFamily& f) {
  for (std::size_t i = 0; i < f.metrics.size(); ++i) {
    const TextMetric& m = *f.metrics[i];
    const Labels& labels = f.labels[i];
    switch (f.type) {
      case core::MetricType::counter:
      case core::MetricType::gauge:
      case core::MetricType::untyped:
        out.add_raw(name, f.type, f.help, series(name, labels), m.value);
        break;
      case core::MetricType::summary: {
        std::map<double, double> q;  // as client_golang's map: the last value of a quantile wins
        for (const auto& [k, v] : m.quantiles) q[k] = v;
        for (const auto& [k, v] : q) {
          out.add_raw(name, f.type, f.help, series(name, labels, "quantile", k), v);
        }
        out.add_raw(name, f.type, f.help, series(name + "_sum", labels), m.sum);
        out.add_raw(name, f.type, f.help, series(name + "_count", labels), m.count);
        break;
      }
      case core::MetricType::histogram: {
        std::map<double, double> b;
        for (const auto& [k, v] : m.buckets) b[k] = v;
        for (const auto& [k, v] : b) {
          out.add_raw(name, f.type, f.help, series(name + "_bucket", labels, "le", k), v);
        }
        if (b.empty() || !std::isinf(b.rbegin()->first) || b.rbegin()->first < 0) {
          // The text encoder adds the +Inf bucket (the count) when it is missing.
          out.add_raw(name, f.type, f.help, series(name + "_bucket", labels, "le", HUGE_VAL),
                      m.count);
        }
        out.add_raw(name, f.type, f.help, series(name + "_sum", labels), m.sum);
        out.add_raw(name, f.type, f.help, series(name + "_count", labels), m.count);
        break;
      }
    }
  }
}

/// client_golang's checkSuffixCollisions for a family not seen before.
bool suffix_collision(const std::string& name, core::MetricType type,
                      const std::unordered_map<std::string, MergedFamily>& fams) {
  for (const char* suffix : {"_count", "_sum", "_bucket"}) {
    if (!ends_with(name, suffix)) continue;
    auto it = fams.find(name.substr(0, name.size() - std::strlen(suffix)));
    if (it == fams.end()) break;
    if (it->second.type == core::MetricType::summary && std::string_view(suffix) != "_bucket") {
      return true;
    }
    if (it->second.type == core::MetricType::histogram) return true;
    break;
  }
  if (type == core::MetricType::summary || type == core::MetricType::histogram) {
    if (fams.count(name + "_count") || fams.count(name + "_sum")) return true;
  }
  return type == core::MetricType::histogram && fams.count(name + "_bucket");
}

}  // namespace

void merge_textfiles(const std::vector<TextfileInput>& files, core::SampleSink& out,
                     std::size_t& dropped) {
  std::unordered_map<std::string, std::vector<std::string>> files_of;
  for (const TextfileInput& f : files) {
    for (const TextFamily& fam : f.families) files_of[fam.name].push_back(f.path);
  }
  std::unordered_map<std::string, MergedFamily> merged;
  std::vector<std::string> order;
  for (const TextfileInput& f : files) {
    for (const TextFamily& fam : f.families) {
      std::string help;
      if (fam.help) {
        help = *fam.help;
      } else {
        help = "Metric read from ";
        const auto& list = files_of[fam.name];
        for (std::size_t i = 0; i < list.size(); ++i) help += (i ? ", " : "") + list[i];
      }
      std::set<std::string> names;  // every label name of this family in this file
      for (const TextMetric& m : fam.metrics) {
        for (const auto& [k, v] : m.labels) names.insert(k);
      }
      for (const TextMetric& m : fam.metrics) {
        Labels labels = m.labels;
        for (const std::string& n : names) {
          const bool has = std::any_of(labels.begin(), labels.end(),
                                       [&](const auto& l) { return l.first == n; });
          if (!has) labels.emplace_back(n, "");
        }
        std::sort(labels.begin(), labels.end());
        auto it = merged.find(fam.name);
        if (it == merged.end()) {
          if (suffix_collision(fam.name, fam.type, merged)) {
            ++dropped;
            continue;
          }
          it = merged.emplace(fam.name, MergedFamily{help, fam.type, {}, {}, {}}).first;
          order.push_back(fam.name);
        } else if (it->second.help != help || it->second.type != fam.type) {
          ++dropped;
          continue;
        }
        if (!it->second.seen.insert(labels).second) {
          ++dropped;
          continue;
        }
        it->second.metrics.push_back(&m);
        it->second.labels.push_back(std::move(labels));
      }
    }
  }
  for (const std::string& name : order) emit(out, name, merged.at(name));
}

TextfileCollector::TextfileCollector(core::HostPaths, const collectors::TextfileOptions& options)
    : directory_(options.directory) {}

void TextfileCollector::count(const std::string& reason, const std::string& what) {
  ++errors_[reason];
  log_.warn(reason, [&] { return "textfile: " + what; });
}

core::Result<TextfileInput> TextfileCollector::read_file(const std::string& path, double& mtime,
                                                         std::string& reason) {
  reason = "read";
  // O_NONBLOCK: a FIFO named *.prom must not hang the collector.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return core::error("cannot open " + path + ": " + std::strerror(errno));
  struct stat before {};
  if (::fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    ::close(fd);
    return core::error(path + " is not a regular file");
  }
  if (static_cast<std::uint64_t>(before.st_size) > kTextfileMaxFileBytes) {
    ::close(fd);
    reason = "too_large";
    return core::error(path + " is larger than " + std::to_string(kTextfileMaxFileBytes) +
                       " bytes");
  }
  std::string text;
  text.resize(static_cast<std::size_t>(before.st_size) + 1);
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) break;  // more than stat said: it is growing
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return core::error("cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  struct stat after {};
  const int st = ::fstat(fd, &after);
  ::close(fd);
  text.resize(got);
  if (st != 0 || got != static_cast<std::size_t>(before.st_size) ||
      after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    reason = "changed";
    return core::error(path + " changed while it was read (write a temporary file and rename it)");
  }
  auto families = parse_text_format(text);
  if (!families) {
    reason = families.message().find("newline") != std::string::npos ? "no_newline" : "parse";
    return core::error("failed to parse " + path + ": " + families.message());
  }
  std::size_t samples = 0;
  for (const TextFamily& f : *families) {
    if (reserved(f.name)) {
      reason = "collision";
      return core::error(path + " publishes " + f.name + ", a family sonde owns");
    }
    for (const TextMetric& m : f.metrics) {
      if (m.timestamp) {
        reason = "timestamp";
        return core::error(path + " contains unsupported client-side timestamps");
      }
      samples += 1 + m.quantiles.size() + m.buckets.size();
    }
  }
  if (samples > kTextfileMaxSeriesPerFile) {
    reason = "too_many_series";
    return core::error(path + " has more than " + std::to_string(kTextfileMaxSeriesPerFile) +
                       " samples");
  }
  mtime = static_cast<double>(after.st_mtim.tv_sec);
  return TextfileInput{path, std::move(*families)};
}

core::Status TextfileCollector::collect(core::SampleSink& out) {
  bool errored = false;
  std::vector<std::string> dirs;
  if (!directory_.empty()) {
    glob_t g{};
    if (::glob(directory_.c_str(), 0, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) dirs.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (dirs.empty()) dirs.push_back(directory_);  // not a glob, or nothing matched
  }
  std::vector<TextfileInput> inputs;
  std::map<std::string, double> mtimes;
  for (const std::string& dir : dirs) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      errored = true;
      count("directory", "failed to read directory " + dir + ": " + std::strerror(errno));
      continue;
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != ".." && ends_with(n, ".prom")) names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      const std::string path = join_clean(dir, n);
      double mtime = 0;
      std::string reason;
      auto input = read_file(path, mtime, reason);
      if (!input) {
        errored = true;
        count(reason, input.message());
        continue;
      }
      mtimes[path] = mtime;
      inputs.push_back(std::move(*input));
    }
  }
  std::size_t dropped = 0;
  merge_textfiles(inputs, out, dropped);
  if (dropped > 0) {
    errors_["conflict"] += dropped;
    log_.warn("conflict", [&] {
      return "textfile: " + std::to_string(dropped) +
             " samples dropped: another file already published the family with another help or "
             "type, or the same labels";
    });
  }
  for (const auto& [path, mtime] : mtimes) {
    out.gauge("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.",
              {{"file", path}}, mtime);
  }
  out.gauge("node_textfile_scrape_error",
            "1 if there was an error opening or reading a file, 0 otherwise", {},
            errored ? 1.0 : 0.0);
  for (const char* reason : {"changed", "collision", "conflict", "directory", "no_newline", "parse",
                             "read", "timestamp", "too_large", "too_many_series"}) {
    const auto it = errors_.find(reason);
    out.counter("sonde_textfile_errors_total",
                "Textfile problems by reason: files skipped for an attempt, or samples dropped "
                "(conflict).",
                {{"reason", reason}}, it == errors_.end() ? 0.0 : static_cast<double>(it->second));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_textfile(const CollectorContext& ctx) {
  return std::make_unique<TextfileCollector>(ctx.paths, ctx.options.textfile);
}

}  // namespace sonde::collectors
