#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using namespace std::chrono_literals;

TEST_CASE("ingest section: defaults", "[config][ingest]") {
  const auto r = config::load_string("");
  REQUIRE(r.ok());
  const auto& i = r.config.ingest;
  CHECK(i.unixgram.enabled);
  CHECK(i.unixgram.path.empty());
  CHECK(i.unixgram.mode == 0660);
  CHECK(!i.unixstream.enabled);
  CHECK(!i.udp.enabled);
  CHECK(i.udp.address == "127.0.0.1:8125");
  CHECK(i.udp.receive_buffer_bytes == 8u << 20);
  CHECK(i.max_series == 200'000);
  CHECK(i.max_series_per_metric == 10'000);
  CHECK(i.ttl == 0ms);
  CHECK(i.summary_max_age == 10min);
  CHECK(i.set_window == 60s);
  CHECK(i.histogram_buckets == ingest::kDefaultBuckets);
  CHECK(!i.origin_detection);
  CHECK(i.origin_ttl == 5min);
  CHECK(i.origin_cache_size == 4096);
  CHECK(i.origin_cache_ttl == 1min);
}

TEST_CASE("ingest section: every option", "[config][ingest]") {
  const auto r = config::load_file(test::fixture_root() / "config/good/ingest_all_options.yaml");
  REQUIRE(r.ok());
  const auto& i = r.config.ingest;
  CHECK(!i.unixgram.enabled);
  CHECK(i.unixgram.path == "/run/sonde/app.sock");
  CHECK(i.unixgram.mode == 0620);
  CHECK(i.unixgram.group == "0");
  CHECK(i.unixstream.enabled);
  CHECK(i.unixstream.mode == 0660);
  CHECK(i.unixstream.group == "root");
  CHECK(i.unixstream.framing == ingest::StreamFraming::length_prefixed);
  CHECK(i.unixstream.max_connections == 8);
  CHECK(i.udp.enabled);
  CHECK(i.udp.address == "[::1]:9125");
  CHECK(i.udp.receive_buffer_bytes == 1048576);
  CHECK(i.mapping_file == "/dev/null");
  CHECK(i.max_series == 1000);
  CHECK(i.max_series_per_metric == 100);
  CHECK(i.ttl == 5min);
  CHECK(i.observer_type == ingest::ObserverType::summary);
  CHECK(i.histogram_buckets == std::vector<double>{0.001, 0.01, 1, 100});
  CHECK(i.summary_quantiles == std::vector<double>{0.5, 0.999});
  CHECK(i.summary_max_age == 1min);
  CHECK(i.summary_max_samples == 500);
  CHECK(i.set_window == 2min);
  CHECK(i.max_set_values == 20);
  CHECK(i.max_line_bytes == 4096);
  CHECK(i.max_datagram_bytes == 8192);
  CHECK(i.max_tags == 16);
  CHECK(i.batch_size == 8);
  CHECK(i.origin_detection);
  CHECK(i.origin_ttl == 10min);
  CHECK(i.origin_cache_size == 100);
  CHECK(i.origin_cache_ttl == 30s);
}
