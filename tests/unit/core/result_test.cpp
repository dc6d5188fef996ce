#include "core/result.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace sonde;

namespace {

TEST_CASE("Diagnostic::to_string leaves out unknown parts", "[core][result]") {
  CHECK(core::Diagnostic{"a.yaml", 3, 15, "x.y", "bad"}.to_string() == "a.yaml:3:15: x.y: bad");
  CHECK(core::Diagnostic{"a.yaml", 3, 0, "x.y", "bad"}.to_string() == "a.yaml:3: x.y: bad");
  CHECK(core::Diagnostic{"a.yaml", 0, 0, "", "bad"}.to_string() == "a.yaml: bad");
  CHECK(core::Diagnostic{"a.yaml", 2, 1, "", "bad"}.to_string() == "a.yaml:2:1: bad");
  CHECK(core::Diagnostic{"", 0, 0, "", "bad"}.to_string() == "bad");
}

TEST_CASE("Status and Result carry a value or an error, never both", "[core][result]") {
  const core::Status ok = core::ok();
  CHECK(ok.ok());
  CHECK(static_cast<bool>(ok));
  const core::Status bad = core::error("broken");
  CHECK_FALSE(bad.ok());
  CHECK(bad.message() == "broken");

  core::Result<int> v = 42;
  REQUIRE(v.ok());
  CHECK(*v == 42);
  CHECK(v.status().ok());
  core::Result<int> e = core::error("no number");
  REQUIRE_FALSE(e.ok());
  CHECK(e.message() == "no number");
  CHECK(e.status().message() == "no number");

  // A move-only value moves out of an rvalue Result.
  core::Result<std::unique_ptr<int>> p = std::make_unique<int>(7);
  const std::unique_ptr<int> taken = std::move(p).value();
  CHECK(*taken == 7);

  // Another error type: Diagnostic (message() reads its message).
  core::Result<int, core::Diagnostic> d = core::Diagnostic{"f", 1, 2, "p", "m"};
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().line == 1);
  CHECK(d.message() == "m");
}

TEST_CASE("Errors keeps kMax diagnostics, counts the rest, and sorts by position",
          "[core][result]") {
  core::Errors errors;
  CHECK(errors.empty());
  errors.add({"f", 3, 1, "", "c"});
  errors.add({"f", 1, 5, "", "b"});
  errors.add({"f", 1, 5, "", "b2"});  // same position: stays after b
  errors.add({"f", 1, 2, "", "a"});
  errors.sort_by_position();
  CHECK(errors.lines() ==
        std::vector<std::string>{"f:1:2: a", "f:1:5: b", "f:1:5: b2", "f:3:1: c"});

  core::Errors many;
  for (std::size_t i = 0; i < core::Errors::kMax + 3; ++i) many.add({"", 0, 0, "", "x"});
  CHECK(many.full());
  CHECK(many.size() == core::Errors::kMax + 3);
  CHECK(many.dropped() == 3);
  CHECK(many.list().size() == core::Errors::kMax);
  CHECK(many.lines().back() == "... and 3 more errors");

  core::Errors sum = errors;
  sum.append(many);
  CHECK(sum.size() == 4 + core::Errors::kMax + 3);
  CHECK(sum.list().size() == core::Errors::kMax);
  CHECK(sum.dropped() == 7);  // 4 of many's held ones no longer fit, and its 3 dropped
  CHECK_FALSE(sum.empty());
}

}  // namespace
