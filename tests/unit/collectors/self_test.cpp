#include "collectors/self.hpp"

#include <unistd.h>

#include <filesystem>
#include <vector>

#include "collector_test_util.hpp"
#include "core/build_info.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

// 52 fields as Linux 6.1 prints them; comm is the only part that varies in these cases.
std::string stat_line(const std::string& comm) {
  return "4242 (" + comm +
         ") S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 125 0 0 20 0 7 0 360000 123456789 2048 "
         "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

TEST_CASE("parse_proc_pid_stat finds the fields after the last ')'", "[collectors][self]") {
  for (const std::string comm : {"sonde", "a b", "x) (y", "))", "", "(", "sonde) S 9 9 9"}) {
    SECTION("comm \"" + comm + "\"") {
      const auto s = parse_proc_pid_stat(stat_line(comm));
      REQUIRE(s.ok());
      CHECK(s->comm == comm);
      CHECK(s->state == 'S');
      CHECK(s->utime == 250);
      CHECK(s->stime == 125);
      CHECK(s->starttime == 360000);
      CHECK(s->vsize == 123456789);
      CHECK(s->rss == 2048);
    }
  }
}

TEST_CASE("parse_proc_pid_stat rejects damaged lines", "[collectors][self]") {
  struct Case {
    const char* name;
    std::string text;
  };
  const Case cases[] = {
      {"empty", ""},
      {"no comm", "4242 S 1 2 3"},
      {"cut after comm", "4242 (sonde) S 1 4242"},
      {"cut before rss",
       "4242 (sonde) S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 125 0 0 20 0 7 "
       "0 360000 123456789"},
      {"garbage utime",
       "4242 (sonde) S 1 4242 4242 0 -1 4194560 1200 0 3 0 x 125 0 0 20 0 7 0 "
       "360000 123456789 2048"},
      {"state of two letters",
       "4242 (sonde) SS 1 4242 4242 0 -1 4194560 1200 0 3 0 250 125 0 0 "
       "20 0 7 0 360000 123456789 2048"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) { CHECK_FALSE(parse_proc_pid_stat(c.text).ok()); }
  }
}

TEST_CASE("parse_max_open_files reads the soft limit", "[collectors][self]") {
  const std::string header =
      "Limit                     Soft Limit           Hard Limit           Units     \n";
  CHECK(parse_max_open_files(
            header + "Max open files            1024                 1048576    files\n") == 1024u);
  CHECK(parse_max_open_files(header +
                             "Max open files            unlimited            unlimited  files\n") ==
        UINT64_MAX);
  CHECK_FALSE(parse_max_open_files(header).has_value());
  CHECK_FALSE(parse_max_open_files(header + "Max open files            lots    lots    files\n")
                  .has_value());
  CHECK(parse_soft_limit(header + "Max address space         4294967296  unlimited  bytes\n",
                         "Max address space") == 4294967296u);
  CHECK_FALSE(parse_soft_limit(header, "Max address space").has_value());
}

TEST_CASE("self collector reads a process's /proc", "[collectors][self]") {
  SelfCollector c{host("self-process") / "proc"};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 0);
  const double tck = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  CHECK(sink.value("process_cpu_seconds_total") == Approx(375 / tck));
  CHECK(sink.value("process_virtual_memory_bytes") == 123456789.0);
  CHECK(sink.value("process_resident_memory_bytes") == 2048 * page);
  CHECK(sink.value("process_open_fds") == 4.0);
  CHECK(sink.value("process_max_fds") == 1024.0);
  // "unlimited" is 2^64-1, as client_golang publishes it (1.8446744073709552e+19).
  CHECK(sink.value("process_virtual_memory_max_bytes") == 18446744073709551615.0);
  CHECK(sink.samples.at("process_virtual_memory_max_bytes").help ==
        "Maximum amount of virtual memory available in bytes.");
  CHECK(sink.value("process_start_time_seconds") == Approx(1700000000.0 + 360000 / tck));
  CHECK(sink.samples.at("process_cpu_seconds_total").type == core::MetricType::counter);
  CHECK(sink.samples.at("process_cpu_seconds_total").help ==
        "Total user and system CPU time spent in seconds.");
  CHECK(sink.samples.at("process_start_time_seconds").help ==
        "Start time of the process since unix epoch in seconds.");
  CHECK(sink.samples.at("process_max_fds").help == "Maximum number of open file descriptors.");
  const std::string build = std::string(R"(sonde_build_info{version=")") + core::build::kVersion +
                            R"(",revision=")" + core::build::kRevision + R"(",compiler=")" +
                            core::build::kCompiler + R"("})";
  CHECK(sink.value(build) == 1.0);
}

TEST_CASE("self collector reads this process by default", "[collectors][self]") {
  SelfCollector c;
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 0);
  CHECK(sink.value("process_open_fds").value_or(0) >= 3);
  CHECK(sink.value("process_resident_memory_bytes").value_or(0) > 0);
  CHECK(sink.value("process_start_time_seconds").value_or(0) > 1.6e9);
  CHECK(sink.value("process_max_fds").value_or(0) > 0);
}

TEST_CASE("self collector counts this process's descriptors as a listing does",
          "[collectors][self]") {
  // Linux >= 6.2 gives the count as /proc/self/fd's size; older kernels and fixture trees are
  // listed. Either way the value is the listing's, and it follows descriptors opened and closed.
  auto listed = [] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return static_cast<double>(n - 1);  // the listing's own descriptor
  };
  SelfCollector c;
  // The first attempt opens the /proc files it keeps open (core::KeptFiles) after counting.
  RecordingSink warm;
  REQUIRE(c.collect(warm).ok());
  RecordingSink before;
  REQUIRE(c.collect(before).ok());
  CHECK(before.value("process_open_fds").value_or(-1) == listed());
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(::dup(0));
  RecordingSink after;
  REQUIRE(c.collect(after).ok());
  CHECK(after.value("process_open_fds").value_or(-1) ==
        before.value("process_open_fds").value_or(0) + 5);
  CHECK(after.value("process_open_fds") == listed());
  for (const int fd : fds) ::close(fd);
  RecordingSink closed;
  REQUIRE(c.collect(closed).ok());
  CHECK(closed.value("process_open_fds").value_or(-1) ==
        before.value("process_open_fds").value_or(0));
  // The start time is read once and stays put.
  CHECK(closed.value("process_start_time_seconds") == before.value("process_start_time_seconds"));
}

TEST_CASE("self collector fails without /proc/self/stat", "[collectors][self]") {
  SelfCollector c{host("empty") / "proc"};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
}

TEST_CASE("self collector's factory ignores the host root", "[collectors][self]") {
  const collectors::CollectorsOptions options;
  const CollectorContext ctx{options, core::HostPaths::under(host("empty")),
                             core::SystemClock::instance()};
  const auto c = make_self(ctx);
  RecordingSink sink;
  CHECK(c->collect(sink).ok());
}

}  // namespace
}  // namespace sonde::collectors
