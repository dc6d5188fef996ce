// go_json_dump (go_json.cpp): JSON text byte for byte as Go's encoding/json writes it for
// Prometheus's APIs and Alertmanager's webhooks.
#include "rules/go_json.hpp"

#include <catch2/catch.hpp>

using sonde::rules::go_json_dump;
using json = nlohmann::ordered_json;

TEST_CASE("go_json: compact, in insertion order", "[rules][go_json]") {
  json j;
  j["status"] = "success";
  j["b"] = 1;
  j["a"] = json::array({1.5, true, nullptr});
  CHECK(go_json_dump(j) == R"({"status":"success","b":1,"a":[1.5,true,null]})");
  CHECK(go_json_dump(json::object()) == "{}");
  CHECK(go_json_dump(json::array()) == "[]");
}

TEST_CASE("go_json: <, > and & escaped as Go's HTML-safe encoder does", "[rules][go_json]") {
  CHECK(go_json_dump(json("a<b>&c")) == R"("a\u003cb\u003e\u0026c")");
  json j;
  j["<k>"] = "up{job=\"x\"} > 0 && 1";
  CHECK(go_json_dump(j) == R"({"\u003ck\u003e":"up{job=\"x\"} \u003e 0 \u0026\u0026 1"})");
}

TEST_CASE("go_json: U+2028 and U+2029 escaped, other text as UTF-8", "[rules][go_json]") {
  CHECK(go_json_dump(json("a\u2028b\u2029c")) == R"("a\u2028b\u2029c")");
  // Neighbours of U+2028 in the same UTF-8 block stay as they are.
  CHECK(go_json_dump(json("\u2027\u202a\u20ac")) == "\"\u2027\u202a\u20ac\"");
  CHECK(go_json_dump(json("é台")) == "\"é台\"");
}

TEST_CASE("go_json: control characters, quotes and backslashes", "[rules][go_json]") {
  CHECK(go_json_dump(json("\"\\\n\r\t")) == R"("\"\\\n\r\t")");
  CHECK(go_json_dump(json(std::string("\x01\x1f", 2))) == R"("\u0001\u001f")");
}

TEST_CASE("go_json: bytes that are not UTF-8 become U+FFFD", "[rules][go_json]") {
  CHECK(go_json_dump(json(std::string("a\xff"
                                      "b"))) ==
        "\"a\xef\xbf\xbd"
        "b\"");
  CHECK(go_json_dump(json(std::string("\xe2\x80"))) == "\"\xef\xbf\xbd\"");  // cut U+2028
}
