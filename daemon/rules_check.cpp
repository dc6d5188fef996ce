#include "daemon/rules_check.hpp"

#include <filesystem>
#include <iostream>
#include <string_view>

#include "config/rule_file.hpp"
#include "rules/rule_file.hpp"

namespace sonde::daemon {
int command_error(const std::string& message) {
  std::cerr << "sonde: error: " << message << ", try --help\n";
  return 1;
}

int check_file_args(const std::vector<std::string>& files, const std::string& arg) {
  if (files.empty()) return command_error("required argument '" + arg + "' not provided");
  for (const auto& f : files) {
    std::error_code ec;
    const auto status = std::filesystem::status(f, ec);
    if (!std::filesystem::exists(status)) return command_error("path '" + f + "' does not exist");
    if (std::filesystem::is_directory(status)) return command_error("'" + f + "' is a directory");
  }
  return 0;
}

int rules_check(const std::vector<std::string>& args) {
  rules::LintOptions lint;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--lint-fatal") {
      lint.fatal = true;
    } else if (a == "--lint" || a.rfind("--lint=", 0) == 0) {
      std::string value;
      if (a == "--lint") {
        if (i + 1 >= args.size()) return command_error("expected argument for flag '--lint'");
        value = args[++i];
      } else {
        value = a.substr(7);
      }
      lint.duplicate_rules = false;
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        if (item == "all" || item == "duplicate-rules") {
          lint.duplicate_rules = true;
        } else if (item != "none") {
          std::cout << "WARNING: unknown lint option " << item << '\n';
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
      return command_error("unknown long flag '" + a + "'");
    } else {
      files.push_back(a);
    }
  }
  if (const int rc = check_file_args(files, "rule-files"); rc != 0) return rc;
  std::vector<rules::PrintedCheck> results;
  for (const auto& f : files) {
    auto read = config::read_rule_file(f);
    rules::FileCheck check;
    if (read.ok()) {
      check = rules::check_file(f, *read, lint.duplicate_rules);
    } else {
      check.errors.push_back(read.message());
    }
    results.push_back(rules::print_check(f, check, std::cout, std::cerr));
  }
  return rules::exit_code(results, lint.fatal);
}

}  // namespace sonde::daemon
