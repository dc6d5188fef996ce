#include "loadgen/sink.hpp"

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "core/listen_address.hpp"

namespace sonde::loadgen {

namespace {

constexpr std::size_t kBatch = 32, kDatagramBytes = 65536;  // as sonde's listener defaults

int fail(const std::string& what) {
  std::fprintf(stderr, "sonde-loadgen sink: %s: %s\n", what.c_str(), std::strerror(errno));
  return -1;
}

void set_timeout(int fd, int option) {
  timeval tv{0, 100'000};
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

int bind_inet(const std::string& address, int type) {
  auto a = core::parse_listen_address(address);
  if (!a) {
    std::fprintf(stderr, "sonde-loadgen sink: %s: %s\n", address.c_str(), a.message().c_str());
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(a->port);
  if (::getaddrinfo(a->host.empty() ? nullptr : a->host.c_str(), port.c_str(), &hints, &res) != 0) {
    std::fprintf(stderr, "sonde-loadgen sink: %s: cannot resolve\n", address.c_str());
    return -1;
  }
  const int fd = ::socket(res->ai_family, type | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
    ::freeaddrinfo(res);
    return fail("bind " + address);
  }
  ::freeaddrinfo(res);
  return fd;
}

int bind_unix(const std::string& path, int type) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return fail(path);
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  ::unlink(path.c_str());  // a stale socket file of an earlier run
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return fail("bind " + path);
  }
  return fd;
}

/// Answers every request on `fd` with `body()` until the peer closes or `stop`.
template <class Body>
void serve_connection(int fd, const std::atomic<bool>& stop, Body body) {
  set_timeout(fd, SO_RCVTIMEO);
  std::string in;
  char buf[4096];
  while (!stop) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
    if (in.size() > 65536) break;  // no request of ours is that long
    for (auto end = in.find("\r\n\r\n"); end != std::string::npos; end = in.find("\r\n\r\n")) {
      in.erase(0, end + 4);
      const std::string b = body();
      const std::string out =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
          "Content-Length: " +
          std::to_string(b.size()) + "\r\n\r\n" + b;
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) return;
    }
  }
}

}  // namespace

std::uint64_t count_lines(const char* data, std::size_t len) {
  if (len == 0) return 0;
  const auto newlines = static_cast<std::uint64_t>(std::count(data, data + len, '\n'));
  return data[len - 1] == '\n' ? newlines : newlines + 1;
}

void receive_datagrams(int fd, const std::atomic<bool>& stop, std::atomic<std::uint64_t>& lines,
                       std::atomic<std::uint64_t>& datagrams) {
  std::vector<char> buf(kBatch * kDatagramBytes);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  while (!stop.load(std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov[i] = {buf.data() + i * kDatagramBytes, kDatagramBytes};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    std::uint64_t got = 0;
    for (int i = 0; i < n; ++i) {
      got += count_lines(buf.data() + static_cast<std::size_t>(i) * kDatagramBytes,
                         msgs[static_cast<std::size_t>(i)].msg_len);
    }
    if (n > 0) {
      lines.fetch_add(got, std::memory_order_relaxed);
      datagrams.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    }
  }
}

int run_sink(const SinkOptions& o) {
  // SIGINT and SIGTERM go to sigwait below, in no other thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const bool stream = o.transport == "unixstream";
  int fd = -1;
  if (o.transport == "udp") {
    fd = bind_inet(o.address, SOCK_DGRAM);
  } else if (o.transport == "unixgram" || stream) {
    fd = bind_unix(o.address, stream ? SOCK_STREAM : SOCK_DGRAM);
  }
  if (fd < 0) return 1;
  if (o.transport == "udp") {
    const int want = static_cast<int>(o.receive_buffer);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  }
  if (stream && ::listen(fd, 64) != 0) {
    fail("listen " + o.address);
    return 1;
  }
  set_timeout(fd, SO_RCVTIMEO);
  const int web = bind_inet(o.web_listen_address, SOCK_STREAM);
  if (web < 0 || ::listen(web, 16) != 0) return 1;

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> lines{0}, datagrams{0};
  std::vector<std::thread> threads;
  if (!stream) {
    threads.emplace_back([&] { receive_datagrams(fd, stop, lines, datagrams); });
  } else {
    threads.emplace_back([&] {
      std::vector<std::thread> readers;
      while (!stop) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0 || readers.size() >= 64) {
          if (c >= 0) ::close(c);
          continue;
        }
        readers.emplace_back([&, c] {
          set_timeout(c, SO_RCVTIMEO);
          std::vector<char> buf(kDatagramBytes);
          while (!stop) {
            const ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
            if (n == 0) break;
            if (n < 0) {
              if (errno == EAGAIN || errno == EINTR) continue;
              break;
            }
            lines.fetch_add(
                static_cast<std::uint64_t>(std::count(buf.data(), buf.data() + n, '\n')),
                std::memory_order_relaxed);
            datagrams.fetch_add(1, std::memory_order_relaxed);
          }
          ::close(c);
        });
      }
      for (auto& r : readers) r.join();
    });
  }
  threads.emplace_back([&] {
    const std::string labels = "{listener=\"" + o.transport + "\"}";
    while (!stop) {
      pollfd p{web, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept4(web, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve_connection(c, stop, [&] {
        return "# TYPE loadgen_sink_lines_total counter\nloadgen_sink_lines_total" + labels + " " +
               std::to_string(lines.load()) +
               "\n# TYPE loadgen_sink_datagrams_total counter\nloadgen_sink_datagrams_total" +
               labels + " " + std::to_string(datagrams.load()) + "\n";
      });
      ::close(c);
    }
  });

  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(web, reinterpret_cast<sockaddr*>(&addr), &len);
  char host[NI_MAXHOST], port[NI_MAXSERV];
  ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
  std::printf("listening on %s:%s\n", host, port);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  stop = true;
  for (auto& t : threads) t.join();
  ::close(web);
  ::close(fd);
  if (o.transport != "udp") ::unlink(o.address.c_str());
  std::printf("received lines=%llu datagrams=%llu\n", static_cast<unsigned long long>(lines.load()),
              static_cast<unsigned long long>(datagrams.load()));
  return 0;
}

}  // namespace sonde::loadgen
