#include "remote/remote_write.hpp"

#include <catch2/catch.hpp>
#include <chrono>

#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/temp_dir.hpp"

using namespace sonde;
using namespace std::chrono_literals;
using test::HttpTestServer;

namespace {

remote::QueueSettings entry(const std::string& url, const std::string& name,
                            const std::filesystem::path& dir) {
  remote::QueueSettings s;
  s.options.url = *net::parse_url(url);
  s.options.name = name;
  s.options.interval = 1s;
  s.options.queue.batch_send_deadline = 10ms;
  s.options.queue.min_backoff = 10ms;
  s.options.queue.max_backoff = 50ms;
  s.options.metadata.send = false;
  s.options.http.timeout = 2s;
  s.options.buffer.directory = dir;
  return s;
}

bool has_segment(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".seg") return true;
  }
  return false;
}

}  // namespace

TEST_CASE("remote write: a reload deletes a removed entry's buffer, a kept one continues",
          "[remote][buffer]") {
  // A receiver that is down: batches stay in the buffers.
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(503, "down"); });
  test::TempDir tmp;
  const auto dir_a = tmp.path / "remote-write" / "a";
  const auto dir_b = tmp.path / "remote-write" / "b";
  core::Board board;
  board.add_live("app", [](core::SnapshotBuilder& b) { b.gauge("app_up", "Up.", {}, 1); });
  remote::RemoteWrite rw(board, std::make_shared<prometheus::Registry>(), "sonde/t");
  rw.update({entry(server.url("/a"), "a", dir_a), entry(server.url("/b"), "b", dir_b)});
  rw.start();
  REQUIRE(test::eventually([&] { return has_segment(dir_a) && has_segment(dir_b); }));

  // b removed, a changed (its interval): b's buffer goes, a's successor takes a's.
  auto a = entry(server.url("/a"), "a", dir_a);
  a.options.interval = 2s;
  rw.update({a});
  CHECK_FALSE(std::filesystem::exists(dir_b));
  CHECK(has_segment(dir_a));
  rw.update({a});  // unchanged: carries on
  CHECK(rw.queues() == 1);
  rw.stop();
  CHECK(has_segment(dir_a));
}
