#include "core/logging.hpp"

#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/captured_log.hpp"

using namespace sonde;

namespace {

std::string escaped(std::string_view text) {
  spdlog::memory_buf_t buf;
  core::append_json_string_body(text, buf);
  return fmt::to_string(buf);
}

}  // namespace

using test::CapturedLog;

TEST_CASE("json log: quotes, backslashes and named escapes", "[core][logging]") {
  CHECK(escaped("plain text") == "plain text");
  CHECK(escaped(R"(a "quoted" path\to)") == R"(a \"quoted\" path\\to)");
  CHECK(escaped("line\nnext\r\ttab") == R"(line\nnext\r\ttab)");
}

TEST_CASE("json log: every other control character and DEL as \\u00XX", "[core][logging]") {
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\n' || c == '\r' || c == '\t') continue;
    const std::string in(1, static_cast<char>(c));
    char want[7];
    std::snprintf(want, sizeof want, "\\u%04x", c);
    CHECK(escaped(in) == want);
  }
  CHECK(escaped(std::string_view("\0", 1)) == "\\u0000");
  CHECK(escaped("\x7f") == "\\u007f");
}

TEST_CASE("json log: valid UTF-8 passes, each invalid byte becomes U+FFFD", "[core][logging]") {
  CHECK(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(escaped("\xff") == "\\ufffd");
  CHECK(escaped("a\x80z") == "a\\ufffdz");                               // a lone continuation byte
  CHECK(escaped("\xc3") == "\\ufffd");                                   // truncated at the end
  CHECK(escaped("\xc3(") == "\\ufffd(");                                 // truncated before ASCII
  CHECK(escaped("\xc0\xaf") == "\\ufffd\\ufffd");                        // overlong '/'
  CHECK(escaped("\xe0\x80\xaf") == "\\ufffd\\ufffd\\ufffd");             // overlong, three bytes
  CHECK(escaped("\xed\xa0\x80") == "\\ufffd\\ufffd\\ufffd");             // a UTF-16 surrogate
  CHECK(escaped("\xf4\x90\x80\x80") == "\\ufffd\\ufffd\\ufffd\\ufffd");  // above U+10FFFF
  CHECK(escaped("\xf4\x8f\xbf\xbf") == "\xf4\x8f\xbf\xbf");              // U+10FFFF itself
}

TEST_CASE("json log: every line is one JSON object holding the message", "[core][logging]") {
  CapturedLog log("");
  core::apply_log_options({core::LogLevel::info, core::LogFormat::json});
  std::string hostile;
  for (int c = 0; c < 256; ++c) hostile += static_cast<char>(c);
  const std::string messages[] = {"ready", R"(path "C:\dir" quoted)", "two\nlines", hostile};
  for (const auto& m : messages) spdlog::info("{}", m);
  spdlog::debug("below the level");

  std::istringstream lines(log.text());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    const auto j = nlohmann::json::parse(line);  // throws on invalid JSON or UTF-8
    CHECK(j.at("level") == "info");
    CHECK(j.at("logger") == "sonde");
    CHECK(j.at("ts").get<std::string>().size() >= 23);
    if (n < 3) CHECK(j.at("msg") == messages[n]);
    ++n;
  }
  CHECK(n == 4);
  // The hostile message's ASCII survives exactly; its 128 high bytes are each U+FFFD.
  const auto last = nlohmann::json::parse(log.text().substr(log.text().rfind("{\"ts\"")));
  const std::string msg = last.at("msg");
  CHECK(msg.substr(0, 128) == hostile.substr(0, 128));
  CHECK(msg.substr(128) == [] {
    std::string s;
    for (int i = 0; i < 128; ++i) s += "\xef\xbf\xbd";
    return s;
  }());
}

TEST_CASE("text log: the level filters and the pattern has time and level", "[core][logging]") {
  CapturedLog log("");
  core::apply_log_options({core::LogLevel::warn, core::LogFormat::text});
  spdlog::info("hidden");
  spdlog::warn("shown {}", 1);
  const std::string out = log.text();
  CHECK(out.find("hidden") == std::string::npos);
  CHECK(out.find(" warning shown 1\n") != std::string::npos);
  CHECK(out.substr(4, 1) == "-");
}
