#include "collectors/selinux.hpp"

#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cerrno>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {
constexpr unsigned long kSelinuxMagic = 0xf97cff8cUL;  // include/uapi/linux/magic.h
}  // namespace

bool system_is_selinuxfs(const std::string& path) {
  struct statfs buf {};
  int rc = 0;
  do {
    rc = ::statfs(path.c_str(), &buf);
  } while (rc != 0 && (errno == EINTR || errno == EAGAIN));
  if (rc != 0) return false;
  if (static_cast<std::uint32_t>(buf.f_type) != static_cast<std::uint32_t>(kSelinuxMagic)) {
    return false;
  }
  return (buf.f_flags & ST_RDONLY) == 0;
}

int selinux_config_mode(std::string_view config_text) {
  std::string_view mode;
  bool found = false;
  core::for_each_line(config_text, [&](std::string_view line) {
    if (found) return;
    line = text::trim(line);
    if (line.empty() || line.front() == ';' || line.front() == '#') return;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || line.substr(0, eq) != "SELINUX") return;
    std::string_view v = line.substr(eq + 1);
    while (!v.empty() && v.front() == '"') v.remove_prefix(1);
    while (!v.empty() && v.back() == '"') v.remove_suffix(1);
    mode = v;
    found = true;
  });
  if (mode == "enforcing") return 1;
  if (mode == "permissive") return 0;
  return -1;
}

int selinux_enforce_mode(std::string_view enforce_text) {
  const auto v = sysfs::atoi(sysfs::trim_space(enforce_text));
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return -1;
  return static_cast<int>(*v);
}

core::Status SelinuxCollector::collect(core::SampleSink& out) {
  const auto fs = paths_.sys / "fs" / "selinux";
  bool enabled = false;
  if (is_selinuxfs_(fs.string())) {
    // go-selinux: enabled unless this process runs in the "kernel" context (a label read that
    // fails counts as enabled).
    const sysfs::Attr label = sysfs::read_whole(paths_.proc / "self" / "attr" / "current", 4096);
    std::string_view con = label.ok() ? std::string_view(label.value) : std::string_view();
    while (!con.empty() && (con.back() == '\0' || con.back() == '\n')) con.remove_suffix(1);
    enabled = con != "kernel";
  }
  out.gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", {},
            enabled ? 1 : 0);
  if (!enabled) return core::ok();
  const sysfs::Attr config = sysfs::read_whole(paths_.root / "etc" / "selinux" / "config");
  out.gauge("node_selinux_config_mode", "Configured SELinux enforcement mode", {},
            selinux_config_mode(config.ok() ? config.value : std::string()));
  const sysfs::Attr enforce = sysfs::read_whole(fs / "enforce", 4096);
  out.gauge("node_selinux_current_mode", "Current SELinux enforcement mode", {},
            enforce.ok() ? selinux_enforce_mode(enforce.value) : -1);
  return core::ok();
}

std::unique_ptr<Collector> make_selinux(const CollectorContext& ctx) {
  return std::make_unique<SelinuxCollector>(ctx.paths);
}

}  // namespace sonde::collectors
