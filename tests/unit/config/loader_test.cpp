#include "config/loader.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

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

std::vector<std::string> error_lines(const config::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

/// Every option as text, so two configs compare field by field with a readable diff.
/// TODO(config): replace with `operator== = default` once core's option structs have one.
std::string dump(const core::Config& c) {
  std::ostringstream o;
  o << "web " << c.web.listen_address << ' ' << c.web.max_connections << ' '
    << c.web.max_header_bytes << ' ' << c.web.read_timeout.count() << ' '
    << c.web.idle_timeout.count() << ' ' << c.web.write_timeout.count() << '\n';
  o << "log " << config::to_string(c.log.level) << ' ' << config::to_string(c.log.format) << '\n';
  o << "host " << c.host.proc << ' ' << c.host.sys << ' ' << c.host.root << ' ' << c.host.udev_data
    << '\n';
  const auto& k = c.collectors;
  auto col = [&](const char* name, const core::CollectorOptions& x) {
    o << name << ' ' << x.enabled << ' ' << x.interval.count() << '\n';
  };
  col("cpu", k.cpu);
  o << "cpu.guest " << k.cpu.guest << '\n';
  col("meminfo", k.meminfo);
  col("loadavg", k.loadavg);
  col("stat", k.stat);
  o << "stat.softirq " << k.stat.softirq << '\n';
  col("vmstat", k.vmstat);
  o << "vmstat.fields " << k.vmstat.fields << '\n';
  col("uname", k.uname);
  col("time", k.time);
  col("self", k.self);
  col("diskstats", k.diskstats);
  o << "diskstats.device " << k.diskstats.device_include << ' ' << k.diskstats.device_exclude
    << '\n';
  col("netdev", k.netdev);
  o << "netdev.device " << k.netdev.device_include << ' ' << k.netdev.device_exclude << '\n';
  col("filesystem", k.filesystem);
  o << "filesystem " << k.filesystem.mount_points_exclude << ' ' << k.filesystem.fs_types_exclude
    << ' ' << k.filesystem.statfs_timeout.count() << '\n';
  col("pressure", k.pressure);
  o << "cpu.info " << k.cpu.info << ' ' << k.cpu.flags_include << ' ' << k.cpu.bugs_include << '\n';
  col("netstat", k.netstat);
  o << "netstat.fields " << k.netstat.fields << '\n';
  col("sockstat", k.sockstat);
  col("filefd", k.filefd);
  col("entropy", k.entropy);
  col("conntrack", k.conntrack);
  col("softnet", k.softnet);
  col("udp_queues", k.udp_queues);
  col("arp", k.arp);
  o << "arp.device " << k.arp.device_include << ' ' << k.arp.device_exclude << '\n';
  col("schedstat", k.schedstat);
  col("textfile", k.textfile);
  o << "textfile.directory " << k.textfile.directory << '\n';
  const auto& g = c.gpu;
  o << "gpu " << g.enabled << ' ' << g.interval.count() << ' ' << g.nvml_library << ' '
    << g.hostname_label << ' ' << g.max_processes << ' ' << g.call_timeout.count() << ' '
    << g.fields << '\n';
  return o.str();
}

const fs::path kConfigFixtures = test::fixture_root() / "config";

TEST_CASE("issue 14's collector options load, with errors at their line", "[config]") {
  const auto r = config::load_string(
      "collectors:\n"
      "  cpu: {info: true, flags_include: '^(aes|avx.?)$'}\n"
      "  netstat: {fields: '^Tcp_'}\n"
      "  arp: {device_exclude: nope, interval: 2s}\n"
      "  textfile: {directory: '/var/lib/node-exporter/*'}\n"
      "  schedstat: {enabled: false}\n",
      "sonde.yaml");
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  CHECK(r.config.collectors.cpu.info);
  CHECK(r.config.collectors.cpu.flags_include == "^(aes|avx.?)$");
  CHECK(r.config.collectors.netstat.fields == "^Tcp_");
  CHECK(r.config.collectors.arp.device_exclude == "nope");
  CHECK(r.config.collectors.arp.interval.count() == 2000);
  CHECK(r.config.collectors.textfile.directory == "/var/lib/node-exporter/*");
  CHECK_FALSE(r.config.collectors.schedstat.enabled);

  const auto bad = config::load_string(
      "collectors:\n"
      "  netstat: {fields: '(a)\\1'}\n"
      "  arp: {device_include: a, device_exclude: b}\n"
      "  textfile: {directory: relative/dir}\n"
      "  sockstat: {fields: x}\n",
      "sonde.yaml");
  const auto lines = error_lines(bad);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].rfind("sonde.yaml:2:21: collectors.netstat.fields: RE2 rejects it", 0) == 0);
  CHECK(lines[1].rfind("sonde.yaml:3:", 0) == 0);
  CHECK(lines[2].rfind("sonde.yaml:4:", 0) == 0);
  CHECK(lines[3].rfind("sonde.yaml:5:", 0) == 0);
}

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

