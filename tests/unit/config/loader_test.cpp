#include "config/loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/log_names.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> error_lines(const config::LoadResult& r) { return r.errors.lines(); }

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

/// Length of a `key:` at `line[at]` (followed by the end or a blank), or 0.
std::size_t key_at(const std::string& line, std::size_t at) {
  std::size_t end = at;
  while (end < line.size() && is_key_char(line[end])) ++end;
  if (end == at || end >= line.size() || line[end] != ':') return 0;
  if (end + 1 < line.size() && line[end + 1] != ' ') return 0;
  return end - at;
}

/// Uncomments each `# key: value` line (keeping its indentation); prose comments stay.
std::string uncomment(const std::string& text, int& options) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent != std::string::npos && line.compare(indent, 2, "# ") == 0) {
      const std::size_t key = line.find_first_not_of(' ', indent + 2);
      if (key != std::string::npos && key_at(line, key) > 0) {
        line = line.substr(0, indent) + line.substr(indent + 2);
        ++options;
      }
    }
    out += line + '\n';
  }
  return out;
}

/// The dotted key paths of a YAML text of nested block maps, from indentation.
std::vector<std::string> key_paths(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::pair<std::size_t, std::string>> stack;  // indentation, path
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#') continue;
    const std::size_t len = key_at(line, indent);
    if (len == 0) continue;
    while (!stack.empty() && stack.back().first >= indent) stack.pop_back();
    const std::string key = line.substr(indent, len);
    const std::string path = stack.empty() ? key : stack.back().second + "." + key;
    out.push_back(path);
    stack.emplace_back(indent, path);
  }
  return out;
}

const fs::path kConfigFixtures = test::fixture_root() / "config";

}  // namespace

TEST_CASE("good config fixtures load without errors", "[config][fixtures]") {
  const auto files = yaml_files(kConfigFixtures / "good");
  REQUIRE(files.size() >= 5);
  for (const auto& f : files) {
    INFO(f.filename().string());
    const auto r = config::load_file(f);
    CHECK(error_lines(r) == std::vector<std::string>{});
  }
}

// Each bad fixture starts with one `# expect: <error line>` comment per expected error, in order.
// Fixtures are loaded with load_string(text, "sonde.yaml"), so the expected lines read as a user
// would see them and stay valid when a fixture is renamed or the tree moves.
TEST_CASE("bad config fixtures give exactly their expected errors", "[config][fixtures]") {
  const auto files = yaml_files(kConfigFixtures / "bad");
  REQUIRE(files.size() >= 20);
  const std::string kExpect = "# expect: ";
  for (const auto& f : files) {
    INFO(f.filename().string());
    const std::string text = read(f);
    std::vector<std::string> expected;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line) && line.rfind(kExpect, 0) == 0;) {
      expected.push_back(line.substr(kExpect.size()));
    }
    REQUIRE_FALSE(expected.empty());
    const auto r = config::load_string(text, "sonde.yaml");
    CHECK_FALSE(r.ok());
    CHECK(error_lines(r) == expected);
  }
}

TEST_CASE(
    "the packaged config loads clean, as the defaults but listening on all interfaces and "
    "loading the shipped rules",
    "[config][packaged]") {
  const fs::path packaged = sonde::test::fixture_root() / "../../config/sonde.yaml";
  const auto r = config::load_file(packaged);
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  config::Config expected;
  expected.web.listen_address = "0.0.0.0:9477";
  // config/rules/*.yml as the package installs them (deploy/CMakeLists.txt, docs/alerts.md).
  expected.rules.files = {"/usr/share/sonde/rules/*.yml"};
  CHECK(r.config == expected);

  SECTION("every commented-out option is at its default value") {
    int options = 0;
    const std::string uncommented = uncomment(read(packaged), options);
    // 9 web options; log, host, collectors and their 2 + 4 + 12 sub-keys; 34 collector options
    // (64); ingest, its 3 listener sections with 4 + 6 + 3 options, and 19 more ingest options
    // (36); gpu and its 7 options (8); web.external_url, global and its 2 options, and 6 of the
    // rules' 7 options (10: rules and rules.files are set); issue 14: cpu's info, flags_include and
    // bugs_include, 16 more collector sections and their 37 options (56). Issue 18:
    // max_pending_connections, max_connections_per_client and max_response_bytes_in_flight (3).
    // Issue 15, part A: 10 collector sections, their 20 common options and netclass's 2,
    // powersupplyclass's 1 and rapl's 1 (34). Part B: 8 collector sections, their 16 common
    // options, bcache's priority_stats and tapestats' device_exclude (26). Issue 19:
    // remote_write (its entry's keys are a commented-out example) (1). Issue 22: rules'
    // alertmanagers, webhooks, alert_relabel_configs, resend_delay and
    // notification_queue_capacity (their entries' keys are commented-out examples) (5).
    CHECK(options == 64 + 36 + 8 + 10 + 56 + 3 + 34 + 26 + 1 + 5);
    const auto all = config::load_string(uncommented, "uncommented sonde.yaml");
    REQUIRE(error_lines(all) == std::vector<std::string>{});
    CHECK(all.config == expected);
  }
}

