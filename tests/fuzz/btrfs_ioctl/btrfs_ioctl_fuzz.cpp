// libFuzzer target for the btrfs collector's ioctl half: the input scripts a mount's answers
// (FS_INFO, then one record per DEV_INFO call), which go through query_btrfs_devices (the
// device id walk) and publish_btrfs (the mapping to series). The kernel's device paths are bytes
// and its counts are whatever it says, so neither may crash, loop without bound or publish a
// series twice. Layout: fsid[16] max_id[8] num_devices[8], then records of kind[1] (0: ENODEV,
// 1: EIO, 2: GET_DEV_STATS fails, else an answer) uuid[16] bytes_used[8] total_bytes[8]
// path_len[1] path[path_len] stats[40]. Seeds: two devices with a gap, a repeated name, a
// path with invalid UTF-8.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "collectors/btrfs.hpp"
#include "core/metrics.hpp"

namespace {

using sonde::collectors::BtrfsDevInfo;
using sonde::collectors::BtrfsDevStats;
using sonde::collectors::BtrfsFsInfo;

class Input {
 public:
  explicit Input(std::string_view in) : in_(in) {}
  bool empty() const { return in_.empty(); }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    const std::size_t n = std::min<std::size_t>(8, in_.size());
    std::memcpy(&v, in_.data(), n);
    in_.remove_prefix(n);
    return v;
  }
  std::uint8_t u8() {
    if (in_.empty()) return 0;
    const auto v = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return v;
  }
  std::string_view take(std::size_t n) {
    const std::string_view out = in_.substr(0, n);
    in_.remove_prefix(out.size());
    return out;
  }
  template <std::size_t N>
  void bytes(std::array<std::uint8_t, N>& out) {
    for (auto& b : out) b = u8();
  }

 private:
  std::string_view in_;
};

class ScriptedMount final : public sonde::collectors::BtrfsMount {
 public:
  explicit ScriptedMount(Input& in) : in_(in) {}
  int fs_info(BtrfsFsInfo&) override { return 0; }
  int dev_info(std::uint64_t, BtrfsDevInfo& out) override {
    if (in_.empty()) return ENODEV;
    const std::uint8_t kind = in_.u8();
    in_.bytes(out.uuid);
    out.bytes_used = in_.u64();
    out.total_bytes = in_.u64();
    out.path = std::string(in_.take(in_.u8()));
    in_.bytes(stats_bytes_);
    if (kind == 0) return ENODEV;
    if (kind == 1) return EIO;
    stats_fail_ = kind == 2;
    return 0;
  }
  int dev_stats(std::uint64_t, BtrfsDevStats& out) override {
    if (stats_fail_) return EPERM;
    std::memcpy(out.values.data(), stats_bytes_.data(), stats_bytes_.size());
    return 0;
  }

 private:
  Input& in_;
  std::array<std::uint8_t, 40> stats_bytes_{};
  bool stats_fail_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(std::string_view(reinterpret_cast<const char*>(data), size));
  BtrfsFsInfo info;
  in.bytes(info.fsid);
  info.max_id = in.u64();
  info.num_devices = in.u64();
  ScriptedMount mount(in);
  const auto devices = sonde::collectors::query_btrfs_devices(mount, info);
  if (!devices) return 0;
  if (devices->size() > sonde::collectors::kMaxBtrfsDevid + 1) __builtin_trap();
  sonde::collectors::BtrfsFilesystem fs;
  fs.uuid = sonde::collectors::btrfs_uuid_string(info.fsid);
  sonde::core::SnapshotBuilder sink;
  const std::size_t dropped = sonde::collectors::publish_btrfs(fs, &*devices, sink);
  if (dropped > devices->size()) __builtin_trap();
  return 0;
}
