#include "loadgen/check.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <variant>
#include <vector>

#include "loadgen/cli.hpp"

using namespace sonde;
using namespace sonde::loadgen;

namespace {

WorkloadOptions workload(std::uint32_t series, double churn = 0, std::uint32_t tags = 2) {
  WorkloadOptions o;
  o.series = series;
  o.churn = churn;
  o.tags = tags;
  return o;
}

/// An exposition of the generator's family with these (id, value) samples, as sonde writes it.
std::string exposition(const std::vector<std::pair<std::uint64_t, std::string>>& samples) {
  std::string out =
      "# HELP sonde_ingest_series Live series.\n# TYPE sonde_ingest_series gauge\n"
      "sonde_ingest_series 3\n# TYPE loadgen_requests_total counter\n";
  for (const auto& [id, value] : samples) {
    out += "loadgen_requests_total{id=\"" + std::to_string(id) + "\",t1=\"v" +
           std::to_string(id % 8) + "\"} " + value + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("the check reads the generator's counters in any label order, with float values",
          "[loadgen][check]") {
  std::vector<CounterSample> out;
  std::uint64_t unparsed = 0;
  const std::string text =
      "# TYPE loadgen_requests_total counter\n"
      "loadgen_requests_total{t1=\"v1\",id=\"7\"} 1.5e3\n"
      "loadgen_requests_total{id=\"8\",t1=\"a \\\"}\\\" b\"} 2.25 1700000000000\n"
      "loadgen_requests_total{id=\"9\"} +Inf\n"  // not finite: unparsed
      "loadgen_requests_total{t1=\"v1\"} 4\n"    // no id: unparsed
      "loadgen_requests_total{id=\"10\" 4\n"     // unclosed: unparsed
      "loadgen_requests_total{id=\"x\"} 4\n"     // not a number: unparsed
      "loadgen_requests_totalx{id=\"11\"} 4\n"   // another family
      "loadgen_inflight{id=\"12\"} 4\n"          // a gauge of the generator: not read
      "sonde_ingest_lines_total{id=\"13\"} 4\n"
      "\n"
      "loadgen_requests_total{id=\"14\"} 0\n";
  parse_generator_counters(text, workload(10), out, unparsed);
  REQUIRE(out.size() == 3);
  CHECK(out[0].id == 7);
  CHECK(out[0].value == 1500.0);
  CHECK(out[1].id == 8);
  CHECK(out[1].value == 2.25);
  CHECK(out[2].id == 14);
  CHECK(unparsed == 4);
}

TEST_CASE("without tags the id is in the name, and the prefix is named as sonde names it",
          "[loadgen][check]") {
  std::vector<CounterSample> out;
  std::uint64_t unparsed = 0;
  WorkloadOptions w = workload(10, 0, 0);
  w.prefix = "app.lg";
  parse_generator_counters(
      "app_lg_m3_total 5\napp_lg_mode_total 1\napp_lg_m_total 2\napp_lg_m4 6\nloadgen_m5_total 1\n"
      "app_lg_m12_total{host=\"a\"} 7\n",
      w, out, unparsed);
  REQUIRE(out.size() == 2);
  CHECK(out[0].id == 3);
  CHECK(out[0].value == 5);
  CHECK(out[1].id == 12);
  CHECK(out[1].value == 7);
  CHECK(unparsed == 0);

  w.prefix = "9lives";  // a leading digit gets '_', as sonde does
  w.tags = 1;
  parse_generator_counters("_9lives_requests_total{id=\"2\"} 1\n", w, out, unparsed);
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == 2);
}

TEST_CASE("a counter that goes down is a reset and is named, one that goes up or stays is not",
          "[loadgen][check]") {
  SeriesCheck c(workload(3), 1000, 1, 0);
  c.observe(exposition({{0, "10"}, {1, "2.5"}, {2, "7"}}), 1);
  CHECK(c.totals().series_checked == 0);  // nothing to compare with yet
  c.observe(exposition({{0, "11"}, {1, "2.25"}, {2, "7"}}), 2);
  CHECK(c.totals().scrapes == 2);
  CHECK(c.totals().series_checked == 3);
  CHECK(c.totals().resets == 1);
  REQUIRE(c.problems().size() == 1);
  CHECK(c.problems()[0] ==
        "t=2.00s: loadgen_requests_total{id=\"1\"} went from 2.5 to 2.25: a reset");
  // The new value is the one compared next.
  c.observe(exposition({{0, "12"}, {1, "2.3"}, {2, "7"}}), 3);
  CHECK(c.totals().resets == 1);
  CHECK(c.totals().series_checked == 3);
}

TEST_CASE("a new series is read, not counted as a problem", "[loadgen][check]") {
  SeriesCheck c(workload(5), 1000, 1, 0);
  c.observe(exposition({{0, "1"}}), 1);
  c.observe(exposition({{0, "2"}, {1, "1"}, {2, "1"}}), 2);
  CHECK(c.totals().series_checked == 1);
  CHECK(c.tracked() == 3);
  c.observe(exposition({{0, "3"}, {1, "1"}, {2, "2"}}), 3);
  CHECK(c.totals().series_checked == 3);
  CHECK(c.totals().resets + c.totals().vanished_live + c.totals().expired == 0);
}

TEST_CASE("a live series that vanishes is reported: with ttl 0 nothing expires",
          "[loadgen][check]") {
  SeriesCheck c(workload(4), 1000, 2, 0);
  c.observe(exposition({{0, "1"}, {1, "1"}, {2, "1"}, {3, "1"}}), 1);
  c.observe(exposition({{0, "2"}, {1, "2"}, {3, "2"}}), 100);
  CHECK(c.totals().vanished_live == 1);
  CHECK(c.totals().expired == 0);
  REQUIRE(c.problems().size() == 1);
  CHECK(c.problems()[0] ==
        "t=100.00s: loadgen_requests_total{id=\"2\"} vanished although it cannot have expired");
  CHECK(c.tracked() == 3);  // forgotten: if it comes back it is a new series
  c.observe(exposition({{0, "3"}, {1, "3"}, {2, "1"}, {3, "3"}}), 101);
  CHECK(c.totals().resets == 0);
  CHECK(c.totals().vanished_live == 1);
}

TEST_CASE("a series churned out expires legitimately once the ttl has passed, not before",
          "[loadgen][check]") {
  // 10 live ids, 10 new a second: id 0 leaves the window at 0.1 s; sent every 10 ms at most
  // (gap 20 ms); ttl 3 s, slack 1 s: it must stay until 0.08 + 3 - 1 = 2.08 s.
  SeriesCheck c(workload(10, 10), 1000, 1, 3);
  CHECK(c.must_be_present(0, 2.0));
  CHECK_FALSE(c.must_be_present(0, 2.1));
  CHECK(c.must_be_present(5, 2.0));  // leaves at 0.6 s
  std::vector<std::pair<std::uint64_t, std::string>> all;
  for (std::uint64_t id = 0; id < 10; ++id) all.push_back({id, "5"});
  c.observe(exposition(all), 0.05);
  // At 1.5 s ids 0..9 have left (window 15..24): gone now, they vanished.
  std::vector<std::pair<std::uint64_t, std::string>> later;
  for (std::uint64_t id = 15; id < 25; ++id) later.push_back({id, "1"});
  c.observe(exposition(later), 1.5);
  CHECK(c.totals().vanished_live == 10);
  // At 10 s the window's ids of 1.5 s have left long ago: gone legitimately.
  c.observe(exposition({{100, "1"}}), 10);
  CHECK(c.totals().expired == 10);
  CHECK(c.totals().vanished_live == 10);
  CHECK(c.totals().resets == 0);
}

TEST_CASE("with a ttl shorter than the send interval live series may expire and come back",
          "[loadgen][check]") {
  // 100 series at 10 lines/s: each is sent every 10 s, the ttl is 2 s.
  SeriesCheck c(workload(100), 10, 1, 2);
  CHECK_FALSE(c.must_be_present(5, 30));
  c.observe(exposition({{5, "3"}, {6, "3"}}), 30);
  c.observe(exposition({{5, "1"}}), 31);  // 5 expired and was sent again; 6 expired
  CHECK(c.totals().resets == 0);
  CHECK(c.totals().vanished_live == 0);
  CHECK(c.totals().expired == 2);
}

TEST_CASE("after the senders stop every series may expire after the ttl", "[loadgen][check]") {
  SeriesCheck c(workload(10), 1000, 1, 5);
  c.observe(exposition({{0, "1"}, {1, "1"}}), 1);
  c.senders_stopped(2);
  CHECK(c.must_be_present(0, 5.5));
  CHECK_FALSE(c.must_be_present(0, 7));
  c.observe(exposition({}), 7);
  CHECK(c.totals().expired == 2);
  CHECK(c.totals().vanished_live == 0);
}

TEST_CASE("ids above the live window and mix's non-counter ids are not the run's counters",
          "[loadgen][check]") {
  SeriesCheck c(workload(10), 1000, 1, 0);
  c.observe(exposition({{3, "5"}, {50, "9"}}), 1);  // 50: another run's series
  c.observe(exposition({{3, "6"}, {50, "1"}}), 2);
  CHECK(c.totals().resets == 0);
  CHECK(c.tracked() == 1);

  WorkloadOptions mix = workload(9);
  mix.type = LineType::mix;
  SeriesCheck m(mix, 1000, 1, 0);
  m.observe(exposition({{0, "5"}, {1, "5"}, {3, "5"}}), 1);
  CHECK(m.tracked() == 2);
  CHECK(has_counters(mix));
  mix.type = LineType::gauge;
  CHECK_FALSE(has_counters(mix));
}

TEST_CASE("the check holds only the series of the last scrape", "[loadgen][check]") {
  // 100 live ids, 100 new a second, ttl 1 s: after 1000 scrapes 100,000 ids were seen.
  SeriesCheck c(workload(100, 100), 100'000, 1, 1.0, 0.1);
  std::size_t most = 0;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    std::vector<std::pair<std::uint64_t, std::string>> s;
    const std::uint64_t from = k * 100 >= 100 ? k * 100 - 100 : 0;  // the last second's too
    for (std::uint64_t id = from; id < k * 100 + 100; ++id) s.push_back({id, std::to_string(k)});
    c.observe(exposition(s), static_cast<double>(k));
    most = std::max(most, c.tracked());
  }
  CHECK(most <= 200);
  CHECK(c.totals().resets == 0);
  CHECK(c.totals().vanished_live == 0);
  CHECK(c.totals().expired > 99'000);
}

TEST_CASE("the command line turns the check on in soak and checks its options",
          "[loadgen][check]") {
  const std::string url = "http://127.0.0.1:9477";
  auto soak =
      parse_command_line({"soak", "--unixgram", "/x", "--sonde", url, "--sample-seconds", "3"});
  REQUIRE(soak.ok());
  CHECK(std::get<RunOptions>(*soak).check_s == 3);
  CHECK(std::get<RunOptions>(*soak).ttl_s == 0);
  auto off = parse_command_line(
      {"soak", "--unixgram", "/x", "--sonde", url, "--check-seconds", "0", "--churn", "5"});
  REQUIRE(off.ok());
  CHECK(std::get<RunOptions>(*off).check_s == 0);
  auto gauges = parse_command_line({"soak", "--unixgram", "/x", "--sonde", url, "--type", "g"});
  REQUIRE(gauges.ok());
  CHECK(std::get<RunOptions>(*gauges).check_s == 0);
  auto steady = parse_command_line({"steady", "--unixgram", "/x", "--sonde", url});
  REQUIRE(steady.ok());
  CHECK(std::get<RunOptions>(*steady).check_s == 0);
  auto asked =
      parse_command_line({"steady", "--unixgram", "/x", "--metrics", url + "/m", "--counter", "c",
                          "--check-seconds", "0.5", "--churn", "2", "--ttl", "60"});
  REQUIRE(asked.ok());
  CHECK(std::get<RunOptions>(*asked).check_s == 0.5);
  CHECK(std::get<RunOptions>(*asked).ttl_s == 60);

  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"soak", "--unixgram", "/x", "--sonde", url, "--churn", "5"}, "needs --ttl"},
      {{"steady", "--unixgram", "/x", "--check-seconds", "1"}, "needs --sonde or --metrics"},
      {{"ramp", "--unixgram", "/x", "--sonde", url, "--check-seconds", "1"}, "ramp pauses"},
      {{"max", "--unixgram", "/x", "--sonde", url, "--check-seconds", "1"}, "max"},
      {{"steady", "--unixgram", "/x", "--sonde", url, "--check-seconds", "1", "--type", "ms"},
       "--type c or mix"},
      {{"soak", "--unixgram", "/x", "--ttl", "-1"}, "--ttl must be"},
  };
  for (const auto& [args, message] : bad) {
    auto r = parse_command_line(args);
    INFO(message);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.message(), Catch::Contains(message));
  }
}
