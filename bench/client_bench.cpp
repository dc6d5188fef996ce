// Cost per call of each operation of the C++ client (clients/cpp) and datagrams per second one
// thread sends. A thread drains a Unix datagram socket in a temporary directory, so datagrams
// are really sent (the kernel copy is part of the cost), as to sonde's socket.
//   sonde_client_bench [calls per operation, default 2000000]
// Wall time and the calling thread's CPU time per call. Allocations are counted by a replaced
// global operator new (calls and bytes, per call).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <new>
#include <sonde/client.hpp>
#include <string>
#include <thread>

#include "counting_new.hpp"

namespace {

using Clock = std::chrono::steady_clock;

/// CPU time of the calling thread: on a loaded machine, less disturbed than wall time.
double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void run(const char* what, long calls, sonde::Client& c, const std::function<void(long)>& op) {
  for (long i = 0; i < 1000; ++i) op(i);  // warm-up: buffers reach their size
  c.flush();
  const auto before = c.stats();
  const auto allocs = g_allocs.load();
  const auto t0 = Clock::now();
  const double cpu0 = thread_cpu_ns();
  for (long i = 0; i < calls; ++i) op(i);
  c.flush();
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  const double cpu = thread_cpu_ns() - cpu0;
  const auto after = c.stats();
  const double a = static_cast<double>(g_allocs.load() - allocs) / static_cast<double>(calls);
  std::printf("%-36s %7.1f ns/call %7.1f ns CPU %5.2f allocs/call %8.0f datagrams/s dropped %llu\n",
              what, ns / static_cast<double>(calls), cpu / static_cast<double>(calls), a,
              static_cast<double>(after.datagrams_sent - before.datagrams_sent) / (ns / 1e9),
              static_cast<unsigned long long>(after.datagrams_dropped - before.datagrams_dropped));
}

}  // namespace

int main(int argc, char** argv) {
  const long calls = argc > 1 ? std::atol(argv[1]) : 2000000;
  char tmpl[] = "/tmp/sonde-client-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string path = dir + "/dsd.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rcvbuf = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 1;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> received{0};
  std::thread drain([&] {
    static char buf[70000];
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) == 1 && ::recv(fd, buf, sizeof buf, 0) > 0) ++received;
    }
  });

  sonde::ClientOptions o;
  o.address = "unix://" + path;
  o.flush_interval = std::chrono::milliseconds(0);
  o.constant_tags = {"env:prod"};
  sonde::Client c(o);
  std::printf(
      "%ld calls each; lines like 'checkout.request.duration_seconds:12.5|ms|#endpoint:"
      "/pay,status:200,env:prod'\n",
      calls);
  run("increment, no tags", calls, c, [&](long) { c.increment("checkout.requests"); });
  run("count, 2 tags", calls, c, [&](long i) {
    c.count("checkout.requests", static_cast<double>(i & 7),
            {{"endpoint", "/pay"}, {"status", "200"}});
  });
  run("gauge, 1 tag", calls, c,
      [&](long i) { c.gauge("checkout.queue", static_cast<double>(i), {"queue:mail"}); });
  run("histogram, 2 tags", calls, c, [&](long i) {
    c.histogram("checkout.size", static_cast<double>(i) * 0.5, {"a:b", "c:d"});
  });
  run("distribution, 2 tags", calls, c, [&](long) {
    c.distribution("checkout.lat", 0.123, {"a:b", "c:d"});
  });
  run("timing, 2 tags", calls, c, [&](long) {
    c.timing("checkout.request.duration_seconds", 12.5, {{"endpoint", "/pay"}, {"status", "200"}});
  });
  run("timing, 2 tags, rate 0.1", calls, c, [&](long) {
    c.timing("checkout.request.duration_seconds", 12.5, {{"endpoint", "/pay"}, {"status", "200"}},
             0.1);
  });
  run("set, 1 tag", calls, c, [&](long) { c.set("checkout.users", "alice", {"a:b"}); });
  run("scoped timer, 2 tags", calls, c, [&](long) {
    auto t =
        c.timer("checkout.request.duration_seconds", {{"endpoint", "/pay"}, {"status", "200"}});
  });
  run("event", calls / 4, c, [&](long) {
    sonde::Event e;
    e.title = "deploy";
    e.text = "v2 rolled out";
    c.event(e, {"env:prod"});
  });
  run("service check", calls / 4, c,
      [&](long) { c.service_check("checkout.db", sonde::ServiceCheckStatus::ok, {"db:main"}); });
  run("increment + flush (1-line datagram)", calls / 4, c, [&](long) {
    c.increment("checkout.requests");
    c.flush();
  });
  std::thread other([&] {
    for (long i = 0; i < calls; ++i) c.increment("checkout.other");
  });
  run("increment, another thread too", calls, c, [&](long) { c.increment("checkout.requests"); });
  other.join();

  stop = true;
  drain.join();
  ::close(fd);
  std::filesystem::remove_all(dir);
  std::printf("receiver got %llu datagrams\n", static_cast<unsigned long long>(received.load()));
  return 0;
}
