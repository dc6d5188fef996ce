#include "daemon/rule_files.hpp"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "config/rule_file.hpp"
#include "rules/rule_file.hpp"

namespace sonde::daemon {
namespace {

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

}  // namespace

std::vector<LoadedRuleFile> load_rule_files(const rules::RulesOptions& options) {
  std::vector<LoadedRuleFile> out;
  std::vector<std::string> paths;
  for (const auto& pattern : options.files) {
    if (!has_glob_chars(pattern)) {
      paths.push_back(pattern);
      continue;
    }
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      std::vector<std::string> matched(g.gl_pathv, g.gl_pathv + g.gl_pathc);
      std::sort(matched.begin(), matched.end());
      paths.insert(paths.end(), matched.begin(), matched.end());
    } else if (rc != GLOB_NOMATCH) {
      LoadedRuleFile f;
      f.path = pattern;
      f.errors.push_back(pattern + ": cannot expand the pattern (" + "out of memory" + ")");
      out.push_back(std::move(f));
    }
    ::globfree(&g);
  }
  for (const auto& path : paths) {
    if (std::any_of(out.begin(), out.end(), [&](const auto& f) { return f.path == path; })) {
      continue;  // named by two patterns: loaded once
    }
    LoadedRuleFile f;
    f.path = path;
    auto read = config::read_rule_file(path);
    if (!read.ok()) {
      f.errors.push_back(read.message());
    } else {
      auto check = rules::check_file(path, *read, /*lint_duplicates=*/false);
      if (check.errors.empty()) {
        f.spec = std::move(read->spec);
      } else {
        f.errors = std::move(check.errors);
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sonde::daemon
