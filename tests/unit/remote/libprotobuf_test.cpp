// The hand-written encoder against libprotobuf's serializer of the same messages
// (remote_write.proto, field numbers of Prometheus's prompb): byte for byte equal, and libprotobuf
// parses what sonde writes back to the same values.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "remote/write_request.hpp"
#include "remote_write.pb.h"

using namespace sonde::remote;

TEST_CASE("encoder bytes equal libprotobuf's for random requests", "[remote][encode]") {
  std::mt19937_64 rng(42);
  const auto text = [&](std::size_t max) {
    // Valid UTF-8, as label values are (proto3 strings are checked): ASCII and a 2-byte letter.
    std::string s;
    for (std::size_t n = rng() % (max + 1); n > 0; --n) {
      if (rng() % 8 == 0) {
        s += "\xc3\xa9";
      } else {
        s.push_back(static_cast<char>(1 + rng() % 127));
      }
    }
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<Labels> labels(rng() % 6);
    std::vector<std::vector<SamplePoint>> points(labels.size());
    prometheus::WriteRequest pb;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      auto* ts = pb.add_timeseries();
      for (std::size_t j = rng() % 5; j > 0; --j) {
        labels[i].emplace_back(text(300), text(20));
        auto* l = ts->add_labels();
        l->set_name(labels[i].back().first);
        l->set_value(labels[i].back().second);
      }
      for (std::size_t j = rng() % 4; j > 0; --j) {
        const std::int64_t t = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng());
        const double v = rng() % 4 == 0   ? 0.0
                         : rng() % 4 == 1 ? stale_nan()
                                          : static_cast<double>(rng()) / 7;
        points[i].push_back({t, v});
        auto* s = ts->add_samples();
        s->set_timestamp(t);
        s->set_value(v);
      }
    }
    std::vector<Metadata> meta;
    for (std::size_t j = rng() % 3; j > 0; --j) {
      const auto type = static_cast<sonde::core::MetricType>(rng() % 5);
      meta.push_back({type, text(30), text(200), text(5)});
      auto* m = pb.add_metadata();
      m->set_type(static_cast<prometheus::MetricMetadata::MetricType>(metadata_type(type)));
      m->set_metric_family_name(meta.back().family);
      m->set_help(meta.back().help);
      m->set_unit(meta.back().unit);
    }
    std::vector<SeriesView> views;
    for (std::size_t i = 0; i < labels.size(); ++i) views.push_back({&labels[i], points[i]});
    std::string mine;
    encode_write_request(views, meta, mine);
    std::string theirs;
    REQUIRE(pb.SerializeToString(&theirs));
    REQUIRE(mine == theirs);
    prometheus::WriteRequest back;
    REQUIRE(back.ParseFromString(mine));
    REQUIRE(back.timeseries_size() == static_cast<int>(labels.size()));
  }
}
