#include "core/cgroup.hpp"

#include <cctype>
#include <string>

#include "core/read_file.hpp"

namespace sonde::core {
namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// A 64-hex-digit run that makes up the segment, or follows its last '-' (and precedes ".scope").
std::string_view container_id_in(std::string_view seg) {
  if (seg.size() > 6 && seg.substr(seg.size() - 6) == ".scope") seg.remove_suffix(6);
  if (const auto dash = seg.rfind('-'); dash != std::string_view::npos) seg.remove_prefix(dash + 1);
  if (seg.size() != 64) return {};
  for (char c : seg) {
    if (!is_hex(c)) return {};
  }
  return seg;
}

// 8-4-4-4-12 hex digits with '-' (cgroupfs) or '_' (systemd slices) between groups.
std::string pod_uid_in(std::string_view seg) {
  std::string_view rest;
  if (seg.substr(0, 3) == "pod") {
    rest = seg.substr(3);
  } else if (const auto p = seg.find("-pod"); p != std::string_view::npos) {
    rest = seg.substr(p + 4);
  } else {
    return {};
  }
  if (rest.size() > 6 && rest.substr(rest.size() - 6) == ".slice") rest.remove_suffix(6);
  if (rest.size() != 36) return {};
  std::string uid(rest);
  for (std::size_t i = 0; i < uid.size(); ++i) {
    const bool sep = i == 8 || i == 13 || i == 18 || i == 23;
    if (sep) {
      if (uid[i] != '-' && uid[i] != '_') return {};
      uid[i] = '-';
    } else if (!is_hex(uid[i])) {
      return {};
    }
  }
  return uid;
}

}  // namespace

ContainerRef parse_cgroup(std::string_view text) {
  ContainerRef out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view path = line.substr(c2 + 1);
    while (!path.empty()) {
      const auto sl = path.find('/');
      const std::string_view seg = path.substr(0, sl);
      path = sl == std::string_view::npos ? std::string_view{} : path.substr(sl + 1);
      if (seg.empty()) continue;
      if (out.pod_uid.empty()) out.pod_uid = pod_uid_in(seg);
      if (out.container_id.empty()) {
        if (auto id = container_id_in(seg); !id.empty()) out.container_id = std::string(id);
      }
    }
    if (!out.container_id.empty() && !out.pod_uid.empty()) break;
  }
  return out;
}

ProcessRef read_process_ref(const std::filesystem::path& proc, unsigned pid) {
  const std::filesystem::path dir = proc / std::to_string(pid);
  ProcessRef ref;
  if (auto comm = read_text(dir / "comm", 4096)) {
    ref.comm = std::move(*comm);
    while (!ref.comm.empty() && (ref.comm.back() == '\n' || ref.comm.back() == '\r')) {
      ref.comm.pop_back();
    }
  }
  if (auto cgroup = read_text(dir / "cgroup", 64 * 1024)) ref.container = parse_cgroup(*cgroup);
  return ref;
}

}  // namespace sonde::core
