#include "config/mapping.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace sonde;
using namespace std::chrono_literals;

namespace {

using Lines = std::vector<std::string>;

Lines errors_of(const std::string& yaml) {
  const auto spec = config::load_mapping_string(yaml, "m.yml");
  return spec.ok() ? Lines{} : spec.error().lines();
}

TEST_CASE("load_mapping_string reads a rule into its spec", "[config][mapping]") {
  const auto spec = config::load_mapping_string(
      "mappings:\n"
      "- match: 'a.*.b'\n"
      "  name: 'x_${1}'\n"
      "  labels: {job: '$1'}\n"
      "  help: H\n"
      "  match_metric_type: counter\n"
      "  ttl: 1m30s\n"
      "  scale: 0.5\n"
      "- match: 'drop\\..*'\n"
      "  match_type: regex\n"
      "  action: drop\n",
      "m.yml");
  REQUIRE(spec.ok());
  CHECK(spec->file == "m.yml");
  REQUIRE(spec->mappings.size() == 2);
  const auto& a = spec->mappings[0];
  CHECK(a.match == "a.*.b");
  CHECK(a.match_at.line == 2);
  CHECK(a.match_at.column == 10);
  CHECK(a.match_type == ingest::MatchType::glob);
  CHECK(a.name == "x_${1}");
  CHECK(a.labels == std::vector<std::pair<std::string, std::string>>{{"job", "$1"}});
  CHECK(a.help == "H");
  CHECK(a.metric_type == ingest::MetricTypeMatch::counter);
  CHECK(a.ttl == std::chrono::milliseconds(90s));
  CHECK(a.scale == 0.5);
  CHECK(a.line == 2);
  const auto& d = spec->mappings[1];
  CHECK(d.match_type == ingest::MatchType::regex);
  CHECK(d.drop);
  CHECK(d.line == 9);
}

TEST_CASE("load_mapping_string: each error at the file, line and column", "[config][mapping]") {
  CHECK(errors_of("mappings: {a: 1}\n") ==
        Lines{"m.yml:1:11: mappings: expected a list, got a map"});
  CHECK(errors_of("mappings:\n- name: x\n") == Lines{"m.yml:2:3: mappings[0]: missing match"});
  CHECK(errors_of("mappings:\n- match: ''\n  name: x\n") ==
        Lines{"m.yml:2:10: mappings[0].match: empty glob"});
  CHECK(errors_of("mappings:\n- match: a\n") ==
        Lines{"m.yml:2:3: mappings[0]: line 2: metric mapping didn't set a metric name"});
  CHECK(errors_of("mappings:\n- match: a\n  name: 'x_${1'\n") ==
        Lines{"m.yml:3:9: mappings[0].name: unclosed ${ in \"x_${1\""});
  CHECK(errors_of("mappings:\n- match: a\n  name: x\n  action: keep\n") ==
        Lines{"m.yml:4:11: mappings[0].action: expected map or drop, got \"keep\""});
  CHECK(errors_of("mappings:\n- match: a\n  name: x\n  labels: {1a: v}\n") ==
        Lines{"m.yml:4:12: mappings[0].labels.1a: invalid label name \"1a\""});
  CHECK(errors_of("mappings:\n- match: a\n  name: x\n  match_metric_type: set\n") ==
        Lines{"m.yml:4:22: mappings[0].match_metric_type: expected counter, gauge or observer, "
              "got \"set\""});
  CHECK(errors_of("mappings:\n- match: a\n  name: x\n  ttl: soon\n") ==
        Lines{"m.yml:4:8: mappings[0].ttl: expected a duration such as 5m or 1h30m, got \"soon\""});
  CHECK(errors_of("mappings:\n- match: a\n  name: x\n  frob: 1\n") ==
        Lines{"m.yml:4:3: mappings[0].frob: unknown key \"frob\" (not supported by sonde)"});
}

TEST_CASE("load_mapping_file names the file and refuses what read_config_file refuses",
          "[config][mapping]") {
  const auto missing = config::load_mapping_file("/nonexistent/m.yml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().lines() ==
        Lines{"/nonexistent/m.yml: cannot open: No such file or directory"});
  const auto path = std::filesystem::temp_directory_path() /
                    ("sonde_mapping_test_" + std::to_string(::getpid()) + ".yml");
  std::ofstream(path) << "mappings:\n- match: a\n";
  const auto bad = config::load_mapping_file(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(
      bad.error().lines() ==
      Lines{path.string() + ":2:3: mappings[0]: line 2: metric mapping didn't set a metric name"});
}

}  // namespace
