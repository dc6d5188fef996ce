// The config schema: one function per section, each a list of typed reads (see reader.hpp).
// To add an option, add its key to the section's only_keys list and read it; to add a section,
// add it to read_config's list and write a read_<section> like the ones below.
#include "config/loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <exception>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>

#include "config/collectors_section.hpp"
#include "config/file.hpp"
#include "config/gpu_section.hpp"
#include "config/ingest_section.hpp"
#include "config/reader.hpp"
#include "config/remote_write_section.hpp"
#include "config/rules_section.hpp"
#include "core/listen_address.hpp"
#include "core/log_names.hpp"

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

void read_web(Reader& r, const YAML::Node& n, const std::string& p, http::WebOptions& out) {
  if (!r.only_keys(
          n, p,
          {"listen_address", "max_connections", "max_header_bytes", "read_timeout", "idle_timeout",
           "write_timeout", "config_file", "tls_handshake_timeout", "auth_max_pending",
           "probes_without_auth", "external_url", "max_pending_connections",
           "max_connections_per_client", "max_response_bytes_in_flight"})) {
    return;
  }
  if (auto a = r.string(n, p, "listen_address", "HOST:PORT")) {
    if (auto parsed = core::parse_listen_address(a->value); parsed.ok()) {
      out.listen_address = a->value;
    } else {
      r.fail(a->node, join(p, "listen_address"),
             "invalid listen address " + describe(a->node) + ": " + parsed.message());
    }
  }
  r.integer(n, p, "max_connections", out.max_connections, 1, 100'000);
  r.integer(n, p, "max_pending_connections", out.max_pending_connections, 1, 100'000);
  r.integer(n, p, "max_connections_per_client", out.max_connections_per_client, 1, 100'000);
  r.integer(n, p, "max_response_bytes_in_flight", out.max_response_bytes_in_flight, 1 << 16,
            std::int64_t{1} << 40);
  r.integer(n, p, "max_header_bytes", out.max_header_bytes, 1024, 1 << 20);
  r.duration(n, p, "read_timeout", out.read_timeout, 100ms);
  r.duration(n, p, "idle_timeout", out.idle_timeout, 1s);
  r.duration(n, p, "write_timeout", out.write_timeout, 100ms);
  // Empty (the default): no web config file; otherwise an absolute path.
  if (auto f = r.string(n, p, "config_file", "an absolute path")) {
    if (f->value.empty()) {
      out.config_file.clear();
    } else {
      r.path(n, p, "config_file", out.config_file);
    }
  }
  r.duration(n, p, "tls_handshake_timeout", out.tls_handshake_timeout, 100ms);
  r.integer(n, p, "auth_max_pending", out.auth_max_pending, 1, 100'000);
  r.boolean(n, p, "probes_without_auth", out.probes_without_auth);
  if (auto u = r.string(n, p, "external_url", "a URL")) {
    const std::string& v = u->value;
    const bool http = v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
    if (!v.empty() && (!http || v.find_first_of(" \t\r\n") != std::string::npos)) {
      r.fail(u->node, join(p, "external_url"),
             "expected an http:// or https:// URL, got " + describe(u->node));
    } else {
      out.external_url = v;
    }
  }
}

void read_log(Reader& r, const YAML::Node& n, const std::string& p, core::LogOptions& out) {
  if (!r.only_keys(n, p, {"level", "format"})) return;
  r.choice(n, p, "level", out.level, core::kLogLevelNames);
  r.choice(n, p, "format", out.format, core::kLogFormatNames);
}

void read_host(Reader& r, const YAML::Node& n, const std::string& p, core::HostPaths& out) {
  if (!r.only_keys(n, p, {"procfs", "sysfs", "rootfs", "udev_data"})) return;
  r.path(n, p, "procfs", out.proc);
  r.path(n, p, "sysfs", out.sys);
  r.path(n, p, "rootfs", out.root);
  r.path(n, p, "udev_data", out.udev_data);
}

void read_config(Reader& r, const YAML::Node& root, config::Config& out) {
  if (!r.only_keys(root, "",
                   {"global", "web", "log", "host", "collectors", "ingest", "gpu", "rules",
                    "remote_write"})) {
    return;
  }
  read_global(r, r.child(root, "global"), "global", out.global);
  read_web(r, r.child(root, "web"), "web", out.web);
  read_log(r, r.child(root, "log"), "log", out.log);
  read_host(r, r.child(root, "host"), "host", out.host);
  read_collectors(r, r.child(root, "collectors"), "collectors", out.collectors);
  read_ingest(r, r.child(root, "ingest"), "ingest", out.ingest);
  read_gpu(r, r.child(root, "gpu"), "gpu", out.gpu);
  read_rules(r, r.child(root, "rules"), "rules", out.rules);
  read_remote_write(r, r.child(root, "remote_write"), "remote_write", out.remote_write);
}

}  // namespace

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
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    count(mark);
    at_root_ = false;
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnMapEnd() override {}

  /// Thrown out of the parser at the node past kMaxYamlNodes.
  struct TooManyNodes {
    YAML::Mark mark;
  };

 private:
  void count(const YAML::Mark& mark) {
    if (++nodes_ > kMaxYamlNodes) throw TooManyNodes{mark};
  }
  void content(const YAML::Mark& mark) {
    count(mark);
    if (at_root_) empty = false;
    at_root_ = false;
  }
  std::size_t nodes_ = 0;
  bool at_root_ = false;
};

/// Checks the document structure of `text` before the tree is built: syntax errors anywhere, and
/// more than one non-empty document (anything reading only the first would silently ignore the
/// rest). Returns false when the text cannot be loaded at all.
///
/// This replaces YAML::LoadAll, which in yaml-cpp 0.7 loops forever, allocating, on a document
/// whose first token it cannot consume (a lone ",": jbeder/yaml-cpp#1040, fixed upstream by
/// #1319): a document that starts where the previous one did means the parser is stuck there.
bool scan_documents(Reader& r, const std::string& text, YAML::Parser& parser,
                    DocumentScanner& scan) {
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

bool check_documents(Reader& r, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentScanner scan;
  try {
    return scan_documents(r, text, parser, scan);
  } catch (const DocumentScanner::TooManyNodes& e) {
    // yaml-cpp's tree costs about 400 bytes and a few microseconds a node: a hostile file of a
    // million nodes would cost seconds and hundreds of MB before the first key is checked.
    r.fail_at(e.mark, "",
              "more than " + std::to_string(kMaxYamlNodes) +
                  " YAML nodes (a configuration has a few hundred); not a configuration file?");
    return false;
  }
}

}  // namespace

void parse_yaml(Reader& r, std::string_view yaml,
                const std::function<void(const YAML::Node&)>& read) {
  try {
    const std::string text(yaml);
    if (check_documents(r, text)) {
      // Empty or comment-only text has no document at all: a null root, and every default.
      read(YAML::Load(text));
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
}

LoadResult load_string(std::string_view yaml, std::string_view name) {
  LoadResult result;
  Reader r{std::string(name)};
  parse_yaml(r, yaml, [&](const YAML::Node& root) { read_config(r, root, result.config); });
  result.errors = r.take_errors();
  return result;
}

LoadResult load_file(const std::filesystem::path& path) {
  auto text = read_config_file(path);
  if (!text.ok()) {
    LoadResult result;
    result.errors.add(text.error());
    return result;
  }
  LoadResult result = load_string(*text, path.string());
  // Relative rule files are relative to the config file's directory, as in Prometheus.
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  for (auto& f : result.config.rules.files) {
    if (!f.empty() && f.front() != '/') f = (dir / f).lexically_normal().string();
  }
  return result;
}

std::vector<std::string> accepted_keys() {
  std::vector<std::string> keys;
  Reader r{"<schema>"};
  r.record_keys(&keys);
  // An empty document visits every section with a null node: each lists its keys.
  Config ignored;
  read_config(r, YAML::Node{}, ignored);
  return keys;
}

}  // namespace sonde::config
