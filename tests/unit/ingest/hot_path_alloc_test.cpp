// Proves the hot path allocates nothing: 10,000 lines to counters, gauges and histograms that
// already exist go through the aggregator while a replaced global operator new counts calls.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"

// The replacements below pair malloc with free on purpose; g++ 12 at -O2 cannot see that
// through inlining and warns (-Wmismatched-new-delete).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations++;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations++;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace sonde;

TEST_CASE("hot path: 10,000 lines to existing series allocate nothing", "[ingest][alloc]") {
  core::FakeClock clock;
  ingest::IngestOptions o;
  o.ttl = std::chrono::seconds(60);  // TTL bookkeeping is on the hot path too
  ingest::Aggregator agg(o, nullptr, clock);
  ingest::Worker& w = agg.worker("alloc");
  const std::string lines[] = {
      "api.requests:1|c|#route:/users,method:GET,status:200",
      "api.requests:3|c|@0.5|#status:200,route:/users,method:GET",  // another tag order
      "api.inflight:+1|g|#route:/users",
      "api.inflight:7|g|#route:/users",
      "api.latency:12.5|ms|#route:/users",
      "api.size:2048|h|@0.25|#route:/users",
      "api.dist:0.3:0.7|d",
  };
  for (const auto& l : lines) agg.ingest(w, l);  // first sight: the slow path may allocate
  const std::uint64_t before = agg.series_count();

  // The counter works: one visible allocation is seen.
  g_allocations = 0;
  g_counting = true;
  auto probe = std::make_unique<std::string>(100, 'x');
  g_counting = false;
  REQUIRE(g_allocations.load() >= 1);

  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 10'000; ++i) agg.ingest(w, lines[static_cast<std::size_t>(i) % 7]);
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  CHECK(agg.series_count() == before);

  core::SnapshotBuilder b;
  agg.collect(b);
  double accepted = 0, requests = 0;
  for (const auto& f : b.take().families) {
    for (const auto& s : f.samples) {
      if (s.series == "sonde_ingest_lines_total{listener=\"alloc\",result=\"accepted\"}") {
        accepted = s.value;
      }
      if (s.series == "api_requests_total{method=\"GET\",route=\"/users\",status=\"200\"}") {
        requests = s.value;
      }
    }
  }
  CHECK(accepted == 10'007);
  // 1 + 6 per pair of lines: 1,429 first-kind and 1,429 second-kind lines in the loop, plus
  // the two warm-up lines.
  CHECK(requests == (1 + 1429) * 1 + (1 + 1429) * 6);
}

TEST_CASE("hot path with origin detection: lines from known senders allocate nothing",
          "[ingest][alloc][origin]") {
  core::FakeClock clock;
  ingest::IngestOptions o;
  o.origin_detection = true;
  ingest::Aggregator agg(o, nullptr, clock);
  ingest::Worker& w = agg.worker("alloc");
  ingest::Origin a;
  a.id = 1;
  a.container_id = std::string(64, 'a');
  a.pod_uid = "7d1c4f2e-9a3b-4c5d-8e6f-0a1b2c3d4e5f";
  ingest::Origin b;
  b.id = 2;
  b.container_id = std::string(64, 'b');
  const std::string lines[] = {
      "api.requests:1|c|#route:/users,method:GET", "api.latency:12.5|ms|#route:/users",
      "api.requests:1|c|#route:/users|c:ci-" + std::string(64, 'c'),  // |c: on every line
  };
  const ingest::Origin* origins[] = {&a, &b, nullptr};
  for (const auto* origin : origins) {
    for (const auto& l : lines) agg.ingest(w, l, origin);  // the slow path may allocate
  }
  const std::uint64_t before = agg.series_count();
  // Three series per origin: the |c: field is overridden for a and b, names a third container
  // for the sender without one.
  CHECK(before == 9);

  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 9'000; ++i) {
    agg.ingest(w, lines[static_cast<std::size_t>(i) % 3],
               origins[static_cast<std::size_t>(i / 3) % 3]);
  }
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  CHECK(agg.series_count() == before);
}

TEST_CASE("hot path: set values already seen allocate nothing", "[ingest][alloc]") {
  core::FakeClock clock;
  ingest::Aggregator agg(ingest::IngestOptions{}, nullptr, clock);
  ingest::Worker& w = agg.worker("alloc");
  // Values longer than a std::string's inline buffer: a copy of one would allocate.
  const std::string lines[] = {
      "users.uniques:alice.example.com.user-000001|s|#app:web",
      "users.uniques:bob.example.com.user-0000000002:carol.example.com.user-000003|s|#app:web",
  };
  for (const auto& l : lines) agg.ingest(w, l);
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1'000; ++i) agg.ingest(w, lines[static_cast<std::size_t>(i) % 2]);
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  core::SnapshotBuilder b;
  agg.collect(b);
  double distinct = -1;
  for (const auto& f : b.take().families) {
    for (const auto& s : f.samples) {
      if (s.series == "users_uniques{app=\"web\"}") distinct = s.value;
    }
  }
  CHECK(distinct == 3);
}
