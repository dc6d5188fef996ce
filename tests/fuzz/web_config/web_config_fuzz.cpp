// libFuzzer target for the exporter-toolkit web config file: lib/config's reader into an
// http::WebConfigSpec. Any bytes must give a spec or errors (each a non-empty line), never a
// crash, a hang or an exception. Certificates are not loaded (that is OpenSSL's parser). Seeds:
// tests/fuzz/web_config/corpus/ (the web config corpus of tests/fixtures/web_config).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../fuzz_checks.hpp"
#include "config/web_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = sonde::config::load_web_config_string(text, "fuzz.yml", "/etc/sonde");
  if (!spec.ok()) {
    sonde::fuzz::check_errors(spec.error());
    return 0;
  }
  // What was accepted obeys the toolkit's rules.
  for (const auto& [user, hash] : spec->users) {
    if (sonde::http::bcrypt_hash_error(hash)) __builtin_trap();
  }
  for (const auto& [name, value] : spec->headers) {
    if (sonde::http::header_error(name, value)) __builtin_trap();
  }
  for (const auto* p : {&spec->tls.cert_file, &spec->tls.key_file, &spec->tls.client_ca_file}) {
    if (!p->empty() && !p->is_absolute()) __builtin_trap();  // resolved against the directory
  }
  return 0;
}
