// The config schema: one function per section, each a list of typed reads (see reader.hpp).
// To add an option, add its key to the section's only_keys list and read it; to add a section,
// add it to read_config's list and write a read_<section> like the ones below.
#include "config/loader.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>
#include <utility>

#include "config/gpu_section.hpp"
#include "config/host_section.hpp"
#include "config/ingest_section.hpp"
#include "config/reader.hpp"

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

// Shorter timers would make a collector a busy loop (node_exporter has no timers; Prometheus's
// own minimum useful scrape interval is about 1s).
constexpr core::Millis kMinCollectorInterval = 1s;

void read_web(Reader& r, const YAML::Node& n, const std::string& p, core::WebOptions& out) {
  if (!r.only_keys(n, p,
                   {"listen_address", "max_connections", "max_header_bytes", "read_timeout",
                    "idle_timeout", "write_timeout"})) {
    return;
  }
  if (auto a = r.string(n, p, "listen_address", "HOST:PORT")) {
    if (auto parsed = parse_listen_address(a->value); parsed.ok()) {
      out.listen_address = a->value;
    } else {
      r.fail(a->node, join(p, "listen_address"),
             "invalid listen address " + describe(a->node) + ": " + parsed.message());
    }
  }
  r.integer(n, p, "max_connections", out.max_connections, 1, 100'000);
  r.integer(n, p, "max_header_bytes", out.max_header_bytes, 1024, 1 << 20);
  r.duration(n, p, "read_timeout", out.read_timeout, 100ms);
  r.duration(n, p, "idle_timeout", out.idle_timeout, 1s);
  r.duration(n, p, "write_timeout", out.write_timeout, 100ms);
}

void read_log(Reader& r, const YAML::Node& n, const std::string& p, core::LogOptions& out) {
  if (!r.only_keys(n, p, {"level", "format"})) return;
  r.choice(n, p, "level", out.level,
           {{"debug", core::LogLevel::debug},
            {"info", core::LogLevel::info},
            {"warn", core::LogLevel::warn},
            {"error", core::LogLevel::error}});
  r.choice(n, p, "format", out.format,
           {{"text", core::LogFormat::text}, {"json", core::LogFormat::json}});
}

void read_host(Reader& r, const YAML::Node& n, const std::string& p, core::HostPaths& out) {
  if (!r.only_keys(n, p, {"procfs", "sysfs", "rootfs", "udev_data"})) return;
  r.path(n, p, "procfs", out.proc);
  r.path(n, p, "sysfs", out.sys);
  r.path(n, p, "rootfs", out.root);
  r.path(n, p, "udev_data", out.udev_data);
}

/// The options every collector has; the caller has checked the keys.
void read_collector(Reader& r, const YAML::Node& n, const std::string& p,
                    core::CollectorOptions& out) {
  r.boolean(n, p, "enabled", out.enabled);
  r.duration(n, p, "interval", out.interval, kMinCollectorInterval);
}

/// A collector with only the common options.
void read_plain(Reader& r, const YAML::Node& n, const std::string& p, core::CollectorOptions& out) {
  if (r.only_keys(n, p, {"enabled", "interval"})) read_collector(r, n, p, out);
}

void read_cpu(Reader& r, const YAML::Node& n, const std::string& p, core::CpuOptions& out) {
  if (!r.only_keys(n, p,
                   {"enabled", "interval", "guest", "info", "flags_include", "bugs_include"})) {
    return;
  }
  read_collector(r, n, p, out);
  r.boolean(n, p, "guest", out.guest);
  r.boolean(n, p, "info", out.info);
  read_re2_option(r, n, p, "flags_include", out.flags_include);
  read_re2_option(r, n, p, "bugs_include", out.bugs_include);
}

void read_stat(Reader& r, const YAML::Node& n, const std::string& p, core::StatOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "softirq"})) return;
  read_collector(r, n, p, out);
  r.boolean(n, p, "softirq", out.softirq);
}

void read_vmstat(Reader& r, const YAML::Node& n, const std::string& p, core::VmstatOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "fields"})) return;
  read_collector(r, n, p, out);
  r.regex(n, p, "fields", out.fields);
}

