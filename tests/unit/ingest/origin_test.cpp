#include "ingest/origin.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/read_file.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/listeners.hpp"
#include "scrape.hpp"
#include "support/eventually.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kId1 = "3f9c0d1e2b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716f5e4d3c2b1a09";
const std::string kId2 = "aa9c0d1e2b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716f5e4d3c2b1abb";
const std::string kUid = "7d1c4f2e-9a3b-4c5d-8e6f-0a1b2c3d4e5f";
const std::string kUidSlice = "7d1c4f2e_9a3b_4c5d_8e6f_0a1b2c3d4e5f";

std::string kubelet_cgroup(const std::string& id) {
  return "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidSlice +
         ".slice/cri-containerd-" + id + ".scope\n";
}

std::string stat_line(int pid, std::uint64_t start) {
  // Field 2 with spaces and a ')' inside, as a hostile or odd process name can have.
  return std::to_string(pid) + " (a) b) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " +
         std::to_string(start) + " 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0\n";
}

struct FakeProc {
  FakeProc() {
    char tmpl[] = "/tmp/sonde-origin-XXXXXX";
    root = ::mkdtemp(tmpl);
  }
  ~FakeProc() { fs::remove_all(root); }
  void process(int pid, std::uint64_t start, const std::string& cgroup) {
    fs::create_directories(root / std::to_string(pid));
    std::ofstream(root / std::to_string(pid) / "stat") << stat_line(pid, start);
    std::ofstream(root / std::to_string(pid) / "cgroup") << cgroup;
  }
  void exit(int pid) { fs::remove_all(root / std::to_string(pid)); }
  fs::path root;
};

constexpr std::int64_t kTtl = std::chrono::nanoseconds(60s).count();
constexpr std::int64_t kRecheck = std::chrono::nanoseconds(50ms).count();

std::uint64_t resolved(const OriginStats& s, OriginResult r) {
  return s.resolved[static_cast<std::size_t>(r)].load();
}

}  // namespace

TEST_CASE("parse_stat_start_time reads field 22 after the last ')'", "[ingest][origin]") {
  CHECK(parse_stat_start_time(stat_line(42, 123456789)) == 123456789u);
  CHECK(parse_stat_start_time(
            "1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 17 1 2 3\n") == 17u);
  CHECK(!parse_stat_start_time(""));
  CHECK(!parse_stat_start_time("1 (x) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0"));  // short
  CHECK(!parse_stat_start_time("1 (x) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 1x 1"));
  CHECK(!parse_stat_start_time("1 x S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 5 1"));
  CHECK(!parse_stat_start_time("1 (x)  S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 5 1"));
  // The real file of this process parses.
  auto self = core::read_text("/proc/self/stat");
  REQUIRE(self.ok());
  CHECK(parse_stat_start_time(*self).has_value());
}

TEST_CASE("parse_container_field takes the forms DogStatsD clients send", "[ingest][origin]") {
  std::string_view id;
  CHECK(parse_container_field(kId1, id) == ContainerField::id);
  CHECK(id == kId1);
  const std::string tagged = "ci-" + kId2;  // `id` points into the text it was given
  CHECK(parse_container_field(tagged, id) == ContainerField::id);
  CHECK(id == kId2);
  CHECK(parse_container_field("ci-abc.def_1-2,in-12345", id) == ContainerField::id);
  CHECK(id == "abc.def_1-2");
  CHECK(parse_container_field("in-12345", id) == ContainerField::inode);
  CHECK(parse_container_field("", id) == ContainerField::invalid);
  CHECK(parse_container_field("ci-", id) == ContainerField::invalid);
  CHECK(parse_container_field("a b", id) == ContainerField::invalid);
  CHECK(parse_container_field("x\"y", id) == ContainerField::invalid);
  CHECK(parse_container_field(std::string(129, 'a'), id) == ContainerField::invalid);
  CHECK(parse_container_field(std::string(128, 'a'), id) == ContainerField::id);
  CHECK(parse_container_field("ci-a,ci-b", id) == ContainerField::invalid);
  CHECK(parse_container_field("a,b", id) == ContainerField::invalid);
}

