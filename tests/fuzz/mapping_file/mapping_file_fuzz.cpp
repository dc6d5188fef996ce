// libFuzzer target for the statsd mapping file: lib/config's reader into a MappingSpec, then
// ingest::Mapper::compile and a few lookups. Any bytes must give a spec or errors, never a crash,
// a hang or an exception. Seeds: tests/fuzz/mapping_file/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../fuzz_checks.hpp"
#include "config/mapping.hpp"
#include "ingest/mapper.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = sonde::config::load_mapping_string(text, "fuzz.yml");
  if (!spec.ok()) {
    sonde::fuzz::check_errors(spec.error());
    return 0;
  }
  auto mapper = sonde::ingest::Mapper::compile(std::move(*spec));
  if (!mapper.ok()) return 0;
  for (const std::string_view name : {"a", "a.b.c", "api.users.requests", "", "x.y.z.w"}) {
    for (auto kind : {sonde::ingest::MetricKind::counter, sonde::ingest::MetricKind::timer}) {
      (void)mapper->map(name, kind);
    }
  }
  return 0;
}
