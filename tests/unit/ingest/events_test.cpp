// DogStatsD events and service checks through the aggregator (events.cpp).
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "scrape.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

using unit::Fixture;

TEST_CASE("events and service checks", "[ingest][events]") {
  Fixture f;
  f.clock.set(std::chrono::system_clock::time_point(1700000000s));
  f.send("_e{6,4}:deploy|done|t:success|#env:prod\n_e{6,4}:deploy|done|t:success|#env:prod");
  CHECK(f.value("sonde_app_events_total{alert_type=\"success\",env=\"prod\",priority=\"normal\","
                "title=\"deploy\"}") == 2);
  f.send("_sc|db|2|#env:prod\n_sc|web|0|d:1600000000");
  CHECK(f.value("sonde_app_service_check_status{check=\"db\",env=\"prod\"}") == 2);
  CHECK(f.value("sonde_app_service_check_timestamp_seconds{check=\"db\",env=\"prod\"}") ==
        1700000000);
  CHECK(f.value("sonde_app_service_check_timestamp_seconds{check=\"web\"}") == 1600000000);
  CHECK(f.lines("accepted") == 4);
}

TEST_CASE("event and service check tags keep their own fields' names", "[ingest][events]") {
  Fixture f;
  // A tag named like a field the event sets itself is replaced by the field.
  f.send("_e{2,1}:up|x|#title:spoof,env:dev");
  CHECK(f.value("sonde_app_events_total{alert_type=\"info\",env=\"dev\",priority=\"normal\",title="
                "\"up\"}") == 1);
  f.send("_sc|db|1|#check:other");
  CHECK(f.value("sonde_app_service_check_status{check=\"db\"}") == 1);
  // A service check's status is its value, the last one sent wins.
  f.send("_sc|db|0|#check:other");
  CHECK(f.value("sonde_app_service_check_status{check=\"db\"}") == 0);
  CHECK(f.lines("accepted") == 3);
}
