#include "daemon/remote_settings.hpp"

#include <catch2/catch.hpp>

#include "config/loader.hpp"

using sonde::daemon::remote_settings;

TEST_CASE("remote write buffers default to <state>/remote-write/<name>", "[daemon][remote]") {
  const auto loaded = sonde::config::load_string(R"(
remote_write:
  - url: http://mimir:9009/api/v1/push
    name: mimir
  - url: http://vm:8428/api/v1/write
  - url: http://thanos:19291/api/v1/receive
    buffer: {directory: /var/spool/sonde-thanos}
)");
  REQUIRE(loaded.ok());
  const auto& entries = loaded.config.remote_write;
  REQUIRE(entries.size() == 3);
  REQUIRE_FALSE(entries[1].name.empty());  // the loader's default name, from the URL

  const auto s = remote_settings(loaded.config, {}, "/var/lib/sonde");
  REQUIRE(s.size() == 3);
  CHECK(s[0].options.buffer.directory == "/var/lib/sonde/remote-write/mimir");
  CHECK(s[1].options.buffer.directory ==
        std::filesystem::path("/var/lib/sonde/remote-write") / entries[1].name);
  CHECK(s[2].options.buffer.directory == "/var/spool/sonde-thanos");  // given: kept as it is

  // No state directory: memory only (the buffer logs so), except where a directory is given.
  const auto none = remote_settings(loaded.config, {}, "");
  CHECK(none[0].options.buffer.directory.empty());
  CHECK(none[2].options.buffer.directory == "/var/spool/sonde-thanos");
}
