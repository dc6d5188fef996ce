#include "http/rejections.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <string>

using namespace sonde::http;

TEST_CASE("rejections: every reason is a series at 0 from the start", "[http][rejections]") {
  prometheus::Registry registry;
  Rejections r(registry);
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  for (const auto name : kRejectNames) {
    INFO(name);
    CHECK(text.find("sonde_http_rejected_total{reason=\"" + std::string(name) + "\"} 0") !=
          std::string::npos);
    CHECK(r.value(name) == 0);
  }
  for (const auto name : kHandshakeReasons) {
    CHECK(text.find("sonde_http_tls_handshake_errors_total{reason=\"" + std::string(name) +
                    "\"} 0") != std::string::npos);
  }
  CHECK(kRejectCount == static_cast<std::size_t>(Reject::response_memory) + 1);
}

TEST_CASE("rejections: counts by reason; an unknown name reads 0", "[http][rejections]") {
  prometheus::Registry registry;
  Rejections r(registry);
  r.count(Reject::read_timeout, "10.0.0.1:5000", "no request within 10s");
  r.count(Reject::read_timeout, "10.0.0.1:5001", "no request within 10s");
  r.count(Reject::per_client_limit, "10.0.0.2:7", "16 connections open");
  r.handshake_failed(1);
  CHECK(r.value("read_timeout") == 2);
  CHECK(r.value("per_client_limit") == 1);
  CHECK(r.value("max_connections") == 0);
  CHECK(r.value("no_such_reason") == 0);
  CHECK(r.handshake_errors("protocol_version") == 1);
  CHECK(r.handshake_errors("timeout") == 0);
  CHECK(reject_name(Reject::auth_overload) == "auth_overload");
}
