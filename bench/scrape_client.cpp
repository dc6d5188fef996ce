// A minimal keep-alive HTTP/1.1 scraper for benchmarks: one connection, N GETs in a row (or one
// every --interval-ms), each timed from the first byte sent to the last byte of the body read.
// Handles Content-Length and chunked bodies (Go's net/http answers node_exporter's scrapes
// chunked). Blocking POSIX sockets only, so that the client costs the same for every server.
//
//   scrape_client HOST:PORT [--path /metrics] [-n 300] [--warmup 20] [--accept VALUE] [--gzip]
//                 [--interval-ms 0]
//
// Prints one line: n=… median_ms=… p90_ms=… p99_ms=… max_ms=… mean_bytes=…
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

class Connection {
 public:
  Connection(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
      throw std::runtime_error("cannot resolve " + host);
    }
    fd_ = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd_ < 0 || connect(fd_, res->ai_addr, res->ai_addrlen) != 0) {
      freeaddrinfo(res);
      throw std::runtime_error("cannot connect to " + host + ":" + port);
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send_all(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<std::size_t>(n);
    }
  }

  /// Reads one response; returns the body size.
  std::size_t read_response() {
    const std::size_t head_end = fill_until("\r\n\r\n");
    std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.compare(0, 9, "http/1.1 ") != 0 || head.compare(9, 3, "200") != 0) {
      throw std::runtime_error("unexpected response: " + head.substr(0, head.find('\r')));
    }
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
      std::size_t total = 0;
      for (;;) {
        const std::size_t line_end = fill_until("\r\n");
        const std::size_t len = std::strtoul(buf_.substr(0, line_end).c_str(), nullptr, 16);
        buf_.erase(0, line_end + 2);
        fill_at_least(len + 2);
        buf_.erase(0, len + 2);
        total += len;
        if (len == 0) return total;
      }
    }
    const auto cl = head.find("content-length: ");
    if (cl == std::string::npos) throw std::runtime_error("no content-length");
    const std::size_t len = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
    fill_at_least(len);
    buf_.erase(0, len);
    return len;
  }

 private:
  void read_more() {
    char tmp[65536];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("connection closed");
    buf_.append(tmp, static_cast<std::size_t>(n));
  }
  std::size_t fill_until(const char* delim) {
    for (;;) {
      const auto p = buf_.find(delim);
      if (p != std::string::npos) return p;
      read_more();
    }
  }
  void fill_at_least(std::size_t n) {
    while (buf_.size() < n) read_more();
  }

  int fd_ = -1;
  std::string buf_;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s HOST:PORT [--path P] [-n N] [--warmup W] [--accept A] "
                 "[--gzip] [--interval-ms MS]\n",
                 argv[0]);
    return 2;
  }
  const std::string target = argv[1];
  const auto colon = target.rfind(':');
  std::string path = "/metrics", accept;
  int n = 300, warmup = 20, interval_ms = 0;
  bool gzip = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--path")
      path = next();
    else if (a == "-n")
      n = std::stoi(next());
    else if (a == "--warmup")
      warmup = std::stoi(next());
    else if (a == "--accept")
      accept = next();
    else if (a == "--gzip")
      gzip = true;
    else if (a == "--interval-ms")
      interval_ms = std::stoi(next());
    else
      throw std::runtime_error("unknown argument " + a);
  }
  std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: " + target + "\r\nUser-Agent: sonde-bench\r\n";
  if (!accept.empty()) req += "Accept: " + accept + "\r\n";
  if (gzip) req += "Accept-Encoding: gzip\r\n";
  req += "\r\n";
  try {
    Connection c(target.substr(0, colon), target.substr(colon + 1));
    for (int i = 0; i < warmup; ++i) {
      c.send_all(req);
      c.read_response();
    }
    std::vector<double> ms;
    double bytes = 0;
    for (int i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      c.send_all(req);
      bytes += static_cast<double>(c.read_response());
      const std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - t0;
      ms.push_back(d.count());
      if (interval_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
    std::printf("n=%d median_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_bytes=%.0f\n", n,
                percentile(ms, 0.5), percentile(ms, 0.9), percentile(ms, 0.99),
                *std::max_element(ms.begin(), ms.end()), bytes / n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scrape_client: %s\n", e.what());
    return 1;
  }
  return 0;
}
