// What the PromQL tests share: a storage of counters and the vector an instant query returns.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "rules/promql/engine.hpp"

namespace sonde::test::promql {

using namespace sonde::rules::promql;

// 2 jobs × 3 instances of a counter growing by (instance+1) per 15 s sample, for 20 minutes.
inline MemoryStorage counters() {
  MemoryStorage s;
  for (const char* job : {"api", "db"})
    for (int i = 0; i < 3; ++i) {
      Labels l({{"__name__", "reqs_total"}, {"job", job}, {"instance", std::to_string(i)}});
      for (int k = 0; k <= 80; ++k) s.append(l, k * 15000, double(k * (i + 1)));
    }
  return s;
}

inline Vector vec(const sonde::core::Result<Value, QueryError>& r) {
  if (!r.ok()) FAIL(r.error().to_string());
  REQUIRE(std::holds_alternative<Vector>(*r));
  return std::get<Vector>(*r);
}

}  // namespace sonde::test::promql
