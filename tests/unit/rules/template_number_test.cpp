#include <catch2/catch.hpp>

#include "rules/template/number.hpp"

using namespace sonde::rules::tmpl;

namespace {
NumberNode read(std::string text, NumberKind kind = NumberKind::number,
                std::string* err = nullptr) {
  NumberNode n(0, std::move(text));
  std::string e = read_number(kind, n);
  if (err) *err = e;
  return n;
}
}  // namespace

TEST_CASE("template numbers get Go's kinds and values", "[rules][template]") {
  auto i = read("42");
  CHECK((i.is_int && i.is_uint && i.is_float && !i.is_complex));
  CHECK(i.i == 42);
  CHECK(i.f == 42.0);
  auto neg = read("-1");
  CHECK((neg.is_int && !neg.is_uint && neg.is_float));
  auto f = read("1.5");
  CHECK((!f.is_int && !f.is_uint && f.is_float));
  CHECK(f.f == 1.5);
  auto e = read("1e3");  // a float with an integral value is an int too
  CHECK((e.is_int && e.is_uint && e.is_float));
  CHECK(e.i == 1000);
  CHECK(read("0x1F").i == 31);
  CHECK(read("0o17").i == 15);
  CHECK(read("017").i == 15);
  CHECK(read("0b101").i == 5);
  CHECK(read("1_000").i == 1000);
  auto big = read("9223372036854775808");  // 2^63: a uint, not an int
  CHECK((big.is_uint && !big.is_int && big.is_float));
  auto c = read("'a'", NumberKind::char_constant);
  CHECK((c.is_int && c.i == 97));
  auto z = read("1+2i", NumberKind::complex);
  CHECK(z.is_complex);
  CHECK(z.f == 1.0);
  CHECK(z.imag == 2.0);
}

TEST_CASE("template numbers fail with Go's messages", "[rules][template]") {
  std::string err;
  read("99999999999999999999", NumberKind::number, &err);
  CHECK(err == "integer overflow: \"99999999999999999999\"");
  read("1..2", NumberKind::number, &err);
  CHECK(err == "illegal number syntax: \"1..2\"");
  read("_1", NumberKind::number, &err);
  CHECK(err == "illegal number syntax: \"_1\"");
  read("0x__1", NumberKind::number, &err);
  CHECK(err == "illegal number syntax: \"0x__1\"");
  read("1_", NumberKind::number, &err);
  CHECK(err == "illegal number syntax: \"1_\"");
  read("42", NumberKind::number, &err);
  CHECK(err.empty());
}

TEST_CASE("template number constants as arguments: float when it looks like one, else int",
          "[rules][template]") {
  Value v;
  CHECK(ideal_constant_value(read("1.0"), v).empty());
  CHECK(v.kind == Kind::floating);
  CHECK(ideal_constant_value(read("0x10"), v).empty());
  CHECK(v.kind == Kind::integer);
  CHECK(v.i == 16);
  CHECK(ideal_constant_value(read("1e3"), v).empty());
  CHECK(v.kind == Kind::floating);
  CHECK(ideal_constant_value(read("9223372036854775808"), v) ==
        "9223372036854775808 overflows int");
}