TEST_CASE("the packaged config loads clean, as the defaults but listening on all interfaces",
          "[config][packaged]") {
  const fs::path packaged = fs::path(SONDE_FIXTURES_DIR) / "../../config/sonde.yaml";
  const auto r = config::load_file(packaged);
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  core::Config expected;
  expected.web.listen_address = "0.0.0.0:9477";
  CHECK(dump(r.config) == dump(expected));

  SECTION("every commented-out option is at its default value") {
    // Uncomment each `# key: value` line (keeping its indentation); prose comments stay.
    const std::regex option(R"(^(\s*)# (\s*[a-z_]+:(\s.*)?)$)");
    std::istringstream in(read(packaged));
    std::string uncommented;
    int options = 0;
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_match(line, m, option)) {
        line = m[1].str() + m[2].str();
        ++options;
      }
      uncommented += line + '\n';
    }
    // 5 web options; log, host, collectors and their 2 + 4 + 12 sub-keys; 32 collector options
    // (58); ingest, its 3 listener sections with 4 + 6 + 3 options, and 15 more ingest options
    // (32); gpu and its 7 options (8); issue 14: cpu's info, flags_include, bugs_include and 10
    // collector sections with 23 options (36).
    CHECK(options == 58 + 32 + 8 + 36);
    const auto all = config::load_string(uncommented, "uncommented sonde.yaml");
    REQUIRE(error_lines(all) == std::vector<std::string>{});
    CHECK(dump(all.config) == dump(expected));
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
    CHECK(dump(r.config) == dump(core::Config{}));
  }
}

TEST_CASE("a key set only in part of a section keeps the other defaults", "[config]") {
  const auto r = config::load_string("collectors:\n  cpu:\n    guest: false\n");
  REQUIRE(r.ok());
  core::Config expected;
  expected.collectors.cpu.guest = false;
  CHECK(dump(r.config) == dump(expected));
}

TEST_CASE("load_file reports a missing or unreadable file as one error", "[config]") {
  const auto missing = config::load_file("/nonexistent/sonde.yaml");
  CHECK(
      error_lines(missing) ==
      std::vector<std::string>{"/nonexistent/sonde.yaml: cannot open: No such file or directory"});

  const auto dir = config::load_file(kConfigFixtures);
  REQUIRE(dir.errors.size() == 1);
  CHECK(dir.errors[0].message == "cannot read: Is a directory");
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

TEST_CASE("load_file refuses files beyond kMaxConfigBytes", "[config]") {
  const fs::path path =
      fs::temp_directory_path() / ("sonde_config_big_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << std::string(config::kMaxConfigBytes + 1, '#');
  }
  const auto r = config::load_file(path);
  fs::remove(path);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("larger than") != std::string::npos);
}

TEST_CASE("ConfigError::to_string leaves out unknown parts", "[config]") {
  CHECK(config::ConfigError{"a.yaml", 3, 15, "x.y", "bad"}.to_string() == "a.yaml:3:15: x.y: bad");
  CHECK(config::ConfigError{"a.yaml", 3, 0, "x.y", "bad"}.to_string() == "a.yaml:3: x.y: bad");
  CHECK(config::ConfigError{"a.yaml", 0, 0, "", "bad"}.to_string() == "a.yaml: bad");
  CHECK(config::ConfigError{"a.yaml", 2, 1, "", "bad"}.to_string() == "a.yaml:2:1: bad");
  CHECK(config::ConfigError{"", 0, 0, "", "bad"}.to_string() == "bad");
}

TEST_CASE("error messages quote and shorten what was found", "[config]") {
  const auto r =
      config::load_string("log:\n  level: \"a\\tb\\\"c\\u0001" + std::string(100, 'x') + "\"\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "expected debug, info, warn or error, got \"a\\tb\\\"c\\x01" +
                                   std::string(54, 'x') + "...\"");  // 60 characters shown
}

TEST_CASE("errors come in document order", "[config]") {
  // only_keys runs before the values are read; sorting puts line 2 before line 3.
  const auto r = config::load_string("web:\n  max_connections: 0\n  bogus: 1\n", "s.yaml");
  CHECK(error_lines(r) ==
        std::vector<std::string>{
            "s.yaml:2:20: web.max_connections: must be between 1 and 100000, got 0",
            "s.yaml:3:3: web: unknown key \"bogus\"; expected one of: listen_address, "
            "max_connections, max_header_bytes, read_timeout, idle_timeout, write_timeout"});
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

TEST_CASE("log level and format names", "[config]") {
  for (auto l :
       {core::LogLevel::debug, core::LogLevel::info, core::LogLevel::warn, core::LogLevel::error}) {
    CHECK(config::parse_log_level(config::to_string(l)) == l);
  }
  for (auto f : {core::LogFormat::text, core::LogFormat::json}) {
    CHECK(config::parse_log_format(config::to_string(f)) == f);
  }
  CHECK_FALSE(config::parse_log_level("warning"));
  CHECK_FALSE(config::parse_log_level("INFO"));
  CHECK_FALSE(config::parse_log_format("logfmt"));
}
