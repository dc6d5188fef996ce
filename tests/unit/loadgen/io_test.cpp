#include "loadgen/io.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "loadgen/cli.hpp"
#include "loadgen/sink.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using namespace sonde::loadgen;
namespace fs = std::filesystem;

namespace {

constexpr const char* kExposition =
    "# HELP sonde_ingest_lines_total Lines received.\n"
    "# TYPE sonde_ingest_lines_total counter\n"
    "sonde_ingest_lines_total{listener=\"udp\",result=\"accepted\"} 5\n"
    "sonde_ingest_lines_total{listener=\"unixgram\",result=\"accepted\"} 1200\n"
    "sonde_ingest_lines_total{listener=\"unixgram\",result=\"dropped\"} 3\n"
    "# TYPE other counter\n"
    "other 1\n";

int bound_unixgram(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

}  // namespace

TEST_CASE("the counter is the sum of the samples whose labels include the selector's",
          "[loadgen]") {
  const CounterSelector unixgram{"sonde_ingest_lines_total",
                                 {{"listener", "unixgram"}, {"result", "accepted"}}};
  CHECK(read_counter(kExposition, unixgram).value() == 1200);
  const CounterSelector all_unixgram{"sonde_ingest_lines_total", {{"listener", "unixgram"}}};
  CHECK(read_counter(kExposition, all_unixgram).value() == 1203);
  CHECK(read_counter(kExposition, {"sonde_ingest_lines", {{"listener", "udp"}}}).value() == 5);
  // A selector that matches nothing is an error, never 0: a typo would read as total loss.
  auto none = read_counter(kExposition, {"sonde_ingest_lines_total", {{"listener", "tcp"}}});
  REQUIRE_FALSE(none.ok());
  CHECK(none.message() == "no sample of sonde_ingest_lines_total{listener=\"tcp\"}");
  CHECK_FALSE(read_counter("not an exposition {", unixgram).ok());
}

TEST_CASE("the target's CPU and RSS come from /proc/<pid>/stat", "[loadgen]") {
  test::TempDir dir;
  fs::create_directories(dir.path / "4242");
  fs::copy_file(test::fixture_root() / "hosts/self-process/proc/self/stat", dir.path / "4242/stat");
  auto s = read_process(dir.path, 4242);
  REQUIRE(s.ok());
  // utime 250 + stime 125 ticks; rss 2048 pages (the fixture's fields 14, 15, 24).
  CHECK(s->cpu_seconds == Approx(375.0 / static_cast<double>(::sysconf(_SC_CLK_TCK))));
  CHECK(s->rss_bytes == 2048u * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
  CHECK_FALSE(read_process(dir.path, 4243).ok());
  std::ofstream(dir.path / "4242/stat") << "4242 (cut";
  CHECK_FALSE(read_process(dir.path, 4242).ok());
}

TEST_CASE("lines in a datagram: newline-separated, a final newline ends the last", "[loadgen]") {
  CHECK(count_lines("", 0) == 0);
  CHECK(count_lines("a:1|c", 5) == 1);
  CHECK(count_lines("a:1|c\n", 6) == 1);
  CHECK(count_lines("a:1|c\nb:1|c", 11) == 2);
}

TEST_CASE("a sender's datagrams reach the bare receiver, every line counted", "[loadgen]") {
  test::TempDir dir;
  const fs::path path = dir.path / "sink.sock";
  const int fd = bound_unixgram(path);
  timeval tv{0, 50'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> lines{0}, datagrams{0};
  std::thread rx([&] { receive_datagrams(fd, stop, lines, datagrams); });

  auto sender = Sender::open({Transport::unixgram, path.string()}, true, 0);
  REQUIRE(sender.ok());
  WorkloadOptions o;
  o.lines_per_datagram = 16;
  const Workload w(o);
  std::string d;
  for (std::uint64_t i = 0; i < 100; ++i) {
    w.build(d, i * 16, 0, Framing::datagram);
    REQUIRE((*sender)->send(d) == SendResult::sent);
  }
  CHECK(test::eventually([&] { return lines.load() == 1600; }));
  CHECK(datagrams.load() == 100);
  stop = true;
  rx.join();
  ::close(fd);
}

TEST_CASE("a non-blocking sender is refused by a full queue, a blocking one times out",
          "[loadgen]") {
  test::TempDir dir;
  const fs::path path = dir.path / "full.sock";
  const int fd = bound_unixgram(path);  // never read
  for (const bool blocking : {false, true}) {
    auto sender = Sender::open({Transport::unixgram, path.string()}, blocking, 0);
    REQUIRE(sender.ok());
    const std::string payload(1000, 'x');
    SendResult r = SendResult::sent;
    for (int i = 0; i < 100'000 && r == SendResult::sent; ++i) r = (*sender)->send(payload);
    CHECK(r == (blocking ? SendResult::timeout : SendResult::refused));
  }
  ::close(fd);
  // Nobody listening: a failed send with its errno, not a crash or a hang.
  fs::remove(path);
  CHECK_FALSE(Sender::open({Transport::unixgram, path.string()}, true, 0).ok());
}

TEST_CASE("a batch of datagrams is sent, refused or timed out one by one, as send() would",
          "[loadgen]") {
  test::TempDir dir;
  const fs::path path = dir.path / "batch.sock";
  const int fd = bound_unixgram(path);  // read only at the end
  std::atomic<bool> stop{false};
  auto sender = Sender::open({Transport::unixgram, path.string()}, false, 1u << 20);
  REQUIRE(sender.ok());
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) texts.push_back("loadgen.m:1|c|#id:" + std::to_string(i));
  std::vector<std::string_view> views(texts.begin(), texts.end());
  // Batches of 64 into a queue nobody reads: it takes what it holds, the rest is refused.
  std::size_t sent = 0, refused = 0;
  for (std::size_t i = 0; i < views.size(); i += Sender::kMaxBatch) {
    const auto b = (*sender)->send_datagrams(
        std::span(views).subspan(i, std::min(Sender::kMaxBatch, views.size() - i)), stop);
    CHECK(b.done == std::min(Sender::kMaxBatch, views.size() - i));
    CHECK(b.sent + b.refused == b.done);
    CHECK(b.failed == 0);
    sent += b.sent;
    refused += b.refused;
  }
  CHECK(sent >= 1);
  CHECK(refused >= 1);
  CHECK(sent + refused == views.size());
  // What was taken is the first `sent`, in order: nothing refused came before it.
  char got[256];
  for (std::size_t i = 0; i < sent; ++i) {
    const ssize_t n = ::recv(fd, got, sizeof got, MSG_DONTWAIT);
    REQUIRE(n > 0);
    REQUIRE(std::string_view(got, static_cast<std::size_t>(n)) == views[i]);
  }
  CHECK(::recv(fd, got, sizeof got, MSG_DONTWAIT) < 0);

  // Blocking, into the queue filled again: it waits (100 ms a try) until stopped, and says how
  // many it attempted; those it never sent are not counted as refused.
  auto blocking = Sender::open({Transport::unixgram, path.string()}, true, 1u << 20);
  REQUIRE(blocking.ok());
  std::size_t filled = 0;
  while ((*sender)->send(views[0]) == SendResult::sent) ++filled;
  REQUIRE(filled >= 1);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    stop = true;
  });
  const auto b = (*blocking)->send_datagrams(std::span(views).first(10), stop);
  stopper.join();
  CHECK(b.done == 0);
  CHECK(b.sent + b.refused + b.failed == 0);
  ::close(fd);
  // Nobody listening any more: each one failed, with its errno.
  const auto gone = (*sender)->send_datagrams(std::span(views).first(3), stop);
  CHECK(gone.done == 3);
  CHECK(gone.failed == 3);
  CHECK((*sender)->last_errno() != 0);
}

TEST_CASE("the command line fills the options and refuses bad values by name", "[loadgen]") {
  auto c = parse_command_line({"ramp", "--unixgram", "/run/x.sock", "--series=500", "--tags", "3",
                               "--lines-per-datagram", "16", "--rate", "1000", "--ramp-step", "500",
                               "--sonde", "http://127.0.0.1:9477/metrics", "--pid", "77",
                               "--nonblocking"});
  REQUIRE(c.ok());
  const auto& r = std::get<RunOptions>(*c);
  CHECK(r.mode == Mode::ramp);
  CHECK(r.target.address == "/run/x.sock");
  CHECK(r.workload.series == 500);
  CHECK(r.workload.tags == 3);
  CHECK(r.workload.lines_per_datagram == 16);
  CHECK(r.rate == 1000);
  CHECK(r.ramp_step == 500);
  CHECK(r.pid == 77);
  CHECK_FALSE(r.blocking);
  REQUIRE(r.counter);
  CHECK(r.counter->to_string() ==
        "sonde_ingest_lines_total{listener=\"unixgram\",result=\"accepted\"}");

  CHECK(r.metrics_url == "http://127.0.0.1:9477/metrics");
  // A base URL means sonde's /metrics.
  for (const std::string base : {"http://127.0.0.1:9477", "http://127.0.0.1:9477/"}) {
    auto b = parse_command_line({"steady", "--udp", "127.0.0.1:8125", "--sonde", base});
    REQUIRE(b.ok());
    CHECK(std::get<RunOptions>(*b).metrics_url == "http://127.0.0.1:9477/metrics");
  }

  auto peer =
      parse_command_line({"steady", "--udp", "127.0.0.1:8125", "--metrics", "http://127.0.0.1:1/m",
                          "--counter", "statsd_lines_total", "--counter-label", "job=x"});
  REQUIRE(peer.ok());
  CHECK(std::get<RunOptions>(*peer).counter->to_string() == "statsd_lines_total{job=\"x\"}");

  auto sink = parse_command_line({"sink", "--unixgram", "/tmp/s.sock"});
  REQUIRE(sink.ok());
  CHECK(std::get<SinkOptions>(*sink).transport == "unixgram");

  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"fast", "--udp", "x:1"}, "unknown mode \"fast\""},
      {{"steady"}, "give one target"},
      {{"steady", "--udp", "a:1", "--unixgram", "/x"}, "give one target"},
      {{"steady", "--unixgram", "/x", "--series", "0"}, "--series must be"},
      {{"steady", "--unixgram", "/x", "--rate", "fast"}, "--rate must be"},
      {{"steady", "--unixgram", "/x", "--bogus", "1"}, "unknown option --bogus"},
      {{"steady", "--unixgram", "/x", "--rate"}, "--rate needs a value"},
      {{"steady", "--unixgram", "/x", "--type", "q"}, "--type must be"},
      {{"steady", "--unixstream", "/x", "--framing", "crlf"}, "--framing must be"},
      {{"steady", "--unixgram", "/x", "--counter", "a"}, "--counter needs --metrics"},
      {{"steady", "--unixgram", "/x", "--metrics", "http://h/m"}, "--metrics needs --counter"},
      {{"steady", "--unixgram", "/x", "--counter-label", "novalue", "--metrics", "http://h/m",
        "--counter", "c"},
       "--counter-label must be NAME=VALUE"},
  };
  for (const auto& [args, message] : bad) {
    auto r2 = parse_command_line(args);
    INFO(args[0] << " " << message);
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.message().find(message) != std::string::npos);
  }
  CHECK(std::holds_alternative<Help>(*parse_command_line({"--help"})));
}
