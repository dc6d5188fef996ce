// What the template tests share: parse and execute a text, its output or its error.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "rules/template/template.hpp"

namespace sonde::test::tmpl {

using namespace sonde::rules::tmpl;

/// The output of `text` executed with `ctx` and `d`, or "ERROR: " and the error.
inline std::string run(std::string_view text, const Context& ctx, AlertData d = {}) {
  auto t = parse("t", text);
  REQUIRE(t.ok());
  auto r = execute(*t, d, ctx);
  return r.ok() ? *r : "ERROR: " + r.message();
}

}  // namespace sonde::test::tmpl
