#include "daemon/rules_test.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <string_view>

#include "config/rule_file.hpp"
#include "config/rule_test_file.hpp"
#include "daemon/rules_check.hpp"
#include "rules/rule_file.hpp"
#include "rules/unit_test.hpp"

namespace sonde::daemon {
namespace {

// Go's filepath.Join then Clean.
std::string join(const std::string& dir, const std::string& file) {
  std::string out = (std::filesystem::path(dir) / file).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

// Go's filepath.Glob: a pattern without meta characters matches itself when it exists.
std::vector<std::string> glob_files(const std::string& pattern) {
  if (pattern.find_first_of("*?[\\") == std::string::npos) {
    struct stat st {};
    if (::lstat(pattern.c_str(), &st) == 0) return {pattern};
    return {};
  }
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

// The rule files as the daemon loads them: lib/config reads, lib/rules checks (promtool's
// rulefmt.ParseFile errors, worded as `promtool check rules` prints them).
std::optional<rules::RuleFileSpec> load_rule_file(const std::string& path,
                                                  std::vector<std::string>& errors) {
  auto read = config::read_rule_file(path);
  if (!read.ok()) {
    errors.push_back(path + ": " + read.message());
    return std::nullopt;
  }
  const rules::FileCheck check = rules::check_file(path, *read, /*lint_duplicates=*/false);
  if (!check.errors.empty()) {
    errors = check.errors;
    return std::nullopt;
  }
  return read->spec;
}

std::vector<std::string> test_file(const std::string& file) {
  auto read = config::read_rule_test_file(file);
  if (read.error) return {*read.error};
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  std::vector<std::string> rule_files;
  for (const auto& rf : read.spec.rule_files) {
    const std::string pattern = rf.empty() || rf.front() == '/' ? rf : join(dir, rf);
    auto matched = glob_files(pattern);
    if (matched.empty()) std::cerr << "  WARNING: no file match pattern " << pattern << '\n';
    rule_files.insert(rule_files.end(), matched.begin(), matched.end());
  }
  return rules::run_unit_tests(read.spec, rule_files, load_rule_file);
}

}  // namespace

int rules_test(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a.rfind("--", 0) == 0 && a.size() > 2)
      return command_error("unknown long flag '" + a + "'");
    files.push_back(a);
  }
  if (const int rc = check_file_args(files, "test-rule-file"); rc != 0) return rc;
  bool failed = false;
  for (const auto& f : files) {
    std::cout << "Unit Testing:  " << f << '\n' << std::flush;
    const auto errors = test_file(f);
    rules::print_unit_test_result(errors, std::cout, std::cerr);
    failed = failed || !errors.empty();
  }
  return failed ? 1 : 0;
}

}  // namespace sonde::daemon
