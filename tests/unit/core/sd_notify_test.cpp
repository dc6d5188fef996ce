#include "core/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

/// A bound Unix datagram socket that plays systemd's side of the protocol.
class Listener {
 public:
  explicit Listener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    timeval tv{5, 0};  // only catches a hang
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Listener() {
    ::close(fd_);
    if (name_[0] == '/') std::filesystem::remove(name_);
  }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<std::size_t>(n));
  }
  bool empty() {
    char c;
    return ::recv(fd_, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
  }

 private:
  std::string name_;
  int fd_ = -1;
};

std::string temp_socket_path() {
  return (std::filesystem::temp_directory_path() /
          ("sonde-notify-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

}  // namespace

TEST_CASE("sd_notify sends the state as one datagram to a socket path", "[core][sd_notify]") {
  const std::string path = temp_socket_path();
  Listener systemd(path);
  REQUIRE(sonde::core::sd_notify_to(path, "READY=1").ok());
  CHECK(systemd.receive() == "READY=1");
  REQUIRE(sonde::core::sd_notify_to(path, "STOPPING=1").ok());
  CHECK(systemd.receive() == "STOPPING=1");
}

TEST_CASE("sd_notify reaches an abstract socket named with @", "[core][sd_notify]") {
  const std::string name = "@sonde-notify-test-" + std::to_string(::getpid());
  Listener systemd(name);
  REQUIRE(sonde::core::sd_notify_to(name, "READY=1").ok());
  CHECK(systemd.receive() == "READY=1");
}

TEST_CASE("sd_notify without NOTIFY_SOCKET does nothing and succeeds", "[core][sd_notify]") {
  CHECK(sonde::core::sd_notify_to("", "READY=1").ok());
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(sonde::core::sd_notify("READY=1").ok());
}

TEST_CASE("sd_notify reads NOTIFY_SOCKET; RELOADING carries MONOTONIC_USEC", "[core][sd_notify]") {
  const std::string path = temp_socket_path();
  Listener systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  REQUIRE(sonde::core::sd_notify("READY=1").ok());
  CHECK(systemd.receive() == "READY=1");
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto before = static_cast<unsigned long long>(ts.tv_sec) * 1000000ull;
  REQUIRE(sonde::core::sd_notify_reloading().ok());
  const std::string got = systemd.receive();
  ::unsetenv("NOTIFY_SOCKET");
  REQUIRE(got.rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
  const auto usec = std::stoull(got.substr(got.find('=', 12) + 1));
  CHECK(usec >= before);
  CHECK(usec < before + 60ull * 1000000ull);
  CHECK(systemd.empty());
}

TEST_CASE("sd_notify reports what went wrong", "[core][sd_notify]") {
  const auto relative = sonde::core::sd_notify_to("relative/path", "READY=1");
  REQUIRE_FALSE(relative.ok());
  CHECK_THAT(relative.message(), Catch::Contains("neither an absolute path"));

  const auto missing = sonde::core::sd_notify_to("/nonexistent/sonde/notify.sock", "READY=1");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.message(), Catch::Contains("/nonexistent/sonde/notify.sock"));

  const auto too_long = sonde::core::sd_notify_to("/" + std::string(200, 'x'), "READY=1");
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.message(), Catch::Contains("longer"));
}
