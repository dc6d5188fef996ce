#include "core/read_file.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "core/rate_limit.hpp"

using namespace sonde;

TEST_CASE("read_text reads /proc files that report size 0", "[core][read_file]") {
  auto r = core::read_text("/proc/self/status");
  REQUIRE(r.ok());
  CHECK(r->find("Name:") != std::string::npos);
}

TEST_CASE("read_text names the path when it fails", "[core][read_file]") {
  auto r = core::read_text("/nonexistent/sonde/file");
  REQUIRE_FALSE(r.ok());
  CHECK(r.message() == "/nonexistent/sonde/file: No such file or directory");
}

TEST_CASE("read_text refuses files beyond its limit", "[core][read_file]") {
  const auto path = std::filesystem::temp_directory_path() / "sonde_read_file_test.txt";
  {
    std::ofstream f(path);
    f << std::string(100, 'x');
  }
  CHECK(core::read_text(path, 1000).ok());
  auto r = core::read_text(path, 50);
  REQUIRE_FALSE(r.ok());
  CHECK(r.message().find("larger than 50 bytes") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("for_each_line splits without copying", "[core][read_file]") {
  std::vector<std::string> lines;
  core::for_each_line("a b\n\nc", [&](std::string_view l) { lines.emplace_back(l); });
  CHECK(lines == std::vector<std::string>{"a b", "", "c"});
  lines.clear();
  core::for_each_line("x\n", [&](std::string_view l) { lines.emplace_back(l); });
  CHECK(lines == std::vector<std::string>{"x"});
}

TEST_CASE("the log rate limiter lets a burst through, then counts", "[core][rate_limit]") {
  core::LogRateLimiter lim(std::chrono::seconds(10), 2);
  const auto t0 = std::chrono::steady_clock::time_point{};
  std::uint64_t suppressed = 99;
  CHECK(lim.allow("k", t0, suppressed));
  CHECK(suppressed == 0);
  CHECK(lim.allow("k", t0, suppressed));
  CHECK_FALSE(lim.allow("k", t0, suppressed));
  CHECK_FALSE(lim.allow("k", t0, suppressed));
  CHECK(lim.allow("other", t0, suppressed));
  CHECK(lim.allow("k", t0 + std::chrono::seconds(11), suppressed));
  CHECK(suppressed == 2);
}