TEST_CASE("origin cache: labels by pid and start time; a reused pid is not misattributed",
          "[ingest][origin]") {
  FakeProc proc;
  OriginStats stats;
  OriginCache cache(proc.root, 16, kTtl, kRecheck, stats);
  proc.process(100, 5000, kubelet_cgroup(kId1));

  auto a = cache.lookup(100, 0);
  REQUIRE(a);
  CHECK(a->container_id == kId1);
  CHECK(a->pod_uid == kUid);
  CHECK(resolved(stats, OriginResult::container) == 1);
  CHECK(cache.lookup(100, 1) == a);         // checked less than kRecheck ago: not read again
  CHECK(cache.lookup(100, kRecheck) == a);  // start time read again: the same process
  CHECK(resolved(stats, OriginResult::container) == 1);
  CHECK(stats.entries == 1);

  SECTION("the pid now belongs to another process, in another container") {
    proc.process(100, 9000, kubelet_cgroup(kId2));
    auto b = cache.lookup(100, 2 * kRecheck);
    REQUIRE(b);
    CHECK(b->container_id == kId2);
    CHECK(stats.pid_reused == 1);
    CHECK(resolved(stats, OriginResult::container) == 2);
  }
  SECTION("the pid now belongs to a host process") {
    proc.process(100, 9000, "0::/user.slice/user-0.slice/session-1.scope\n");
    CHECK(cache.lookup(100, 2 * kRecheck) == nullptr);
    CHECK(stats.pid_reused == 1);
    CHECK(resolved(stats, OriginResult::no_container) == 1);
  }
  SECTION("a sender gone since it sent keeps its labels while they are fresh") {
    proc.exit(100);
    CHECK(cache.lookup(100, 2 * kRecheck) == a);
    CHECK(cache.lookup(100, kTtl + 10) == nullptr);  // expired: cannot be resolved again
    CHECK(resolved(stats, OriginResult::unknown) == 1);
    CHECK(stats.entries == 0);
  }
  SECTION("expired labels are read again (a process moved to another cgroup)") {
    proc.process(100, 5000, kubelet_cgroup(kId2));
    CHECK(cache.lookup(100, kTtl / 2) == a);
    auto b = cache.lookup(100, kTtl + 10);
    REQUIRE(b);
    CHECK(b->container_id == kId2);
    CHECK(stats.pid_reused == 0);
  }
  SECTION("processes of one container share one origin") {
    proc.process(101, 7000, kubelet_cgroup(kId1));
    CHECK(cache.lookup(101, 5) == a);
  }
  SECTION("with no recheck interval (unixstream, per connection) every lookup checks") {
    OriginStats stream_stats;
    OriginCache every(proc.root, 16, kTtl, 0, stream_stats);
    CHECK(every.lookup(100, 0)->container_id == kId1);  // its own cache: its own origins
    proc.process(100, 9000, kubelet_cgroup(kId2));
    auto b = every.lookup(100, 0);
    REQUIRE(b);
    CHECK(b->container_id == kId2);
    CHECK(stream_stats.pid_reused == 1);
  }
}

