// libFuzzer target for parse_netclass_iface and publish_netclass: "file=text" lines
// (sysfs_records.hpp) as one interface's attribute files. Seeds: eth0 of node_exporter 1.5.0's
// fixture and odd numbers (hex, octal, signs, overflow).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "../sysfs_records.hpp"
#include "collectors/netclass.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = sonde::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto records = sonde::fuzz::sysfs_records(text);
  std::vector<c::AttrText> attrs;
  for (const auto& [file, value] : records) attrs.emplace_back(file, value);
  const c::NetClassIface iface = c::parse_netclass_iface("eth0", attrs);
  if (iface.errors > attrs.size()) __builtin_trap();
  for (const bool ignore : {false, true}) {
    sonde::core::SnapshotBuilder b;
    c::publish_netclass(iface, ignore, b);
    const auto snap = b.take();
    sonde::fuzz::check_families(snap);
    if (snap.families.size() < 2) __builtin_trap();  // up and info, always
  }
  return 0;
}
