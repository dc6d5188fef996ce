// The selinux collector: node_exporter 1.5.0's node_selinux_enabled, and when enabled
// node_selinux_config_mode (SELINUX= of <rootfs>/etc/selinux/config: enforcing 1, permissive 0,
// else -1) and node_selinux_current_mode (<sysfs>/fs/selinux/enforce, -1 if unreadable), as
// opencontainers/go-selinux 1.10 decides them: SELinux is enabled when selinuxfs is mounted
// read-write at <sysfs>/fs/selinux and this process's label (<procfs>/self/attr/current) is not
// "kernel". (go-selinux also looks for selinuxfs mounted elsewhere, in /proc/self/mountinfo; a
// kernel has mounted it at /sys/fs/selinux since 3.0.)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// Whether `path` is a read-write selinuxfs mount (statfs f_type SELINUX_MAGIC, no ST_RDONLY).
using SelinuxfsCheck = std::function<bool(const std::string& path)>;
bool system_is_selinuxfs(const std::string& path);

/// go-selinux's DefaultEnforceMode over the text of /etc/selinux/config: 1, 0 or -1.
int selinux_config_mode(std::string_view config_text);
/// go-selinux's EnforceMode over the text of <selinuxfs>/enforce (strconv.Atoi; -1 if none).
int selinux_enforce_mode(std::string_view enforce_text);

class SelinuxCollector final : public Collector {
 public:
  explicit SelinuxCollector(core::HostPaths paths, SelinuxfsCheck check = system_is_selinuxfs)
      : paths_(std::move(paths)), is_selinuxfs_(std::move(check)) {}
  std::string_view name() const override { return "selinux"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  SelinuxfsCheck is_selinuxfs_;
};

std::unique_ptr<Collector> make_selinux(const CollectorContext& ctx);

}  // namespace sonde::collectors