TEST_CASE("origin cache: host processes, unknown senders, a bounded size", "[ingest][origin]") {
  FakeProc proc;
  OriginStats stats;
  OriginCache cache(proc.root, 2, kTtl, kRecheck, stats);
  proc.process(7, 1, "0::/system.slice/sshd.service\n");
  CHECK(cache.lookup(7, 0) == nullptr);
  CHECK(cache.lookup(7, kRecheck) == nullptr);
  CHECK(resolved(stats, OriginResult::no_container) == 1);  // remembered as "none"

  CHECK(cache.lookup(0, 0) == nullptr);     // no credentials / not in our PID namespace
  CHECK(cache.lookup(4242, 0) == nullptr);  // no such process
  CHECK(resolved(stats, OriginResult::unknown) == 2);
  proc.process(8, 1, "garbage");
  CHECK(cache.lookup(8, 0) == nullptr);
  CHECK(resolved(stats, OriginResult::no_container) == 2);
  proc.process(9, 1, kubelet_cgroup(kId1));
  std::ofstream(proc.root / "9" / "stat") << "9 (x) S";  // no start time in it
  CHECK(cache.lookup(9, 0) == nullptr);
  CHECK(resolved(stats, OriginResult::unknown) == 3);

  for (int pid = 10; pid < 15; ++pid) {
    proc.process(pid, 1, kubelet_cgroup(kId1));
    CHECK(cache.lookup(pid, pid) != nullptr);
  }
  CHECK(cache.size() == 2);
  CHECK(stats.entries == 2);
  CHECK(stats.evictions == 5);  // 7 and 8 filled it: each of the five found it full
}

namespace {

using unit::scrape;

Origin make_origin(std::uint64_t id, std::string container, std::string pod) {
  Origin o;
  o.id = id;
  o.container_id = std::move(container);
  o.pod_uid = std::move(pod);
  return o;
}

}  // namespace

TEST_CASE("aggregator: origin labels are part of the series key", "[ingest][origin]") {
  IngestOptions o;
  o.origin_detection = true;
  core::FakeClock clock;
  Aggregator agg(o, nullptr, clock);
  Worker& w = agg.worker("unixgram");
  const Origin a = make_origin(1001, kId1, kUid);
  const Origin b = make_origin(1002, kId2, "");

  agg.ingest(w, "req:1|c|#route:/a", &a);
  agg.ingest(w, "req:2|c|#route:/a", &b);
  agg.ingest(w, "req:4|c|#route:/a", nullptr);
  agg.ingest(w, "req:8|c|#route:/a,container_id:forged", &a);  // the kernel's answer wins
  agg.ingest(w, "req:16|c|#route:/a|c:" + kId2, &a);           // so it does over |c:
  agg.ingest(w, "req:32|c|#route:/a|c:ci-" + kId2, nullptr);   // |c: for a sender without one
  agg.ingest(w, "req:64|c|#route:/a|c:in-123", nullptr);
  agg.ingest(w, "req:128|c|#route:/a|c:bad\"id", nullptr);
  agg.ingest(w, "_sc|db|2|#x:y", &a);
  agg.ingest(w, "_e{2,2}:hi|yo|c:" + kId2, nullptr);
  auto s = scrape(agg);
  const std::string la = "container_id=\"" + kId1 + "\",pod_uid=\"" + kUid + "\"";
  CHECK(s["req_total{" + la + ",route=\"/a\"}"] == 1 + 8 + 16);
  CHECK(s["req_total{container_id=\"" + kId2 + "\",route=\"/a\"}"] == 2 + 32);
  CHECK(s["req_total{route=\"/a\"}"] == 4 + 64 + 128);
  CHECK(s["sonde_app_service_check_status{check=\"db\"," + la + ",x=\"y\"}"] == 2);
  CHECK(s.count("sonde_app_events_total{alert_type=\"info\",container_id=\"" + kId2 +
                "\",priority=\"normal\",title=\"hi\"}") == 1);
  CHECK(agg.field_ignored(FieldIgnored::overridden) == 1);
  CHECK(agg.field_ignored(FieldIgnored::inode) == 1);
  CHECK(agg.field_ignored(FieldIgnored::invalid) == 1);
  CHECK(s["sonde_ingest_container_field_ignored_total{reason=\"overridden\"}"] == 1);
}

