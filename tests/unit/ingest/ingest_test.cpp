#include "ingest/ingest.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "config/mapping.hpp"
#include "scrape.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

using namespace sonde;
using namespace sonde::ingest;
namespace fs = std::filesystem;

namespace {

using sonde::test::TempDir;

std::shared_ptr<const Mapper> mapper(const std::string& yaml) {
  auto spec = config::load_mapping_string(yaml, "m.yml");
  REQUIRE(spec.ok());
  auto m = Mapper::compile(std::move(*spec));
  REQUIRE(m.ok());
  return std::make_shared<const Mapper>(std::move(*m));
}

const std::string kMapping = "mappings:\n- match: a.*\n  name: a\n  labels: {x: $1}\n";

// A UDP socket bound to a free loopback port: its address, and the fd holding it.
struct TakenPort {
  int fd = -1;
  std::string address;
  TakenPort() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~TakenPort() { ::close(fd); }
};

void send_unixgram(const fs::path& path, const std::string& text) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

bool wait_value(Aggregator& agg, const std::string& series, double v) {
  return test::eventually([&] {
    const auto all = unit::scrape(agg);
    const auto it = all.find(series);
    return it != all.end() && it->second == v;
  });
}

}  // namespace

TEST_CASE("reload plan: what of ingest survives a reload", "[ingest][reload]") {
  const IngestOptions base;
  const auto m1 = mapper(kMapping);
  const auto m1_again = mapper(kMapping);  // the same file compiled again
  const auto m2 = mapper("mappings:\n- match: b.*\n  name: b\n");
  const fs::path proc = "/proc";

  CHECK(plan_reload(base, nullptr, proc, base, nullptr, proc) == Reload::keep);
  CHECK(plan_reload(base, m1.get(), proc, base, m1_again.get(), proc) == Reload::keep);

  // Listener options only: new sockets, the series carry on.
  IngestOptions sockets = base;
  sockets.udp.enabled = true;
  sockets.unixgram.path = "/run/other.sock";
  sockets.max_datagram_bytes = 1024;
  sockets.batch_size = 8;
  CHECK(plan_reload(base, m1.get(), proc, sockets, m1_again.get(), proc) == Reload::new_listeners);
  // A new procfs root matters only with origin detection (the listeners read cgroups there).
  IngestOptions origin = base;
  origin.origin_detection = true;
  CHECK(plan_reload(base, nullptr, proc, base, nullptr, "/host/proc") == Reload::keep);
  CHECK(plan_reload(origin, nullptr, proc, origin, nullptr, "/host/proc") == Reload::new_listeners);

  // The aggregation: a new aggregator.
  IngestOptions limits = base;
  limits.max_series = 10;
  CHECK(plan_reload(base, nullptr, proc, limits, nullptr, proc) == Reload::new_aggregator);
  IngestOptions buckets = base;
  buckets.histogram_buckets = {1, 2};
  CHECK(plan_reload(base, nullptr, proc, buckets, nullptr, proc) == Reload::new_aggregator);
  CHECK(plan_reload(base, m1.get(), proc, base, m2.get(), proc) == Reload::new_aggregator);
  CHECK(plan_reload(base, nullptr, proc, base, m1.get(), proc) == Reload::new_aggregator);
  CHECK(plan_reload(base, m1.get(), proc, base, nullptr, proc) == Reload::new_aggregator);
  // A mapping file renamed but equal in content maps alike: only the option differs.
  IngestOptions renamed = base;
  renamed.mapping_file = "/etc/sonde/other.yml";
  CHECK(plan_reload(base, m1.get(), proc, renamed, m1_again.get(), proc) == Reload::new_listeners);
}

TEST_CASE("reload: new listeners keep the series; a failed start restores the old ones",
          "[ingest][reload]") {
  TempDir dir;
  core::Board board;
  IngestOptions o;
  o.unixgram.path = dir.path / "dsd.sock";
  auto running = Ingest::create(o, nullptr, dir.path);
  REQUIRE(running->start(board).ok());
  send_unixgram(o.unixgram.path, "hits:3|c");
  REQUIRE(wait_value(running->aggregator(), "hits_total", 3));

  SECTION("same aggregation: the same aggregator serves the new sockets") {
    IngestOptions next = o;
    next.unixgram.path = dir.path / "new.sock";
    auto [plan, successor] = running->successor(next, nullptr, dir.path, {});
    REQUIRE(plan == Reload::new_listeners);
    REQUIRE(Ingest::replace(running, std::move(successor), board).ok());
    CHECK(!fs::exists(o.unixgram.path));
    send_unixgram(next.unixgram.path, "hits:2|c");
    CHECK(wait_value(running->aggregator(), "hits_total", 5));
  }
  SECTION("nothing changed: no successor") {
    auto [plan, successor] = running->successor(o, nullptr, dir.path, {});
    CHECK(plan == Reload::keep);
    CHECK(successor == nullptr);
  }
  SECTION("a new aggregation starts afresh") {
    IngestOptions next = o;
    next.max_series = 100;
    auto [plan, successor] = running->successor(next, nullptr, dir.path, {});
    REQUIRE(plan == Reload::new_aggregator);
    REQUIRE(Ingest::replace(running, std::move(successor), board).ok());
    send_unixgram(o.unixgram.path, "hits:1|c");
    CHECK(wait_value(running->aggregator(), "hits_total", 1));
  }
  SECTION("a listener that cannot bind: the previous listeners come back") {
    TakenPort taken;
    IngestOptions next = o;
    next.udp.enabled = true;
    next.udp.address = taken.address;
    Aggregator* before = &running->aggregator();
    auto [plan, successor] = running->successor(next, nullptr, dir.path, {});
    REQUIRE(plan == Reload::new_listeners);
    const auto st = Ingest::replace(running, std::move(successor), board);
    REQUIRE(!st.ok());
    CHECK(st.message().find("udp") != std::string::npos);
    CHECK(&running->aggregator() == before);
    send_unixgram(o.unixgram.path, "hits:4|c");
    CHECK(wait_value(running->aggregator(), "hits_total", 7));
  }
  running->stop();
}
