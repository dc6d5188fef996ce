#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "support/test_support.hpp"

using namespace std::chrono_literals;
namespace config = sonde::config;

TEST_CASE("remote_write: every key of an entry is read into its field", "[config][remote]") {
  const auto r = config::load_file(sonde::test::fixture_root() / "config/good/remote_write.yaml");
  REQUIRE(r.errors.lines() == std::vector<std::string>{});
  const auto& list = r.config.remote_write;
  REQUIRE(list.size() == 2);
  const auto& a = list[0];
  CHECK(a.url.host == "mimir.example");
  CHECK(a.url.username == "user");
  CHECK(a.name == "mimir");
  CHECK(a.http.timeout == 10s);
  CHECK(a.http.headers ==
        std::vector<std::pair<std::string, std::string>>{{"X-Scope-OrgID", "tenant-1"}});
  REQUIRE(a.http.basic_auth);
  CHECK(a.http.basic_auth->username == "sonde");
  CHECK(a.http.basic_auth->password_file == "/etc/sonde/pw");
  CHECK_FALSE(a.http.authorization);
  CHECK(a.http.tls.ca_file == "/etc/sonde/ca.pem");
  CHECK(a.http.tls.cert_file == "/etc/sonde/c.pem");
  CHECK(a.http.tls.key_file == "/etc/sonde/k.pem");
  CHECK(a.http.tls.server_name == "mimir.example");
  CHECK(a.http.tls.insecure_skip_verify);
  REQUIRE(a.write_relabel_configs.size() == 2);
  CHECK(a.write_relabel_configs[0].action == sonde::core::RelabelAction::drop);
  CHECK(a.write_relabel_configs[0].source_labels == std::vector<std::string>{"__name__"});
  CHECK(a.write_relabel_configs[1].target_label == "env");
  CHECK(a.queue.capacity == 10000);
  CHECK(a.queue.max_samples_per_send == 2000);
  CHECK(a.queue.batch_send_deadline == 1s);
  CHECK(a.queue.min_backoff == 10ms);
  CHECK(a.queue.max_backoff == 1s);
  CHECK(a.queue.retry_on_http_429);
  CHECK_FALSE(a.metadata.send);
  CHECK(a.metadata.send_interval == 2min);
  CHECK(a.metadata.max_samples_per_send == 100);
  CHECK(a.interval == 5s);
  CHECK(a.buffer.directory == "/var/lib/sonde/rw");
  CHECK(a.buffer.max_bytes == 1048576);
  CHECK(a.buffer.sync_interval == 100ms);
  const auto& b = list[1];
  CHECK(b.name.size() == 6);  // a hash of the URL
  REQUIRE(b.http.authorization);
  CHECK(b.http.authorization->type == "Bearer");
  CHECK(b.http.authorization->credentials == "abc");
  // Prometheus 2.42's defaults.
  CHECK(b.http.timeout == 30s);
  CHECK(b.queue.max_samples_per_send == 500);
  CHECK(b.queue.batch_send_deadline == 5s);
  CHECK(b.queue.min_backoff == 30ms);
  CHECK(b.queue.max_backoff == 5s);
  CHECK_FALSE(b.queue.retry_on_http_429);
  CHECK(b.metadata.send);
  CHECK(b.metadata.send_interval == 1min);
  CHECK(b.interval == 15s);
  CHECK(b.buffer.max_bytes == 256u << 20);
  CHECK(b.buffer.sync_interval == 1s);
}