TEST_CASE("every key the loader accepts is in the packaged config", "[config][packaged]") {
  const fs::path packaged = sonde::test::fixture_root() / "../../config/sonde.yaml";
  int options = 0;
  const std::vector<std::string> documented = key_paths(uncomment(read(packaged), options));
  const std::vector<std::string> accepted = config::accepted_keys();
  CHECK(accepted.size() > 90);
  for (const auto& key : accepted) {
    INFO(key);
    CHECK(std::find(documented.begin(), documented.end(), key) != documented.end());
  }
  // And the other way round: the packaged file names no key the loader does not read.
  for (const auto& key : documented) {
    INFO(key);
    CHECK(std::find(accepted.begin(), accepted.end(), key) != accepted.end());
  }
}

TEST_CASE("every option is read into its field", "[config]") {
  const auto r = config::load_file(kConfigFixtures / "good/all_options.yaml");
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  const auto& c = r.config;
  CHECK(c.web.listen_address == "[::1]:9100");
  CHECK(c.web.max_connections == 100000);
  CHECK(c.web.max_header_bytes == 1048576);
  CHECK(c.web.read_timeout == 100ms);
  CHECK(c.web.idle_timeout == 90min);
  CHECK(c.web.write_timeout == 2s);
  CHECK(c.web.config_file.empty());  // `sonde config check` of this fixture reads no web config
  CHECK(c.web.tls_handshake_timeout == 750ms);
  CHECK(c.web.auth_max_pending == 7);
  CHECK(c.web.max_pending_connections == 9);
  CHECK(c.web.max_connections_per_client == 3);
  CHECK(c.web.max_response_bytes_in_flight == 1048576);
  CHECK(c.web.probes_without_auth);
  CHECK(c.web.external_url == "https://sonde.example.org/prefix/");
  CHECK(c.global.series_labels ==
        core::LabelPairs{{"instance", "web-1:9100"}, {"job", "node"}, {"zone", "b"}});
  CHECK(c.global.external_labels == core::LabelPairs{{"region", "eu-1"}});
  // A relative rule file is relative to the config file's directory.
  CHECK(c.rules.files ==
        std::vector<std::string>{"/etc/sonde/rules/*.yml",
                                 (kConfigFixtures / "good/local.yml").lexically_normal().string()});
  CHECK(c.rules.evaluation_interval == 30s);
  CHECK(c.rules.for_outage_tolerance == 2h);
  CHECK(c.rules.for_grace_period == 5min);
  CHECK(c.rules.max_history_series == 5000);
  CHECK_FALSE(c.rules.publish_alerts_series);
  CHECK(c.rules.state_file == "/var/lib/sonde/alerts.json");
  CHECK(c.log.level == core::LogLevel::debug);
  CHECK(c.log.format == core::LogFormat::json);
  CHECK(c.host.proc == "/host/proc");
  CHECK(c.host.sys == "/host/sys");
  CHECK(c.host.udev_data == "/host/run/udev/data");
  CHECK(c.host.root == "/host");
  const auto& k = c.collectors;
  CHECK_FALSE(k.cpu.enabled);
  CHECK(k.cpu.interval == 1s);
  CHECK_FALSE(k.cpu.guest);
  CHECK_FALSE(k.meminfo.enabled);
  CHECK(k.meminfo.interval == 10s);
  CHECK(k.loadavg.interval == 1min);
  CHECK(k.stat.interval == 15s);
  CHECK(k.stat.softirq);
  CHECK(k.vmstat.interval == 2min);
  CHECK(k.vmstat.fields == "^(pgfault|pgmajfault)$");
  CHECK(k.uname.interval == 24h);
  CHECK(k.time.interval == 24h * 14);
  CHECK_FALSE(k.self.enabled);
  CHECK(k.self.interval == 24h * 365);
  CHECK_FALSE(k.diskstats.enabled);
  CHECK(k.diskstats.interval == 3s);
  CHECK(k.diskstats.device_include == "^sd[a-z]$");
  CHECK(k.diskstats.device_exclude.empty());  // device_include alone replaces the default
  CHECK_FALSE(k.netdev.enabled);
  CHECK(k.netdev.interval == 4s);
  CHECK(k.netdev.device_include.empty());
  CHECK(k.netdev.device_exclude == "^(lo|veth.*)$");
  CHECK_FALSE(k.filesystem.enabled);
  CHECK(k.filesystem.interval == 6s);
  CHECK(k.filesystem.mount_points_exclude == "^/(dev|proc|sys)($|/)");
  CHECK(k.filesystem.fs_types_exclude == "^(tmpfs|nfs4?)$");
  CHECK(k.filesystem.statfs_timeout == 250ms);
  CHECK_FALSE(k.pressure.enabled);
  CHECK(k.pressure.interval == 7s);
}

