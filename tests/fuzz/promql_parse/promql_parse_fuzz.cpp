// libFuzzer target for the PromQL parser: any bytes parse or give an error with a position inside
// the input; a parsed expression prints to text that parses again and prints the same.
// Seeds: corpus/ (expressions from tests/promql/testdata and the parser's unit tests).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/promql/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::rules::promql;
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = parse(in);
  if (!r.ok()) {
    if (r.error().line < 1 || r.error().column < 1 || r.error().message.empty()) std::abort();
    return 0;
  }
  std::string printed = (*r)->to_string();
  auto again = parse(printed);
  if (!again.ok() || (*again)->to_string() != printed) std::abort();
  return 0;
}
