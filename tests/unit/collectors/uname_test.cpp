#include "collectors/uname.hpp"

#include <cerrno>
#include <cstring>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::RecordingSink;

template <std::size_t N>
void set(char (&field)[N], const char* value) {
  std::strncpy(field, value, N);  // no terminator when value fills the array: on purpose
}

struct utsname sample_utsname() {
  struct utsname u {};
  set(u.sysname, "Linux");
  set(u.nodename, "node-1");
  set(u.release, "6.1.0-9-amd64");
  set(u.version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.27-1 (2023-05-08)");
  set(u.machine, "x86_64");
  set(u.domainname, "(none)");
  return u;
}

TEST_CASE("uname collector labels node_uname_info as node_exporter", "[collectors][uname]") {
  UnameCollector c{[](struct utsname* u) {
    *u = sample_utsname();
    return 0;
  }};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  REQUIRE(sink.order.size() == 1);
  CHECK(sink.order[0] ==
        R"x(node_uname_info{domainname="(none)",machine="x86_64",nodename="node-1",)x"
        R"x(release="6.1.0-9-amd64",sysname="Linux",)x"
        R"x(version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.27-1 (2023-05-08)"})x");
  const auto& rec = sink.samples.at(sink.order[0]);
  CHECK(rec.value == 1.0);
  CHECK(rec.type == core::MetricType::gauge);
  CHECK(rec.help == "Labeled system information as provided by the uname system call.");
}

TEST_CASE("parse_uname stops at the end of an unterminated field", "[collectors][uname]") {
  struct utsname u = sample_utsname();
  std::memset(u.nodename, 'n', sizeof u.nodename);
  const UnameInfo info = parse_uname(u);
  CHECK(info.nodename == std::string(sizeof u.nodename, 'n'));
  CHECK(info.machine == "x86_64");
}

TEST_CASE("uname collector reports a failing system call", "[collectors][uname]") {
  UnameCollector c{[](struct utsname*) {
    errno = EFAULT;
    return -1;
  }};
  RecordingSink sink;
  const core::Status s = c.collect(sink);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("uname"));
  CHECK(sink.samples.empty());
}

TEST_CASE("uname collector works with the real system call", "[collectors][uname]") {
  UnameCollector c;
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  REQUIRE(sink.order.size() == 1);
  CHECK_THAT(sink.order[0], Catch::Contains(R"(sysname="Linux")"));
}

}  // namespace
}  // namespace sonde::collectors
