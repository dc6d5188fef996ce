// sonde: command line, logging set-up and exit codes. Everything else is in daemon/wiring.cpp.
//
//   sonde [--config FILE] [--web.listen-address HOST:PORT] [--log.level LEVEL]
//         [--log.format text|json]
//   sonde config check FILE
//   sonde rules check [--lint=...] [--lint-fatal] FILE...
//   sonde --version | --help
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"
#include "core/build_info.hpp"
#include "daemon/rules_check.hpp"
#include "daemon/wiring.hpp"
#include "ingest/mapper.hpp"

namespace {

using namespace sonde;

constexpr std::string_view kUsage =
    "usage: sonde [--config FILE] [--web.listen-address HOST:PORT] "
    "[--log.level debug|info|warn|error]\n"
    "             [--log.format text|json]\n"
    "       sonde config check FILE\n"
    "       sonde rules check [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...\n"
    "       sonde --version\n"
    "\n"
    "Without --config, sonde runs on its embedded defaults (listening on 127.0.0.1:9477).\n"
    "Flags override the file. Exit codes: 0 ok, 1 run-time failure, 2 usage, 78 bad config.\n";

struct Flags {
  std::optional<std::string> config;
  std::optional<std::string> listen_address;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
};

std::optional<core::LogFormat> parse_format(std::string_view s) {
  if (s == "text") return core::LogFormat::text;
  if (s == "json") return core::LogFormat::json;
  return std::nullopt;
}

std::optional<core::LogLevel> parse_level(std::string_view s) {
  if (s == "debug") return core::LogLevel::debug;
  if (s == "info") return core::LogLevel::info;
  if (s == "warn") return core::LogLevel::warn;
  if (s == "error") return core::LogLevel::error;
  return std::nullopt;
}

void setup_logging(const core::LogOptions& opts) {
  // Logs go to stderr: systemd's journal and kubectl logs both read it.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("sonde"));
  daemon::apply_log_options(opts);
}

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::cerr << e.to_string() << '\n';
}

int config_check(const std::string& file) {
  const auto result = config::load_file(file);
  if (!result.ok()) {
    print_errors(result.errors);
    std::cerr << file << ": " << result.errors.size()
              << (result.errors.size() == 1 ? " error\n" : " errors\n");
    return 1;
  }
  // The mapping file is part of the configuration: check it too.
  if (const auto& mapping = result.config.ingest.mapping_file; !mapping.empty()) {
    std::vector<std::string> warnings;
    const auto m = ingest::Mapper::load_file(mapping, warnings);
    for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
    if (!m.ok()) {
      std::cerr << m.message() << '\n';
      return 1;
    }
  }
  std::cout << file << ": ok\n";
  return 0;
}

int usage_error(const std::string& message) {
  std::cerr << "sonde: " << message << "\n" << kUsage;
  return daemon::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);

  if (args.size() >= 1 && args[0] == "config") {
    if (args.size() == 3 && args[1] == "check") return config_check(args[2]);
    return usage_error("expected: sonde config check FILE");
  }
  if (args.size() >= 2 && args[0] == "rules" && args[1] == "check") {
    return daemon::rules_check({args.begin() + 2, args.end()});
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
    } else if (arg == "--log.level") {
      ok = take(flags.log_level);
    } else if (arg == "--log.format") {
      ok = take(flags.log_format);
    } else {
      return usage_error("unknown argument \"" + arg + "\"");
    }
    if (!ok) return usage_error(arg + " needs a value");
  }

  if (flags.log_level && !parse_level(*flags.log_level)) {
    return usage_error("--log.level must be one of debug, info, warn, error");
  }
  if (flags.log_format && !parse_format(*flags.log_format)) {
    return usage_error("--log.format must be one of text, json");
  }
  // The file (if any) with the command-line overrides on top; SIGHUP runs this again.
  const daemon::ConfigSource load = [flags] {
    daemon::LoadedConfig out;
    if (flags.config) {
      auto result = config::load_file(*flags.config);
      for (const auto& e : result.errors) out.errors.push_back(e.to_string());
      if (!result.ok()) return out;
      out.config = std::move(result.config);
    }
    if (flags.log_level) out.config.log.level = *parse_level(*flags.log_level);
    if (flags.log_format) out.config.log.format = *parse_format(*flags.log_format);
    if (flags.listen_address) out.config.web.listen_address = *flags.listen_address;
    return out;
  };
  auto loaded = load();
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    std::cerr << "sonde: " << *flags.config << ": " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors") << "; not starting\n";
    return daemon::kExitConfig;
  }
  const core::Config& cfg = loaded.config;
  setup_logging(cfg.log);
  return daemon::run(cfg, load);
}
