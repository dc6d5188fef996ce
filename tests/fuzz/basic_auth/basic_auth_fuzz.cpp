// libFuzzer target for the Authorization header parser (as Go's Request.BasicAuth) and the
// bcrypt hash format check: any bytes give credentials or nothing, never a crash. A decoded pair
// must encode back to what was parsed (the user has no ':'). Seeds: tests/fuzz/basic_auth/corpus/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/security.hpp"
#include "http/web_config_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto c = sonde::http::parse_basic_authorization(text)) {
    if (c->user.find(':') != std::string::npos) __builtin_trap();
    if (c->user.size() + c->password.size() + 1 > size) __builtin_trap();
  }
  (void)sonde::http::bcrypt_hash_error(text);
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    (void)sonde::http::header_error(text.substr(0, colon), text.substr(colon + 1));
  }
  return 0;
}
