// The aggregator's pointer tables (ptr_table.hpp): inserts, finds and erases, with hashes that
// collide on purpose so that probe runs wrap and backward-shift deletion is exercised.
#include "ingest/ptr_table.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#if SONDE_PTR_TABLE_ASAN
#include <sanitizer/lsan_interface.h>
#endif

namespace sonde::ingest {
namespace {

/// Values are (key << 4), keys hash to few distinct home slots (key % 5, spread to the top
/// bits too, so that the 16-bit tags collide as well).
struct Colliding {
  static std::uint64_t hash(std::uintptr_t v) {
    const std::uint64_t k = v >> 4;
    const std::uint64_t h = (k % 5) * 0x9e3779b97f4a7c15ULL;
    return h | 15;  // the same home slot for keys of one class, near the table's end
  }
};

std::uintptr_t value(std::uint64_t key) { return static_cast<std::uintptr_t>(key << 4); }

std::uintptr_t find(const PtrTable<Colliding>& t, std::uint64_t key) {
  return t.find(Colliding::hash(value(key)), [&](std::uintptr_t v) { return v == value(key); });
}

TEST_CASE("pointer table: what is inserted is found, what is erased is gone", "[ingest][table]") {
  PtrTable<Colliding> t;
  CHECK(find(t, 1) == 0);
  std::map<std::uint64_t, bool> in;
  std::mt19937_64 rng(17);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t k = 1 + rng() % 300;
    if (in[k]) {
      REQUIRE(t.erase(Colliding::hash(value(k)), value(k)));
      in[k] = false;
    } else {
      t.insert(Colliding::hash(value(k)), value(k));
      in[k] = true;
    }
    if (step % 97 == 0) {
      std::size_t held = 0;
      for (const auto& [key, present] : in) {
        CHECK((find(t, key) == value(key)) == present);
        held += present ? 1 : 0;
      }
      CHECK(t.size() == held);
    }
  }
  std::size_t visited = 0;
  t.for_each([&](std::uintptr_t v) {
    CHECK(in[v >> 4]);
    ++visited;
  });
  CHECK(visited == t.size());
  CHECK_FALSE(t.erase(Colliding::hash(value(999)), value(999)));
  t.clear();
  CHECK(t.empty());
  CHECK(find(t, 1) == 0);
}

TEST_CASE("pointer table: hash_bytes depends on every byte and the length", "[ingest][table]") {
  CHECK(hash_bytes("abc") == hash_bytes("abc"));
  CHECK(hash_bytes("abc") != hash_bytes("abd"));
  CHECK(hash_bytes("loadgen.counter|c|id:1") != hash_bytes("loadgen.counter|c|id:2"));
  CHECK(hash_bytes(std::string_view("a\0", 2)) != hash_bytes("a"));
  CHECK(hash_bytes("") != hash_bytes(std::string_view("\0", 1)));
}

}  // namespace
}  // namespace sonde::ingest

namespace sonde::ingest {
namespace {

struct ByObject {
  static std::uint64_t hash(std::uintptr_t v) { return hash_bytes(std::to_string(v)); }
};

}  // namespace

TEST_CASE("pointer table: objects held only by a table are live to LeakSanitizer",
          "[ingest][table]") {
  // The aggregator's series are reachable only through these tables; with hash bits stored
  // above the pointers, libFuzzer's leak check (dogstatsd_parser) reported them as leaks.
  PtrTable<ByObject> t;
  std::vector<std::uintptr_t> held;
  for (int i = 0; i < 100; ++i) {
    const auto v = reinterpret_cast<std::uintptr_t>(new std::uint64_t(i));
    t.insert(ByObject::hash(v), v);
    held.push_back(v);
  }
  for (const std::uintptr_t v : held) {
    REQUIRE(t.find(ByObject::hash(v), [&](std::uintptr_t c) { return c == v; }) == v);
  }
  held.clear();
  held.shrink_to_fit();
#if SONDE_PTR_TABLE_ASAN
  CHECK(__lsan_do_recoverable_leak_check() == 0);
#endif
  std::size_t freed = 0;
  t.for_each([&](std::uintptr_t v) {
    delete reinterpret_cast<std::uint64_t*>(v);
    ++freed;
  });
  t.clear();
  CHECK(freed == 100);
}

}  // namespace sonde::ingest
