#include "collectors/uname.hpp"

#include <cerrno>
#include <cstring>

namespace sonde::collectors {

namespace {

template <std::size_t N>
std::string bounded(const char (&field)[N]) {
  return std::string(field, ::strnlen(field, N));
}

}  // namespace

UnameInfo parse_uname(const struct utsname& u) {
  UnameInfo out;
  out.sysname = bounded(u.sysname);
  out.release = bounded(u.release);
  out.version = bounded(u.version);
  out.machine = bounded(u.machine);
  out.nodename = bounded(u.nodename);
  out.domainname = bounded(u.domainname);  // a GNU extension, present on Linux
  return out;
}

core::Status UnameCollector::collect(core::SampleSink& out) {
  struct utsname u {};
  if (uname_(&u) != 0) {
    return core::error(std::string("uname: ") + std::strerror(errno));
  }
  const UnameInfo info = parse_uname(u);
  // Labels in the order node_exporter's exposition prints them (client_golang sorts by name).
  out.gauge("node_uname_info", "Labeled system information as provided by the uname system call.",
            {{"domainname", info.domainname},
             {"machine", info.machine},
             {"nodename", info.nodename},
             {"release", info.release},
             {"sysname", info.sysname},
             {"version", info.version}},
            1);
  return core::ok();
}

std::unique_ptr<Collector> make_uname(const CollectorContext& /*ctx*/) {
  return std::make_unique<UnameCollector>();
}

}  // namespace sonde::collectors
