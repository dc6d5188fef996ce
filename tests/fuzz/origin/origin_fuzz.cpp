// libFuzzer target for origin detection's parsers: the start time in a /proc/<pid>/stat line and
// DogStatsD's `|c:` container field. Any bytes give an answer, never a crash; a container ID
// accepted always has the promised shape (1 to 128 bytes of [A-Za-z0-9._-], inside the input).
// Seeds: tests/fuzz/origin/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/origin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sonde::ingest::parse_stat_start_time(text);
  std::string_view id;
  if (sonde::ingest::parse_container_field(text, id) == sonde::ingest::ContainerField::id) {
    if (id.empty() || id.size() > 128) __builtin_trap();
    if (id.data() < text.data() || id.data() + id.size() > text.data() + text.size()) {
      __builtin_trap();
    }
    for (char c : id) {
      const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) __builtin_trap();
    }
  }
  return 0;
}
