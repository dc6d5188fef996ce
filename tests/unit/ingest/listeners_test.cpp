#include "ingest/listeners.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

using namespace sonde;
using namespace sonde::ingest;
namespace fs = std::filesystem;

namespace {

using sonde::test::TempDir;

/// The value of one series of the aggregator's own families, -1 when absent.
double sample(Aggregator& agg, const std::string& series) {
  core::SnapshotBuilder b;
  agg.collect(b);
  for (const auto& f : b.take().families) {
    for (const auto& s : f.samples) {
      if (s.series == series) return s.value;
    }
  }
  return -1;
}

double accepted(Aggregator& agg, const std::string& listener) {
  return sample(agg, "sonde_ingest_lines_total{listener=\"" + listener + "\",result=\"accepted\"}");
}

bool wait_accepted(Aggregator& agg, const std::string& listener, double n) {
  return test::eventually([&] { return accepted(agg, listener) >= n; });
}

}  // namespace

TEST_CASE("unixgram listener receives, truncates oversized datagrams, stops promptly",
          "[ingest][listeners]") {
  TempDir dir;
  ingest::IngestOptions o;
  o.unixgram.path = dir.path / "dsd.sock";
  o.max_datagram_bytes = 512;
  Aggregator agg(o, nullptr);
  auto l = make_unixgram_listener(agg, o);
  REQUIRE(l->start().ok());
  CHECK(l->address() == o.unixgram.path.string());

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, o.unixgram.path.c_str());
  const std::string small = "a:1|c\nb:2|g";
  REQUIRE(::sendto(fd, small.data(), small.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                   sizeof addr) > 0);
  // 615 bytes: the first line is whole, the second is cut at 512 bytes (one `truncated` line).
  const std::string big = "c:1|c\nd:1|c|#t:" + std::string(600, 'x');
  REQUIRE(::sendto(fd, big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) >
          0);
  // Cut right after a '\n' (2 empty lines + 85 lines of 6 bytes = 512): the 85 lines that
  // arrived are whole, none is counted as cut; the 10 after them are lost with their 60 bytes.
  std::string even = "\n\n";
  for (int i = 0; i < 95; ++i) even += "e:1|c\n";
  REQUIRE(::sendto(fd, even.data(), even.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                   sizeof addr) > 0);
  ::close(fd);
  CHECK(wait_accepted(agg, "unixgram", 3 + 85));
  CHECK(agg.dropped(DropReason::truncated) == 1);
  CHECK(agg.dropped(DropReason::line_too_long) == 0);
  CHECK(sample(agg, "sonde_ingest_truncated_datagrams_total{listener=\"unixgram\"}") == 2);
  CHECK(sample(agg, "sonde_ingest_truncated_bytes_total{listener=\"unixgram\"}") ==
        static_cast<double>(big.size() - 512 + 60));
  CHECK(sample(agg, "sonde_ingest_lines_total{listener=\"unixgram\",result=\"malformed\"}") == 1);

  // stop() wakes the blocked receive itself (no receive timeout to wait out): the deadline only
  // catches a listener that never stops.
  auto stopped = std::async(std::launch::async, [&] { l->stop(); });
  REQUIRE(stopped.wait_for(test::kEventually) == std::future_status::ready);
  CHECK(!fs::exists(o.unixgram.path));  // removed at stop
}

TEST_CASE("udp listener binds port 0 and counts lines", "[ingest][listeners]") {
  ingest::IngestOptions o;
  o.udp.address = "127.0.0.1:0";
  o.udp.receive_buffer_bytes = 65536;
  Aggregator agg(o, nullptr);
  auto l = make_udp_listener(agg, o);
  REQUIRE(l->start().ok());
  const std::string a = l->address();
  const auto port = static_cast<std::uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
  CHECK(port != 0);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string msg = "x:1|c\ny:2|ms";
  REQUIRE(::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sin), sizeof sin) >
          0);
  ::close(fd);
  CHECK(wait_accepted(agg, "udp", 2));
  l->stop();
}

TEST_CASE("unix listeners without a path bind in the runtime directory they are given",
          "[ingest][listeners]") {
  TempDir dir;
  const fs::path runtime = dir.path / "run";  // missing: created 0700
  ingest::IngestOptions o;
  Aggregator agg(o, nullptr);
  auto gram = make_unixgram_listener(agg, o, runtime);
  REQUIRE(gram->start().ok());
  CHECK(gram->address() == (runtime / "dsd.sock").string());
  struct stat st {};
  REQUIRE(::stat(runtime.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto stream = make_unixstream_listener(agg, o, runtime);
  REQUIRE(stream->start().ok());
  CHECK(stream->address() == (runtime / "dsd-stream.sock").string());
  gram->stop();
  stream->stop();
  CHECK_FALSE(fs::exists(runtime / "dsd.sock"));

  // No configured path and no runtime directory: an error, never a guess.
  auto none = make_unixgram_listener(agg, o);
  const auto st2 = none->start();
  REQUIRE_FALSE(st2.ok());
  CHECK(st2.message() == "no socket path and no runtime directory to put it in");
}

TEST_CASE("unixstream length-prefixed: a length over the limit is frame_too_long and closes",
          "[ingest][listeners]") {
  TempDir dir;
  ingest::IngestOptions o;
  o.unixstream.path = dir.path / "dsd-stream.sock";
  o.unixstream.framing = ingest::StreamFraming::length_prefixed;
  o.max_datagram_bytes = 512;
  Aggregator agg(o, nullptr);
  auto l = make_unixstream_listener(agg, o);
  REQUIRE(l->start().ok());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, o.unixstream.path.c_str());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const auto frame = [](std::string_view payload) {
    const auto n = static_cast<std::uint32_t>(payload.size());
    std::string out{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                    static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
    return out + std::string(payload);
  };
  // One good frame, a header of 513 bytes (one over), then a frame that must not count.
  const std::string bytes =
      frame("a:1|c") + std::string("\x01\x02\x00\x00", 4) + std::string(513, 'x') + frame("b:1|c");
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  const timeval limit{5, 0};  // only catches a listener that never closes
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char c = 0;
  const ssize_t n = ::read(fd, &c, 1);
  CHECK((n == 0 || (n < 0 && errno == ECONNRESET)));  // closed by the listener
  ::close(fd);
  CHECK(wait_accepted(agg, "unixstream", 1));
  CHECK(agg.dropped(DropReason::frame_too_long) == 1);
  CHECK(sample(agg, "sonde_ingest_lines_total{listener=\"unixstream\",result=\"malformed\"}") == 1);
  CHECK(accepted(agg, "unixstream") == 1);
  l->stop();
}