TEST_CASE("aggregator: origin series get origin_ttl, others keep theirs", "[ingest][origin]") {
  IngestOptions o;
  o.origin_detection = true;
  o.origin_ttl = 5min;
  core::FakeClock clock;
  Aggregator agg(o, nullptr, clock);
  Worker& w = agg.worker("unixgram");
  const Origin a = make_origin(7, kId1, kUid);
  agg.ingest(w, "g:1|g", &a);
  agg.ingest(w, "g:2|g", nullptr);
  CHECK(agg.series_count() == 2);
  clock.advance(5min + 1s);
  scrape(agg);
  CHECK(agg.series_count() == 1);
  CHECK(scrape(agg).count("g{container_id=\"" + kId1 + "\",pod_uid=\"" + kUid + "\"}") == 0);
  // A series that comes back after expiring is registered again, with its origin.
  agg.ingest(w, "g:3|g", &a);
  CHECK(scrape(agg)["g{container_id=\"" + kId1 + "\",pod_uid=\"" + kUid + "\"}"] == 3);
}

TEST_CASE("aggregator: origin detection off ignores |c: and keeps the plain key",
          "[ingest][origin]") {
  Aggregator agg(IngestOptions{}, nullptr);
  Worker& w = agg.worker("unixgram");
  agg.ingest(w, "req:1|c|c:" + kId1);
  agg.ingest(w, "req:1|c");
  auto s = scrape(agg);
  CHECK(s["req_total"] == 2);
  CHECK(s.count("sonde_ingest_container_field_ignored_total{reason=\"invalid\"}") == 0);
}

namespace {

bool wait_for(Aggregator& agg, const std::string& series, double value) {
  return test::eventually([&] {
    auto s = scrape(agg);
    const auto it = s.find(series);
    return it != s.end() && it->second == value;
  });
}

int connect_unix(const fs::path& path, int type) {
  const int fd = ::socket(AF_UNIX, type, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

TEST_CASE("listeners read the sender's pid from the kernel (SCM_CREDENTIALS, SO_PEERCRED)",
          "[ingest][origin][listeners]") {
  // This process, as seen through a procfs whose cgroup file puts it in a kubelet container:
  // its real start time, so the cache's check of it passes.
  FakeProc proc;
  auto stat = core::read_text("/proc/self/stat");
  REQUIRE(stat.ok());
  const int pid = ::getpid();
  fs::create_directories(proc.root / std::to_string(pid));
  std::ofstream(proc.root / std::to_string(pid) / "stat") << *stat;
  std::ofstream(proc.root / std::to_string(pid) / "cgroup") << kubelet_cgroup(kId1);

  IngestOptions o;
  o.origin_detection = true;
  o.unixgram.path = proc.root / "dsd.sock";
  o.unixstream.path = proc.root / "dsd-stream.sock";
  Aggregator agg(o, nullptr);
  auto gram = make_unixgram_listener(agg, o, {}, proc.root);
  auto stream = make_unixstream_listener(agg, o, {}, proc.root);
  REQUIRE(gram->start().ok());
  REQUIRE(stream->start().ok());

  const int g = connect_unix(o.unixgram.path, SOCK_DGRAM);
  REQUIRE(::send(g, "x:1|c", 5, 0) == 5);
  REQUIRE(::send(g, "x:2|c", 5, 0) == 5);
  ::close(g);
  const int s = connect_unix(o.unixstream.path, SOCK_STREAM);
  REQUIRE(::send(s, "y:5|g\n", 6, 0) == 6);
  ::close(s);

  const std::string labels = "{container_id=\"" + kId1 + "\",pod_uid=\"" + kUid + "\"}";
  CHECK(wait_for(agg, "x_total" + labels, 3));
  CHECK(wait_for(agg, "y" + labels, 5));
  auto m = scrape(agg);
  CHECK(m["sonde_ingest_origin_resolved_total{listener=\"unixgram\",result=\"container\"}"] == 1);
  CHECK(m["sonde_ingest_origin_resolved_total{listener=\"unixstream\",result=\"container\"}"] == 1);
  CHECK(m["sonde_ingest_origin_cache_entries{listener=\"unixgram\"}"] == 1);
  gram->stop();
  stream->stop();
}
