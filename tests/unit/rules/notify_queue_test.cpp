// A receiver's notification queue: one entry per alert, the capacity in distinct alerts, the
// oldest dropped and counted (issue 22: 50 distinct alerts into a capacity of 10 drop exactly 40).
#include <catch2/catch.hpp>
#include <string>

#include "rules/notify/queue.hpp"

using namespace sonde;
using namespace sonde::rules;
using notify::AlertQueue;
using notify::Notification;

namespace {

Notification alert(int id, std::int64_t starts = 0, std::int64_t ends = 0) {
  Notification n;
  n.labels = promql::Labels({{"alertname", "A"}, {"id", std::to_string(id)}});
  n.starts_at_ms = starts;
  n.ends_at_ms = ends;
  return n;
}

std::string id(const Notification& n) { return std::string(n.labels.get("id")); }

}  // namespace

TEST_CASE("queue: 50 distinct alerts into a capacity of 10 drop exactly the 40 oldest",
          "[rules][notify]") {
  AlertQueue q(10);
  std::size_t dropped = 0;
  for (int i = 0; i < 50; ++i) dropped += q.push(alert(i));
  CHECK(dropped == 40);
  CHECK(q.size() == 10);
  const auto batch = q.take(64);
  REQUIRE(batch.size() == 10);
  CHECK(id(batch.front()) == "40");
  CHECK(id(batch.back()) == "49");
  CHECK(q.empty());
}

TEST_CASE("queue: a newer state of the same alert replaces the older, not a drop",
          "[rules][notify]") {
  AlertQueue q(3);
  CHECK(q.push(alert(1, 100)) == 0);
  CHECK(q.push(alert(2, 100)) == 0);
  CHECK(q.push(alert(3, 100)) == 0);
  // Alert 1 resolves: its entry is replaced and becomes the newest.
  CHECK(q.push(alert(1, 100, 500)) == 0);
  CHECK(q.size() == 3);
  // A fourth distinct alert drops the oldest, which is now alert 2.
  CHECK(q.push(alert(4, 100)) == 1);
  const auto batch = q.take(10);
  REQUIRE(batch.size() == 3);
  CHECK(id(batch[0]) == "3");
  CHECK(id(batch[1]) == "1");
  CHECK(batch[1].ends_at_ms == 500);
  CHECK(id(batch[2]) == "4");
}

TEST_CASE("queue: batches are taken oldest first, at most the size asked", "[rules][notify]") {
  AlertQueue q(1000);
  for (int i = 0; i < 150; ++i) q.push(alert(i));
  CHECK(q.take(64).size() == 64);
  const auto second = q.take(64);
  REQUIRE(second.size() == 64);
  CHECK(id(second.front()) == "64");
  CHECK(q.take(64).size() == 22);
  CHECK(q.take(64).empty());
  // A taken alert is no longer queued: pushing it again is a new entry.
  CHECK(q.push(alert(0)) == 0);
  CHECK(q.size() == 1);
}

TEST_CASE("queue: a smaller capacity on reload drops the oldest at once", "[rules][notify]") {
  AlertQueue q(10);
  for (int i = 0; i < 10; ++i) q.push(alert(i));
  CHECK(q.set_capacity(4) == 6);
  CHECK(q.capacity() == 4);
  const auto batch = q.take(10);
  REQUIRE(batch.size() == 4);
  CHECK(id(batch.front()) == "6");
  CHECK(q.set_capacity(100) == 0);
}

TEST_CASE("queue: a peeked batch stays queued until acknowledged", "[rules][notify]") {
  AlertQueue q(100);
  for (int i = 0; i < 5; ++i) q.push(alert(i));
  auto held = q.peek(3);
  REQUIRE(held.size() == 3);
  CHECK(id(held[0].n) == "0");
  CHECK(id(held[2].n) == "2");
  CHECK(q.size() == 5);  // a failed send loses nothing
  CHECK(q.peek(3).size() == 3);
  CHECK(q.ack(held) == 3);
  CHECK(q.size() == 2);
  CHECK(id(q.peek(1)[0].n) == "3");
}

TEST_CASE("queue: a state pushed while its batch is in flight survives the acknowledgement",
          "[rules][notify]") {
  AlertQueue q(100);
  q.push(alert(1, 1000));
  q.push(alert(2, 1000));
  const auto held = q.peek(64);
  // Alert 1 resolves while the firing state is being sent.
  q.push(alert(1, 1000, 5000));
  CHECK(q.ack(held) == 1);  // only alert 2's entry went
  REQUIRE(q.size() == 1);
  const auto left = q.peek(64);
  CHECK(id(left[0].n) == "1");
  CHECK(left[0].n.ends_at_ms == 5000);
  // Acknowledging twice, or an entry dropped meanwhile, removes nothing.
  CHECK(q.ack(held) == 0);
}
