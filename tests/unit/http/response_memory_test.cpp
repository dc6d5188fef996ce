#include "http/response_memory.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "core/clock.hpp"

namespace sonde::http {
namespace {

using namespace std::chrono_literals;
using Key = ResponseMemory::Key;

TEST_CASE("response memory: concurrent scrapes of one key share one body, counted once",
          "[http][memory]") {
  core::FakeClock clock;
  ResponseMemory m(1 << 20, clock);
  int renders = 0;
  auto render = [&] {
    ++renders;
    return std::string(1000, 'a');
  };
  const Key key{7, 0, false};
  SharedBody a = m.get(key, render);
  SharedBody b = m.get(key, render);
  REQUIRE(a);
  CHECK(a == b);
  CHECK(renders == 1);
  CHECK(m.bytes() == 1000);
  // Another generation, format or encoding is another body.
  SharedBody c = m.get({8, 0, false}, render);
  SharedBody d = m.get({7, 1, false}, render);
  SharedBody e = m.get({7, 0, true}, render);
  CHECK(renders == 4);
  CHECK(m.bytes() == 4000);
  // Bytes are held while a response holds the body, and only then.
  a.reset();
  CHECK(m.bytes() == 4000);
  b.reset();
  CHECK(m.bytes() == 3000);
  c.reset();
  d.reset();
  e.reset();
  CHECK(m.bytes() == 0);
  // Nobody holds it: the next scrape renders afresh.
  a = m.get(key, render);
  CHECK(renders == 5);
}

TEST_CASE("response memory: a scrape that misses while another renders its key waits for it",
          "[http][memory]") {
  ResponseMemory m(1 << 20);
  std::atomic<int> renders{0};
  const Key key{3, 0, false};
  SharedBody second;
  std::atomic<bool> second_done{false};
  std::thread other;
  SharedBody first = m.get(key, [&] {
    ++renders;
    // The second scrape starts now, while this one renders: it must wait, not render.
    other = std::thread([&] {
      second = m.get(key, [&] {
        ++renders;
        return std::string("second");
      });
      second_done = true;
    });
    while (m.waiting() == 0 && !second_done) std::this_thread::yield();
    return std::string("first");
  });
  other.join();
  REQUIRE(first);
  CHECK(*first == "first");
  CHECK(second == first);
  CHECK(renders == 1);
  CHECK(m.bytes() == 5);
}

TEST_CASE("response memory: an old body is shared only when a new one would not fit",
          "[http][memory]") {
  core::FakeClock clock;
  ResponseMemory m(2500, clock);
  int renders = 0;
  auto render = [&] {
    ++renders;
    return std::string(1000, 'a');
  };
  const Key key{1, 0, false};
  SharedBody old = m.get(key, render);
  clock.advance(ResponseMemory::kShareWindow + 1ms);
  SharedBody fresh = m.get(key, render);  // past the window: rendered again (2000 bytes held)
  CHECK(fresh != old);
  CHECK(renders == 2);
  clock.advance(ResponseMemory::kShareWindow + 1ms);
  // A third would pass 2500: the newest live one of the same key is served instead, unrendered.
  SharedBody shared = m.get(key, render);
  CHECK(shared == fresh);
  CHECK(renders == 2);
  // Another key has no body to share: refused, and (the last size says it cannot fit) never
  // rendered.
  CHECK(m.get({2, 0, false}, render) == nullptr);
  CHECK(renders == 2);
  CHECK(m.bytes() == 2000);
  // Freed memory admits new bodies again.
  old.reset();
  CHECK(m.get({2, 0, false}, render) != nullptr);
}

TEST_CASE("response memory: a body larger than the limit is refused after rendering",
          "[http][memory]") {
  ResponseMemory m(100);
  int renders = 0;
  auto render = [&] {
    ++renders;
    return std::string(101, 'a');
  };
  CHECK(m.get({1, 0, false}, render) == nullptr);
  CHECK(m.get({2, 0, false}, render) == nullptr);
  CHECK(renders == 1);  // the second was refused on the first's size
  CHECK(m.bytes() == 0);
  m.set_limit(1000);
  CHECK(m.get({3, 0, false}, render) != nullptr);
}

TEST_CASE("response memory: a body outlives its ResponseMemory", "[http][memory]") {
  SharedBody body;
  {
    ResponseMemory m(1000);
    body = m.get({1, 0, false}, [] { return std::string("x"); });
  }
  CHECK(*body == "x");
  body.reset();  // the deleter must not touch the destroyed ResponseMemory
}

}  // namespace
}  // namespace sonde::http
