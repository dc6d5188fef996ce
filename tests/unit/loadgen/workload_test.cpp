#include "loadgen/workload.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <set>

#include "ingest/dogstatsd.hpp"

using namespace sonde;
using namespace sonde::loadgen;

namespace {

WorkloadOptions options(std::uint32_t series, std::uint32_t tags, std::uint32_t per_datagram) {
  WorkloadOptions o;
  o.series = series;
  o.tags = tags;
  o.lines_per_datagram = per_datagram;
  return o;
}

std::vector<std::string> split_lines(const std::string& payload) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= payload.size()) {
    const auto nl = payload.find('\n', at);
    if (nl == std::string::npos) {
      if (at < payload.size()) out.push_back(payload.substr(at));
      break;
    }
    out.push_back(payload.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("lines name the series by its id, in the name or in the id tag", "[loadgen]") {
  std::string out;
  Workload(options(10, 0, 1)).append_line(out, 7, 0);
  CHECK(out == "loadgen.m7:1|c");
  out.clear();
  Workload(options(10, 2, 1)).append_line(out, 7, 0);
  CHECK(out == "loadgen.requests:1|c|#id:7,t1:v7");
  out.clear();
  Workload(options(10, 3, 1)).append_line(out, 9, 0);
  CHECK(out == "loadgen.requests:1|c|#id:9,t1:v1,t2:v2");
}

TEST_CASE("every type's lines parse as DogStatsD with the tags asked for", "[loadgen]") {
  for (const char* type : {"c", "g", "ms", "h", "d", "s", "mix"}) {
    auto t = parse_line_type(type);
    REQUIRE(t.ok());
    for (std::uint32_t tags : {0u, 1u, 2u, 5u}) {
      auto o = options(50, tags, 1);
      o.type = *t;
      o.prefix = "bench.x_1";
      const Workload w(o);
      std::set<std::string> distinct;
      for (std::uint64_t id = 0; id < 50; ++id) {
        std::string line;
        w.append_line(line, id, id);
        ingest::ParsedLine p;
        INFO(line);
        REQUIRE(ingest::parse_line(line, {}, p) == ingest::ParseError::ok);
        CHECK(p.metric.tag_count == tags);
        CHECK(p.metric.name.substr(0, 8) == "bench.x_");
        distinct.insert(std::string(p.metric.name) + "|" + std::string(p.metric.tags));
      }
      CHECK(distinct.size() == 50);  // one series per id
    }
  }
  CHECK_FALSE(parse_line_type("counter").ok());
}

TEST_CASE("a datagram holds consecutive series, framed as the transport asks", "[loadgen]") {
  const Workload w(options(5, 0, 3));
  std::string d;
  w.build(d, 4, 0, Framing::datagram);
  CHECK(d == "loadgen.m4:1|c\nloadgen.m0:1|c\nloadgen.m1:1|c");

  std::string nl;
  w.build(nl, 4, 0, Framing::newline);
  CHECK(nl == d + "\n");

  std::string lp;
  w.build(lp, 4, 0, Framing::length_prefixed);
  REQUIRE(lp.size() == d.size() + 4);
  const auto* b = reinterpret_cast<const unsigned char*>(lp.data());
  CHECK(std::uint32_t{b[0]} + (std::uint32_t{b[1]} << 8) + (std::uint32_t{b[2]} << 16) +
            (std::uint32_t{b[3]} << 24) ==
        d.size());
  CHECK(lp.substr(4) == d);
}

TEST_CASE("the ring covers every series equally and repeats exactly", "[loadgen]") {
  const Workload w(options(6, 2, 4));
  const auto ring = w.ring(Framing::datagram, 1000);
  REQUIRE(ring.size() == 3);  // lcm(6, 4) = 12 lines
  std::map<std::string, int> seen;
  for (const auto& d : ring) {
    const auto lines = split_lines(d);
    CHECK(lines.size() == 4);
    for (const auto& l : lines) ++seen[l];
  }
  CHECK(seen.size() == 6);
  for (const auto& [line, n] : seen) CHECK(n == 2);
  // What follows the ring is its start again.
  std::string next;
  w.build(next, 12, 0, Framing::datagram);
  CHECK(next == ring[0]);

  CHECK(w.ring(Framing::datagram, 11).empty());  // larger than allowed: built as sent
  auto churning = options(6, 2, 4);
  churning.churn = 1;
  CHECK(Workload(churning).ring(Framing::datagram, 1000).empty());
}

TEST_CASE("churn moves the window of live series at the rate asked", "[loadgen]") {
  auto o = options(100, 2, 1);
  o.churn = 10;
  const Workload w(o);
  CHECK(w.window_base(0) == 0);
  CHECK(w.window_base(2.55) == 25);
  CHECK(w.series_at(0, 2.55) == 25);
  CHECK(w.series_at(99, 2.55) == 124);
  CHECK(w.series_at(100, 2.55) == 25);
  CHECK(Workload(options(100, 2, 1)).window_base(1e6) == 0);
}

TEST_CASE("workload options out of range are refused by name", "[loadgen]") {
  auto o = options(0, 2, 1);
  CHECK(validate(o).message().find("--series") != std::string::npos);
  o = options(1, 65, 1);
  CHECK(validate(o).message().find("--tags") != std::string::npos);
  o = options(1, 2, 0);
  CHECK(validate(o).message().find("--lines-per-datagram") != std::string::npos);
  o = options(1, 2, 1);
  o.churn = -1;
  CHECK(validate(o).message().find("--churn") != std::string::npos);
  o.churn = 0;
  o.prefix = "a b";
  CHECK(validate(o).message().find("--prefix") != std::string::npos);
  o.prefix = "ok.name_1";
  CHECK(validate(o).ok());
}

TEST_CASE("the pacer lets through what the rate allows and no more", "[loadgen]") {
  Pacer p(1000);
  CHECK(p.due(0) == 0);
  CHECK(p.due(0.0105) == 10);
  p.sent(10);
  CHECK(p.due(0.0105) == 0);
  CHECK(p.next_due_s(0.0105) == Approx(0.011));
  CHECK(p.due(0.0105, 4) == 0);
  CHECK(p.due(0.02, 4) == 4);  // at most the batch asked for
  p.sent(4);
  CHECK(p.due(0.02) == 6);
}

TEST_CASE("a rate change keeps what was due, without a burst or a gap", "[loadgen]") {
  Pacer p(1000);
  p.sent(p.due(0.04));
  CHECK(p.due(0.04) == 0);
  p.set_rate(2000, 0.04);
  CHECK(p.due(0.05) == 20);
  p.sent(20);
  p.set_rate(100, 0.05);
  CHECK(p.due(0.09) == 4);
  CHECK(p.rate() == 100);
}

TEST_CASE("a sender that falls behind forgets the excess and counts it", "[loadgen]") {
  Pacer p(1000, 0.05);
  CHECK(p.due(10, 1'000'000) == 50);  // 10,000 due, 50 (0.05 s) kept
  CHECK(p.skipped() == 9950);
  p.sent(50);
  CHECK(p.due(10, 1'000'000) == 0);
  CHECK(p.due(10.01, 1'000'000) == 10);
}

TEST_CASE("after a pause the pacer starts again with nothing owed", "[loadgen]") {
  Pacer p(1000);
  p.sent(p.due(0.04));
  p.restart(500, 5.0);
  CHECK(p.due(5.0) == 0);
  CHECK(p.due(5.02) == 10);
  CHECK(p.skipped() == 0);
}

TEST_CASE("rate 0 means as fast as the sender can", "[loadgen]") {
  Pacer p(0);
  CHECK(p.due(0, 64) == 64);
  p.sent(64);
  CHECK(p.due(0, 64) == 64);
  CHECK(p.next_due_s(3) == 3);
}

TEST_CASE("a sender that was stopped pays its backlog back at catch_up x the rate", "[loadgen]") {
  Pacer p(100'000, 0.05, 1.25);  // a burst of 100 (1 ms), then 125,000/s
  p.sent(p.due(0.001, 1'000'000));
  CHECK(p.due(0.001) == 0);
  // Stopped for 10 ms: 1,000 owed, 100 of them at once.
  CHECK(p.due(0.011, 1'000'000) == 100);
  p.sent(100);
  CHECK(p.due(0.011, 1'000'000) == 0);
  CHECK(p.next_due_s(0.011) == Approx(0.011 + 1.0 / 125'000));
  CHECK(p.due(0.012, 1'000'000) == 100);  // 1 ms at 1.25 x the rate, held to the burst
  p.sent(100);
  // Sending all it may, it is back on its schedule once 300 + 125,000 (t - 0.012) reaches
  // 100,000 t: at t = 0.048.
  double t = 0.012;
  std::uint64_t most = 0;
  while (t < 0.06) {
    t += 0.0005;
    const std::uint64_t n = p.due(t, 1'000'000);
    most = std::max(most, n);
    p.sent(n);
  }
  CHECK(most <= 63);  // never more than 0.5 ms at 1.25 x
  CHECK(p.due(0.06, 1'000'000) <= 1);
  CHECK(p.behind_s(0.06) < 1e-4);
  CHECK(p.skipped() == 0);
}

TEST_CASE("catch_up 0 sends the whole backlog at once", "[loadgen]") {
  Pacer p(100'000, 0.05, 0);
  p.sent(p.due(0.001, 1'000'000));
  CHECK(p.due(0.011, 1'000'000) == 1000);
  CHECK(p.behind_s(0.011) == Approx(0.01));
}