void read_collectors(Reader& r, const YAML::Node& n, const std::string& p,
                     core::CollectorsOptions& out) {
  if (!r.only_keys(n, p,
                   {"cpu",        "meminfo",  "loadavg",   "stat",    "vmstat",     "uname",
                    "time",       "self",     "diskstats", "netdev",  "filesystem", "pressure",
                    "netstat",    "sockstat", "filefd",    "entropy", "conntrack",  "softnet",
                    "udp_queues", "arp",      "schedstat", "textfile"})) {
    return;
  }
  const auto sub = [&](std::string_view name, auto read, auto& options) {
    read(r, r.child(n, name), join(p, name), options);
  };
  sub("cpu", read_cpu, out.cpu);
  sub("meminfo", read_plain, out.meminfo);
  sub("loadavg", read_plain, out.loadavg);
  sub("stat", read_stat, out.stat);
  sub("vmstat", read_vmstat, out.vmstat);
  sub("uname", read_plain, out.uname);
  sub("time", read_plain, out.time);
  sub("self", read_plain, out.self);
  read_host_collectors(r, n, p, out);
}

void read_config(Reader& r, const YAML::Node& root, core::Config& out) {
  if (!r.only_keys(root, "", {"web", "log", "host", "collectors", "ingest", "gpu"})) return;
  read_web(r, r.child(root, "web"), "web", out.web);
  read_log(r, r.child(root, "log"), "log", out.log);
  read_host(r, r.child(root, "host"), "host", out.host);
  read_collectors(r, r.child(root, "collectors"), "collectors", out.collectors);
  read_ingest(r, r.child(root, "ingest"), "ingest", out.ingest);
  read_gpu(r, r.child(root, "gpu"), "gpu", out.gpu);
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

namespace {

/// Notes where each document starts and whether its root is more than an empty node.
class DocumentScanner final : public YAML::EventHandler {
 public:
  YAML::Mark start = YAML::Mark::null_mark();
  bool empty = true;

  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    empty = true;
    at_root_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { at_root_ = false; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { content(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content();
  }
  void OnMapEnd() override {}

 private:
  void content() {
    if (at_root_) empty = false;
    at_root_ = false;
  }
  bool at_root_ = false;
};

/// Checks the document structure of `text` before the tree is built: syntax errors anywhere, and
/// more than one non-empty document (anything reading only the first would silently ignore the
/// rest). Returns false when the text cannot be loaded at all.
///
/// This replaces YAML::LoadAll, which in yaml-cpp 0.7 loops forever, allocating, on a document
/// whose first token it cannot consume (a lone ",": jbeder/yaml-cpp#1040, fixed upstream by
/// #1319): a document that starts where the previous one did means the parser is stuck there.
bool check_documents(Reader& r, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentScanner scan;
  std::optional<int> last_start;
  std::optional<YAML::Mark> second;
  std::size_t documents = 0;
  while (parser.HandleNextDocument(scan)) {
    if (last_start == scan.start.pos) {
      const auto pos = static_cast<std::size_t>(scan.start.pos);
      r.fail_at(scan.start, "",
                "invalid YAML: unexpected " + quote(pos < text.size() ? text.substr(pos, 1) : ""));
      return false;
    }
    last_start = scan.start.pos;
    if (scan.empty) continue;
    if (++documents == 2) second = scan.start;
  }
  if (second) {
    r.fail_at(*second, "", "expected one YAML document, got " + std::to_string(documents));
  }
  return true;
}

}  // namespace

LoadResult load_string(std::string_view yaml, std::string_view name) {
  LoadResult result;
  Reader r{std::string(name)};
  try {
    const std::string text(yaml);
    if (check_documents(r, text)) {
      // Empty or comment-only text has no document at all: a null root, and every default.
      read_config(r, YAML::Load(text), result.config);
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp 0.7's parser stops at 500 levels of nesting (its DepthGuard) rather than
    // overflowing the stack, but says only "bad file".
    r.fail_at(e.mark, "",
              "invalid YAML: nested more than " + std::to_string(e.depth() - 1) + " levels deep");
  } catch (const YAML::Exception& e) {  // ParserException: syntax
    r.fail_at(e.mark, "", "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {  // bad_alloc on absurd input: still an error, not a crash
    r.fail_at(YAML::Mark::null_mark(), "", std::string("cannot load: ") + e.what());
  }
  result.errors = r.take_errors();
  // Sections check keys before values, so sort to give the errors in document order.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  return result;
}

LoadResult load_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  auto fail = [&](std::string message) {
    LoadResult result;
    result.errors.push_back({name, 0, 0, "", std::move(message)});
    return result;
  };
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
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
    if (text.size() > kMaxConfigBytes) {
      ::close(fd);
      return fail("larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file?");
    }
  }
  ::close(fd);
  return load_string(text, name);
}

}  // namespace sonde::config
