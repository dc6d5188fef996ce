// libFuzzer target for the zfs parsers: each input is fed to parse_zfs_kstat (named kstats such
// as arcstats), parse_zfs_pool_io, parse_zfs_objset and parse_zfs_pool_state. Seeds:
// node_exporter 1.5.0's fixtures and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/zfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = sonde::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto kstat = c::parse_zfs_kstat(text);
  if (!kstat && kstat.message().empty()) __builtin_trap();  // a failure says why
  if (kstat) {
    for (const auto& k : *kstat) {
      if (k.name.empty()) __builtin_trap();  // a field of a line
    }
  }
  const auto io = c::parse_zfs_pool_io(text);
  if (!io && io.message().empty()) __builtin_trap();
  const auto objset = c::parse_zfs_objset(text);
  if (!objset && objset.message().empty()) __builtin_trap();
  if (objset) {
    for (const auto& o : *objset) {
      if (o.name.empty() || (!o.named && !o.dataset.empty())) __builtin_trap();
    }
  }
  if (c::parse_zfs_pool_state(text).find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