TEST_CASE("empty and comment-only configs give the defaults", "[config]") {
  for (const char* text : {"", "\n\n", "# nothing\n", "---\n", "web:\ncollectors:\n", "{}"}) {
    INFO('"' << text << '"');
    const auto r = config::load_string(text);
    REQUIRE(r.ok());
    CHECK(r.config == config::Config{});
  }
}

TEST_CASE("a key set only in part of a section keeps the other defaults", "[config]") {
  const auto r = config::load_string("collectors:\n  cpu:\n    guest: false\n");
  REQUIRE(r.ok());
  config::Config expected;
  expected.collectors.cpu.guest = false;
  CHECK(r.config == expected);
}

TEST_CASE("load_file names the file as given in its errors", "[config]") {
  const fs::path path =
      fs::temp_directory_path() / ("sonde_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "log:\n  level: loud\n";
  }
  const auto r = config::load_file(path);
  fs::remove(path);
  CHECK(error_lines(r) ==
        std::vector<std::string>{
            path.string() + ":2:10: log.level: expected debug, info, warn or error, got \"loud\""});
}

TEST_CASE("web.config_file: an absolute path, or empty for none", "[config][web]") {
  auto r = config::load_string("web:\n  config_file: /etc/sonde/web.yml\n", "s.yaml");
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  CHECK(r.config.web.config_file == "/etc/sonde/web.yml");
  r = config::load_string("web:\n  config_file: web.yml\n", "s.yaml");
  CHECK(error_lines(r) ==
        std::vector<std::string>{"s.yaml:2:16: web.config_file: must be an absolute path, got "
                                 "\"web.yml\""});
}

TEST_CASE("errors come in document order", "[config]") {
  // only_keys runs before the values are read; sorting puts line 2 before line 3.
  const auto r = config::load_string("web:\n  max_connections: 0\n  bogus: 1\n", "s.yaml");
  CHECK(error_lines(r) ==
        std::vector<std::string>{
            "s.yaml:2:20: web.max_connections: must be between 1 and 100000, got 0",
            "s.yaml:3:3: web: unknown key \"bogus\"; expected one of: listen_address, "
            "max_connections, max_header_bytes, read_timeout, idle_timeout, write_timeout, "
            "config_file, tls_handshake_timeout, auth_max_pending, probes_without_auth, "
            "external_url, max_pending_connections, max_connections_per_client, "
            "max_response_bytes_in_flight"});
}

TEST_CASE("the loader survives hostile YAML", "[config]") {
  // Deep nesting: yaml-cpp's own depth guard turns it into an error, not a stack overflow.
  const auto deep = config::load_string(std::string(100000, '['));
  CHECK_FALSE(deep.ok());
  // Aliases are shared, not expanded ("billion laughs").
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'z'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 8; ++i) laughs += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    laughs += "]\n";
  }
  const auto many = config::load_string(laughs);
  CHECK(many.errors.size() == 26);  // unknown keys a..z
  // NUL bytes and invalid UTF-8.
  CHECK_FALSE(config::load_string(std::string("web:\0\xff\xfe", 7)).ok());
}

TEST_CASE("errors stop at core::Errors::kMax, then a count", "[config]") {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "k" + std::to_string(i) + ": 1\n";
  text += "web:\n  max_connections: 0\n";  // past the bound too: counted, not listed
  const auto r = config::load_string(text, "s.yaml");
  CHECK(r.errors.list().size() == core::Errors::kMax);
  CHECK(r.errors.size() == 1001);  // 1000 unknown keys and web.max_connections
  const auto lines = error_lines(r);
  REQUIRE(lines.size() == core::Errors::kMax + 1);
  CHECK(lines.front() ==
        "s.yaml:1:1: unknown key \"k0\"; expected one of: global, web, log, host, collectors, "
        "ingest, gpu, rules, remote_write");
  CHECK(lines.back() == "... and 901 more errors");
}

TEST_CASE("a document of more than kMaxYamlNodes nodes is refused before its tree is built",
          "[config]") {
  std::string text;
  for (std::size_t i = 0; i < config::kMaxYamlNodes; ++i) text += "k" + std::to_string(i) + ": 1\n";
  const auto r = config::load_string(text, "s.yaml");
  CHECK(error_lines(r) ==
        std::vector<std::string>{"s.yaml:50000:9: more than 100000 YAML nodes (a configuration has "
                                 "a few hundred); not a configuration file?"});
}

TEST_CASE("accepted_keys lists sections and options as dotted paths", "[config]") {
  const auto keys = config::accepted_keys();
  for (const char* k :
       {"web", "web.listen_address", "collectors", "collectors.cpu", "collectors.cpu.guest",
        "collectors.filesystem.statfs_timeout", "ingest.unixstream.framing", "gpu.fields"}) {
    INFO(k);
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  }
}
