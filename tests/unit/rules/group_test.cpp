// Rule groups (group.cpp) without the manager: slots, rule compilation, evaluation order,
// recording rules' output, an alert's steps through `for` and keep_firing_for, the group limit,
// staleness markers, and what a group needs from the history.
#include "rules/group.hpp"

#include <catch2/catch.hpp>

using namespace sonde;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;  // ms

}  // namespace

TEST_CASE("group slots: an offset from the group's hash plus multiples of its interval",
          "[rules][manager]") {
  rules::Group g("f.yml", "g", 15'000, 0, {});
  const std::int64_t t = g.eval_timestamp(kStart);
  CHECK(t <= kStart);
  CHECK(kStart - t < 15'000);
  CHECK(g.eval_timestamp(kStart + 15'000) == t + 15'000);
  CHECK(g.eval_timestamp(t) == t);
  CHECK(g.eval_timestamp(t - 1) == t - 15'000);
  // Another group of the same name in another file gets its own offset.
  rules::Group h("other.yml", "g", 15'000, 0, {});
  CHECK(h.eval_timestamp(kStart) != t);
}
