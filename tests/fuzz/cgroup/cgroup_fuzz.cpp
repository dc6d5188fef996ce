// libFuzzer target for the /proc/<pid>/cgroup parser behind container_id / pod_uid: any bytes give
// a result (possibly empty), never a crash; what it returns always has the promised shape.
// Seeds: tests/fuzz/cgroup/corpus/ (the layouts of Docker, containerd, CRI-O, Kubernetes).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/cgroup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ref = sonde::core::parse_cgroup(text);
  if (!ref.container_id.empty()) {
    if (ref.container_id.size() != 64) __builtin_trap();
    for (char c : ref.container_id) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) __builtin_trap();
    }
  }
  if (!ref.pod_uid.empty()) {
    if (ref.pod_uid.size() != 36) __builtin_trap();
    for (std::size_t i = 0; i < ref.pod_uid.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (ref.pod_uid[i] == '-')) __builtin_trap();
    }
  }
  return 0;
}
