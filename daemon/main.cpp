// sonde: command line, logging set-up and exit codes. Everything else is in daemon/wiring.cpp.
//
//   sonde [--config FILE] [--web.listen-address HOST:PORT] [--web.config.file FILE]
//         [--log.level LEVEL] [--log.format text|json]
//   sonde config check FILE
//   sonde web-config check FILE...
//   sonde rules check [--lint=...] [--lint-fatal] FILE...
//   sonde rules test FILE...
//   sonde --version | --help
#include <malloc.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"
#include "core/build_info.hpp"
#include "core/log_names.hpp"
#include "core/logging.hpp"
#include "daemon/directories.hpp"
#include "daemon/rule_files.hpp"
#include "daemon/rules_check.hpp"
#include "daemon/rules_test.hpp"
#include "daemon/wiring.hpp"

namespace {

using namespace sonde;

constexpr std::string_view kUsage =
    "usage: sonde [--config FILE] [--web.listen-address HOST:PORT] [--web.config.file FILE]\n"
    "             [--log.level debug|info|warn|error] [--log.format text|json]\n"
    "       sonde config check FILE\n"
    "       sonde web-config check FILE...\n"
    "       sonde rules check [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...\n"
    "       sonde rules test FILE...\n"
    "       sonde --version\n"
    "\n"
    "Without --config, sonde runs on its embedded defaults (listening on 127.0.0.1:9477).\n"
    "Flags override the file. Exit codes: 0 ok, 1 run-time failure, 2 usage, 78 bad config.\n";

struct Flags {
  std::optional<std::string> config;
  std::optional<std::string> listen_address;
  std::optional<std::string> web_config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
};

void setup_logging(const core::LogOptions& opts) {
  // Logs go to stderr: systemd's journal and kubectl logs both read it.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("sonde"));
  core::apply_log_options(opts);
}

void print_errors(const std::string& file, const std::vector<std::string>& lines,
                  std::size_t count) {
  for (const auto& line : lines) std::cerr << line << '\n';
  std::cerr << file << ": " << count << (count == 1 ? " error\n" : " errors\n");
}

int config_check(const std::string& file) {
  const auto result = config::load_file(file);
  if (!result.ok()) {
    print_errors(file, result.errors.lines(), result.errors.size());
    return 1;
  }
  // The mapping file is part of the configuration: check it too.
  daemon::LoadedConfig loaded{result.config, {}, {}, {}, {}};
  daemon::load_mapping(loaded);
  for (const auto& w : loaded.warnings) std::cerr << "warning: " << w << '\n';
  if (!loaded.errors.empty()) {
    print_errors(loaded.config.ingest.mapping_file.string(), loaded.errors.lines(),
                 loaded.errors.size());
    return 1;
  }
  // So is the web config file, with the certificates it names.
  daemon::load_web_config(loaded);
  if (!loaded.errors.empty()) {
    print_errors(loaded.config.web.config_file.string(), loaded.errors.lines(),
                 loaded.errors.size());
    return 1;
  }
  // So are the rule files it names.
  std::size_t rule_errors = 0;
  std::size_t rule_files = 0;
  for (const auto& f : daemon::load_rule_files(loaded.config.rules)) {
    ++rule_files;
    for (const auto& e : f.errors) std::cerr << e << '\n';
    rule_errors += f.errors.size();
  }
  if (rule_errors > 0) {
    std::cerr << file << ": " << rule_errors << (rule_errors == 1 ? " error" : " errors")
              << " in rule files\n";
    return 1;
  }
  std::cout << file << ": ok";
  if (rule_files > 0)
    std::cout << " (" << rule_files << " rule file" << (rule_files == 1 ? "" : "s") << ")";
  std::cout << '\n';
  return 0;
}

/// `sonde web-config check FILE...`: each file as `promtool check web-config` checks it (the
/// YAML, the users' hashes, the certificate and key pair, the client CA file).
int web_config_check(const std::vector<std::string>& files) {
  int rc = 0;
  for (const auto& file : files) {
    daemon::LoadedConfig loaded;
    loaded.config.web.config_file = file;
    daemon::load_web_config(loaded);
    if (!loaded.errors.empty()) {
      print_errors(file, loaded.errors.lines(), loaded.errors.size());
      rc = 1;
      continue;
    }
    std::cout << file << ": ok\n";
  }
  return rc;
}

int usage_error(const std::string& message) {
  std::cerr << "sonde: " << message << "\n" << kUsage;
  return daemon::kExitUsage;
}

/// Raises the soft open-files limit to the hard one, as Go programs do at start (since Go 1.19:
/// node_exporter and Prometheus run with the hard limit). The soft limit a shell or systemd
/// gives is 1,024; sonde keeps ~170 files open and its connection limits (web 512, the ingest
/// stream's 64 by default) fit in that, but an operator who raises them should not meet EMFILE
/// on accept first. Warns when even the hard limit is below what the limits may need.
void raise_open_files_limit(const config::Config& c) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = before;
  }
  if (lim.rlim_cur != before) {
    spdlog::debug("open files limit raised from {} to {}", before, lim.rlim_cur);
  }
  // Kept files, collectors' reads, the rule and remote-write connections: 256 is ample.
  const rlim_t needed = rlim_t{256} + c.web.max_connections + c.web.max_pending_connections +
                        (c.ingest.unixstream.enabled ? c.ingest.unixstream.max_connections : 0);
  if (lim.rlim_cur < needed) {
    spdlog::warn(
        "open files limit is {} (hard limit {}), below the {} that web.max_connections{}: "
        "connections past it are refused (raise LimitNOFILE= or ulimit -n)",
        lim.rlim_cur, lim.rlim_max, needed,
        c.ingest.unixstream.enabled ? ", web.max_pending_connections and "
                                      "ingest.unixstream.max_connections may need"
                                    : " and web.max_pending_connections may need");
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Malloc set-up, before any thread starts (docs/performance.md, "Target 5a").
  // One arena for every thread: glibc gives threads their own arenas (up to 8 per core), and the
  // series the ingest listener admits, the snapshots the collectors build and the bodies the HTTP
  // threads render then sit in different arenas, each keeping its own partly used pages: 248
  // bytes of RSS per ingest series against 200 with one arena. sonde's hot paths do not allocate
  // (the ingest line path is allocation-free) and each thread keeps its tcache.
  mallopt(M_ARENA_MAX, 1);
  // A fixed mmap threshold (glibc's default, 128 KiB, without its dynamic rise): a rendered
  // /metrics body is mapped and unmapped with each scrape instead of staying in the heap after
  // the first one is freed, so resident memory between scrapes does not step up and down with
  // where the last bodies happened to land.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // Freed memory at the heap's top is kept up to 1 MiB instead of glibc's 128 KiB: each scrape's
  // gzip state (zlib's ~256 KiB) and each collector cycle's snapshot were otherwise given back
  // with brk and faulted in again, zeroed, a second later — about 60 page faults and a few brk
  // calls a second (docs/performance.md, "The floor"). Resident memory keeps that top.
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  std::vector<std::string> args(argv + 1, argv + argc);

  if (args.size() >= 1 && args[0] == "config") {
    if (args.size() == 3 && args[1] == "check") return config_check(args[2]);
    return usage_error("expected: sonde config check FILE");
  }
  if (args.size() >= 1 && args[0] == "web-config") {
    if (args.size() >= 3 && args[1] == "check")
      return web_config_check({args.begin() + 2, args.end()});
    return usage_error("expected: sonde web-config check FILE...");
  }
  if (args.size() >= 2 && args[0] == "rules" && args[1] == "check") {
    return daemon::rules_check({args.begin() + 2, args.end()});
  }
  if (args.size() >= 2 && args[0] == "rules" && args[1] == "test") {
    // promtool prints its verdicts only: the rule code's log lines (alert state transitions)
    // are the daemon's, not the test runner's output.
    spdlog::set_level(spdlog::level::off);
    return daemon::rules_test({args.begin() + 2, args.end()});
  }

  Flags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--version" || arg == "-v") {
      std::cout << "sonde " << core::build::kVersion << " (revision " << core::build::kRevision
                << ", built with " << core::build::kCompiler << ")\n";
      return daemon::kExitOk;
    }
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return daemon::kExitOk;
    }
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&](std::optional<std::string>& into) -> bool {
      if (!has_value) {
        if (i + 1 >= args.size()) return false;
        value = args[++i];
      }
      into = value;
      return true;
    };
    bool ok = true;
    if (arg == "--config") {
      ok = take(flags.config);
    } else if (arg == "--web.listen-address") {
      ok = take(flags.listen_address);
    } else if (arg == "--web.config.file") {
      ok = take(flags.web_config_file);
    } else if (arg == "--log.level") {
      ok = take(flags.log_level);
    } else if (arg == "--log.format") {
      ok = take(flags.log_format);
    } else {
      return usage_error("unknown argument \"" + arg + "\"");
    }
    if (!ok) return usage_error(arg + " needs a value");
  }

  if (flags.log_level && !core::parse_log_level(*flags.log_level)) {
    return usage_error("--log.level must be one of " + std::string(core::log_level_list()));
  }
  if (flags.web_config_file) {
    // Relative to the directory sonde was started in, as the exporters take it; made absolute
    // now, so a reload reads the same file.
    std::error_code ec;
    const auto abs = std::filesystem::absolute(*flags.web_config_file, ec);
    if (ec || flags.web_config_file->empty()) {
      return usage_error("--web.config.file needs a file name");
    }
    flags.web_config_file = abs.string();
  }
  if (flags.log_format && !core::parse_log_format(*flags.log_format)) {
    return usage_error("--log.format must be one of " + std::string(core::log_format_list()));
  }
  // The file (if any) with the command-line overrides on top; SIGHUP runs this again.
  const daemon::ConfigSource load = [flags] {
    daemon::LoadedConfig out;
    if (flags.config) {
      auto result = config::load_file(*flags.config);
      out.errors = std::move(result.errors);
      if (!out.errors.empty()) return out;
      out.config = std::move(result.config);
    }
    if (flags.log_level) out.config.log.level = *core::parse_log_level(*flags.log_level);
    if (flags.log_format) out.config.log.format = *core::parse_log_format(*flags.log_format);
    if (flags.listen_address) out.config.web.listen_address = *flags.listen_address;
    if (flags.web_config_file) out.config.web.config_file = *flags.web_config_file;
    daemon::load_mapping(out);
    if (out.errors.empty()) daemon::load_web_config(out);
    return out;
  };
  auto loaded = load();
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors.lines()) std::cerr << e << '\n';
    const std::size_t n = loaded.errors.size();
    std::cerr << "sonde: " << (flags.config ? *flags.config : std::string("configuration")) << ": "
              << n << (n == 1 ? " error" : " errors") << "; not starting\n";
    return daemon::kExitConfig;
  }
  setup_logging(loaded.config.log);
  raise_open_files_limit(loaded.config);
  // The only place that reads the environment for paths; modules are given these.
  const daemon::Directories dirs = daemon::process_directories();
  spdlog::debug("runtime directory {}, state directory {}", dirs.runtime.string(),
                dirs.state.empty() ? std::string("(none)") : dirs.state.string());
  return daemon::run(loaded, dirs, load);
}
