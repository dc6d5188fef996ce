#include "core/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace sonde::core {

Status sd_notify_to(std::string_view notify_socket, std::string_view state) {
  if (notify_socket.empty()) return ok();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (notify_socket.size() >= sizeof(addr.sun_path)) {
    return error("NOTIFY_SOCKET is longer than a Unix socket path may be");
  }
  if (notify_socket[0] != '/' && notify_socket[0] != '@') {
    return error("NOTIFY_SOCKET '" + std::string(notify_socket) +
                 "' is neither an absolute path nor an abstract socket name (@...)");
  }
  std::memcpy(addr.sun_path, notify_socket.data(), notify_socket.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_socket.size());

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error(std::string("sd_notify: socket: ") + std::strerror(errno));
  ssize_t sent;
  do {
    sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  const int saved = errno;
  ::close(fd);
  if (sent < 0) {
    return error("sd_notify: sending to " + std::string(notify_socket) + ": " +
                 std::strerror(saved));
  }
  if (static_cast<std::size_t>(sent) != state.size()) {
    return error("sd_notify: short send to " + std::string(notify_socket));
  }
  return ok();
}

Status sd_notify(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  return sd_notify_to(env ? std::string_view(env) : std::string_view(), state);
}

Status sd_notify_reloading() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ull +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ull;
  return sd_notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

}  // namespace sonde::core
