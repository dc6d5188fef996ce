// The uname collector: node_uname_info{domainname,machine,nodename,release,sysname,version} 1,
// from the uname(2) system call (the kernel's own answer, not a file under the host root).
#pragma once

#include <sys/utsname.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct UnameInfo {
  std::string sysname;
  std::string release;
  std::string version;
  std::string machine;
  std::string nodename;
  std::string domainname;
};

/// Copies the fields out of a utsname, stopping at the first NUL or at the end of each array
/// (the kernel always terminates them, a test-fed struct may not).
UnameInfo parse_uname(const struct utsname& u);

/// Fills a utsname as uname(2) does: 0 on success, -1 with errno set on failure.
using UnameFunction = std::function<int(struct utsname*)>;

class UnameCollector final : public Collector {
 public:
  /// `uname_fn` defaults to the system call; tests pass a function that fills a fixed struct.
  explicit UnameCollector(UnameFunction uname_fn = ::uname) : uname_(std::move(uname_fn)) {}
  std::string_view name() const override { return "uname"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  UnameFunction uname_;
};

std::unique_ptr<Collector> make_uname(const CollectorContext& ctx);

}  // namespace sonde::collectors
