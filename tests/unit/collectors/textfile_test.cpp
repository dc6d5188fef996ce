#include "collectors/textfile.hpp"

#include <sys/stat.h>

#include <fstream>

#include "collector_test_util.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {
namespace {

using test::RecordingSink;

std::filesystem::path textfile_dir() { return test::ne_fixture() / "textfile"; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

collectors::TextfileOptions options_for(const std::string& directory) {
  collectors::TextfileOptions o;
  o.directory = directory;
  return o;
}

// node_exporter 1.5.0's textfile_test.go: each directory (or glob) and its expected output.
TEST_CASE("textfile collector reproduces node_exporter 1.5.0's 15 textfile cases",
          "[collectors][textfile]") {
  const std::pair<const char*, const char*> cases[] = {
      {"no_metric_files", "no_metric_files.out"},
      {"two_metric_files", "two_metric_files.out"},
      {"nonexistent_path", "nonexistent_path.out"},
      {"client_side_timestamp", "client_side_timestamp.out"},
      {"different_metric_types", "different_metric_types.out"},
      {"inconsistent_metrics", "inconsistent_metrics.out"},
      {"histogram", "histogram.out"},
      {"histogram_extra_dimension", "histogram_extra_dimension.out"},
      {"summary", "summary.out"},
      {"summary_extra_dimension", "summary_extra_dimension.out"},
      {"*_extra_dimension", "glob_extra_dimension.out"},
      {"metrics_merge_empty_help", "metrics_merge_empty_help.out"},
      {"metrics_merge_no_help", "metrics_merge_no_help.out"},
      {"metrics_merge_same_help", "metrics_merge_same_help.out"},
      {"metrics_merge_different_help", "metrics_merge_different_help.out"},
  };
  std::size_t checked = 0;
  for (const auto& [dir, out_file] : cases) {
    INFO(dir);
    // node_exporter's test ran in collector/ with "fixtures/textfile/<dir>"; sonde's directory
    // is absolute, so its paths replace that prefix in the expected file.
    const std::string abs = textfile_dir().string() + "/";
    std::string want = test::read_whole(textfile_dir() / out_file);
    want = replace_all(want, "fixtures/textfile/", abs);
    // sonde's own counter and node_exporter's scrape families are not part of the comparison.
    // mtime: node_exporter's test fixes it at 1; sonde's is the file's.
    std::string want_kept;
    core::for_each_line(want, [&](std::string_view line) {
      if (line.find("node_scrape_collector") == std::string_view::npos) {
        want_kept.append(line).append("\n");
      }
    });
    TextfileCollector c{core::HostPaths::under(test::ne_fixture()),
                        options_for(textfile_dir().string() + "/" + dir)};
    const auto got = test::collect_text(c);
    REQUIRE(got.status.ok());
    const auto ours = test::parse_exposition(got.text);
    const auto ref = test::parse_exposition(want_kept);
    for (const auto& [family, type] : ref.types) {
      INFO("family " << family);
      CHECK(ours.types.count(family) == 1);
      if (!ours.types.count(family)) continue;
      CHECK(ours.types.at(family) == type);
      CHECK(ours.helps.at(family) == ref.helps.at(family));
    }
    for (const auto& [family, type] : ours.types) {
      if (family != "sonde_textfile_errors_total") CHECK(ref.types.count(family) == 1);
    }
    for (const auto& [key, value] : ref.samples) {
      INFO("series " << key);
      REQUIRE(ours.samples.count(key) == 1);
      if (test::family_of(key) == "node_textfile_mtime_seconds") continue;
      CHECK(ours.samples.at(key) == value);
      ++checked;
    }
    for (const auto& [key, value] : ours.samples) {
      INFO("series " << key);
      if (!test::starts_with(key, "sonde_textfile_errors_total"))
        CHECK(ref.samples.count(key) == 1);
    }
  }
  CHECK(checked == 183);  // every non-mtime sample of the 15 expected outputs
}

TEST_CASE("textfile spells le and quantile as client_golang does", "[collectors][textfile]") {
  TextfileCollector c{core::HostPaths::under(test::ne_fixture()),
                      options_for((textfile_dir() / "histogram").string())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.text.find("le=\"1.6384e+06\"") != std::string::npos);
  CHECK(out.text.find("le=\"102400\"") != std::string::npos);
  CHECK(out.text.find("le=\"+Inf\"") != std::string::npos);
}

class Dir {
 public:
  Dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sonde-textfile-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST_CASE("textfile rejects unsafe files and counts why", "[collectors][textfile]") {
  Dir d;
  d.write("good.prom", "# HELP ok_metric Fine.\nok_metric 1\n");
  d.write("partial.prom", "half_written 1\nhalf_wri");
  d.write("own.prom", "sonde_build_info 1\n");
  d.write("stamp.prom", "stamped 1 1441205977284\n");
  d.write("ignored.txt", "not read 1\n");
  REQUIRE(::mkfifo((d.path() / "fifo.prom").c_str(), 0600) == 0);
  TextfileCollector c{core::HostPaths::under(test::ne_fixture()), options_for(d.path().string())};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value("ok_metric") == 1);
  CHECK_FALSE(sink.has("half_written"));
  CHECK_FALSE(sink.has("stamped"));
  CHECK(sink.value("node_textfile_scrape_error") == 1);
  CHECK(sink.count_family("node_textfile_mtime_seconds") == 1);
  CHECK(sink.value("sonde_textfile_errors_total{reason=\"no_newline\"}") == 1);
  CHECK(sink.value("sonde_textfile_errors_total{reason=\"collision\"}") == 1);
  CHECK(sink.value("sonde_textfile_errors_total{reason=\"timestamp\"}") == 1);
  CHECK(sink.value("sonde_textfile_errors_total{reason=\"read\"}") == 1);  // the FIFO
  // Counts accumulate over attempts.
  RecordingSink again;
  REQUIRE(c.collect(again).ok());
  CHECK(again.value("sonde_textfile_errors_total{reason=\"timestamp\"}") == 2);

  SECTION("too large") {
    Dir big;
    big.write("big.prom", std::string(kTextfileMaxFileBytes + 1, '\n'));
    TextfileCollector b{core::HostPaths::under(test::ne_fixture()),
                        options_for(big.path().string())};
    RecordingSink s;
    REQUIRE(b.collect(s).ok());
    CHECK(s.value("sonde_textfile_errors_total{reason=\"too_large\"}") == 1);
  }
  SECTION("too many series") {
    Dir many;
    std::string text;
    for (std::size_t i = 0; i <= kTextfileMaxSeriesPerFile; ++i) {
      text += "m{i=\"" + std::to_string(i) + "\"} 1\n";
    }
    many.write("many.prom", text);
    TextfileCollector m{core::HostPaths::under(test::ne_fixture()),
                        options_for(many.path().string())};
    RecordingSink s;
    REQUIRE(m.collect(s).ok());
    CHECK(s.value("sonde_textfile_errors_total{reason=\"too_many_series\"}") == 1);
    CHECK(s.count_family("m") == 0);
  }
}

TEST_CASE("textfile with no directory publishes only its error gauge", "[collectors][textfile]") {
  TextfileCollector c{core::HostPaths::under(test::ne_fixture()), collectors::TextfileOptions{}};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value("node_textfile_scrape_error") == 0);
  CHECK(sink.count_family("node_textfile_mtime_seconds") == 0);
}

}  // namespace
}  // namespace sonde::collectors
