// StreamFramer without a socket: what each framing hands out, for any split of the bytes.
#include "ingest/stream_framer.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

using namespace sonde::ingest;

namespace {

struct Recorder final : StreamFramer::Sink {
  void payload(std::string_view b) override { got.emplace_back(b); }
  void reject(DropReason r, std::string_view shown) override {
    rejected.emplace_back(std::string(reason_name(r)) + ":" + std::string(shown));
  }
  std::vector<std::string> got, rejected;
};

/// Feeds `bytes` in reads of at most `chunk` bytes, then EOF; false if the framer closed.
bool feed(StreamFramer& f, Recorder& r, std::string_view bytes, std::size_t chunk) {
  while (!bytes.empty()) {
    const auto space = f.space();
    REQUIRE_FALSE(space.empty());
    const std::size_t n = std::min({chunk, space.size(), bytes.size()});
    std::memcpy(space.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    if (!f.received(n, r)) return false;
  }
  f.finish(r);
  return true;
}

std::string frame(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(n >> (8 * i));
  return out + std::string(payload);
}

/// The lines handed out, joined: splits change how lines are grouped, never which.
std::string joined(const Recorder& r) {
  std::string s;
  for (const auto& g : r.got) s += g + "\n";
  return s;
}

}  // namespace

TEST_CASE("newline framing: the same lines for every read size", "[ingest][framer]") {
  const std::string bytes = "a:1|c\nb:2|g\n\nc:3|ms";  // the last line has no '\n'
  for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    INFO("chunk " << chunk);
    StreamFramer f(StreamFraming::newline, 64, 1024);
    Recorder r;
    REQUIRE(feed(f, r, bytes, chunk));
    CHECK(joined(r) == "a:1|c\nb:2|g\n\nc:3|ms\n");
    CHECK(r.rejected.empty());
    CHECK(f.buffered() == 0);
  }
}

TEST_CASE("newline framing: an over-long line is rejected once and skipped", "[ingest][framer]") {
  const std::string longline(40, 'x');
  const std::string bytes = "ok:1|c\n" + longline + "\nafter:1|c\n";
  for (std::size_t chunk : {1u, 3u, 7u, 16u, 100u}) {
    INFO("chunk " << chunk);
    StreamFramer f(StreamFraming::newline, 16, 1024);  // lines of at most 16 bytes
    Recorder r;
    REQUIRE(feed(f, r, bytes, chunk));
    CHECK(joined(r) == "ok:1|c\nafter:1|c\n");
    REQUIRE(r.rejected.size() == 1);
    CHECK(r.rejected[0].rfind("line_too_long:", 0) == 0);
  }
  // A line of exactly max_line_bytes fits.
  StreamFramer f(StreamFraming::newline, 16, 1024);
  Recorder r;
  REQUIRE(feed(f, r, std::string(16, 'y') + "\n", 5));
  CHECK(r.got == std::vector<std::string>{std::string(16, 'y')});
  CHECK(r.rejected.empty());
}

TEST_CASE("length-prefixed framing: one payload per frame, for every read size",
          "[ingest][framer]") {
  const std::string bytes = frame("a:1|c\nb:2|c") + frame("") + frame("c:3|g");
  for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    INFO("chunk " << chunk);
    StreamFramer f(StreamFraming::length_prefixed, 64, 32);
    Recorder r;
    REQUIRE(feed(f, r, bytes, chunk));
    CHECK(r.got == std::vector<std::string>{"a:1|c\nb:2|c", "", "c:3|g"});
    CHECK(r.rejected.empty());
  }
}

TEST_CASE("length-prefixed framing: a frame cut short at EOF is malformed", "[ingest][framer]") {
  StreamFramer f(StreamFraming::length_prefixed, 64, 32);
  Recorder r;
  const std::string bytes = frame("whole") + frame("cut short").substr(0, 7);
  REQUIRE(feed(f, r, bytes, 4));
  CHECK(r.got == std::vector<std::string>{"whole"});
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].rfind("malformed:", 0) == 0);
}

TEST_CASE("length-prefixed framing: a header over the limit closes the connection",
          "[ingest][framer]") {
  StreamFramer f(StreamFraming::length_prefixed, 64, 32);
  Recorder r;
  // Text sent to a length-prefixed socket: "a:1|" is a length of 0x7c313a61.
  CHECK_FALSE(feed(f, r, frame("first") + "a:1|c\n", 100));
  CHECK(r.got == std::vector<std::string>{"first"});
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0] == "frame_too_long:a:1|c\n");
  CHECK(f.rejected_length() == 0x7c313a61u);
  // A frame of exactly the limit is fine.
  StreamFramer g(StreamFraming::length_prefixed, 64, 32);
  Recorder q;
  REQUIRE(feed(g, q, frame(std::string(32, 'z')), 9));
  CHECK(q.got == std::vector<std::string>{std::string(32, 'z')});
}
