// libFuzzer target for the config loader: any bytes must give a LoadResult (ok or with errors),
// never a crash, a hang or an exception. Seeds: tests/fuzz/config_loader/corpus/ (copies of the
// tests/fixtures/config good and bad files).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.hpp"
#include "core/listen_address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = sonde::config::load_string(text, "fuzz.yaml");
  // Exercise the formatting of every error too.
  for (const auto& e : result.errors.list()) {
    if (e.to_string().empty()) __builtin_trap();
  }
  // Successful loads must hold values the loader promises: durations parse back, etc.
  if (result.ok()) {
    const auto& c = result.config;
    const auto back =
        sonde::config::parse_duration(sonde::config::format_duration(c.web.read_timeout));
    if (!back.ok() || *back != c.web.read_timeout ||
        !sonde::core::parse_listen_address(c.web.listen_address).ok()) {
      __builtin_trap();
    }
  }
  return 0;
}
