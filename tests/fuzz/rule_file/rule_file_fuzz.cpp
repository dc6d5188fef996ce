// libFuzzer target for rule files: any bytes are read (lib/config) and checked (lib/rules: the
// PromQL and template parsers, the lint) without a crash, a hang or an exception escaping. Seeds:
// tests/fuzz/rule_file/corpus/ (copies of tests/fixtures/rules/bad and a few good files).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "config/rule_file.hpp"
#include "rules/rule_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto read = sonde::config::read_rule_text(text);
  const auto check = sonde::rules::check_file("fuzz.yml", read, true);
  std::ostringstream out, err;
  const auto printed = sonde::rules::print_check("fuzz.yml", check, out, err);
  // A file that read without problems but failed must say why; one that passed says nothing.
  if (printed.failed == err.str().empty()) __builtin_trap();
  return 0;
}
