// Ingest load benchmark. Receivers on a Unix datagram socket, each fed by the same sender
// thread for a fixed time:
//   bare:  recvmmsg in batches, counting '\n'-separated lines (the ceiling: the kernel path;
//          sonde-loadgen's sink, tools/loadgen/sink.hpp);
//   sonde: sonde's unixgram listener thread (recvmmsg, parse, aggregate) into an Aggregator,
//          with ingest.origin_detection off and on (SO_PASSCRED, the sender's pid looked up in
//          the origin cache, its start time read from /proc once per batch), alternating
//          `rounds` times so that both see the same machine.
// Prints lines/s for each (the median over the rounds), the ratio sonde/bare and origin on/off.
// Lines go to `series` distinct series (counters, gauges, histograms with tags), all existing
// after the first round: the hot path.
//
//   ingest_load [seconds=5] [series=1000] [lines_per_datagram=40] [rounds=3]
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ingest/aggregator.hpp"
#include "ingest/listeners.hpp"
#include "loadgen/sink.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> make_datagrams(int series, int per_datagram) {
  std::vector<std::string> lines;
  for (int i = 0; i < series; ++i) {
    switch (i % 3) {
      case 0:
        lines.push_back("bench.requests:1|c|#route:/r" + std::to_string(i) + ",method:GET");
        break;
      case 1:
        lines.push_back("bench.inflight:+1|g|#route:/r" + std::to_string(i));
        break;
      default:
        lines.push_back("bench.latency:12.5|ms|#route:/r" + std::to_string(i));
    }
  }
  std::vector<std::string> out;
  std::string d;
  int n = 0;
  for (std::size_t i = 0; i < lines.size() * 4; ++i) {
    if (n) d += '\n';
    d += lines[i % lines.size()];
    if (++n == per_datagram) {
      out.push_back(d);
      d.clear();
      n = 0;
    }
  }
  if (!d.empty()) out.push_back(d);
  return out;
}

/// Sends datagrams round-robin until `stop`; returns lines sent.
std::uint64_t send_for(const std::string& path, const std::vector<std::string>& datagrams,
                       const std::atomic<bool>& stop) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  // A send blocked on a full queue gives up after 100 ms and looks at `stop` again: the bare
  // receiver may have stopped reading first, and a send that waited for it would never return.
  timeval tv{0, 100'000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  std::uint64_t lines = 0;
  std::size_t i = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const auto& d = datagrams[i++ % datagrams.size()];
    if (::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) > 0) {
      lines += static_cast<std::uint64_t>(std::count(d.begin(), d.end(), '\n') + 1);
    }
  }
  ::close(fd);
  return lines;
}

double bare(const std::string& path, const std::vector<std::string>& datagrams, double seconds) {
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);
  timeval tv{0, 100'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> datagrams_received{0};
  std::thread rx(
      [&] { sonde::loadgen::receive_datagrams(fd, stop, received, datagrams_received); });
  std::thread tx([&] { send_for(path, datagrams, stop); });
  const auto t0 = Clock::now();
  const std::uint64_t r0 = received.load();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t r1 = received.load();
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  tx.join();
  rx.join();
  ::close(fd);
  ::unlink(path.c_str());
  return static_cast<double>(r1 - r0) / dt;
}

double cpu_seconds(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double lines_per_s;
  double cpu_ns_per_line;  // CPU time of the listener thread per accepted line
};

Rate with_sonde(const std::string& path, const std::vector<std::string>& datagrams, double seconds,
                bool origin_detection) {
  sonde::ingest::IngestOptions o;
  o.unixgram.path = path;
  o.origin_detection = origin_detection;
  sonde::ingest::Aggregator agg(o, nullptr);
  auto l = sonde::ingest::make_unixgram_listener(agg, o);
  if (auto st = l->start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    std::exit(1);
  }
  auto accepted = [&] {
    sonde::core::SnapshotBuilder b;
    agg.collect(b);
    for (const auto& f : b.take().families) {
      for (const auto& s : f.samples) {
        if (s.series == "sonde_ingest_lines_total{listener=\"unixgram\",result=\"accepted\"}") {
          return s.value;
        }
      }
    }
    return 0.0;
  };
  std::atomic<bool> stop{false};
  std::thread tx([&] { send_for(path, datagrams, stop); });
  clockid_t sender_clock{};
  ::pthread_getcpuclockid(tx.native_handle(), &sender_clock);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // every series registered
  // The listener's CPU time: the process's less the sender's and this thread's (the scrapes).
  const auto listener_cpu = [&] {
    return cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_seconds(sender_clock) -
           cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  };
  const auto t0 = Clock::now();
  const double a0 = accepted();
  const double c0 = listener_cpu();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double a1 = accepted();
  const double c1 = listener_cpu();
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  tx.join();
  l->stop();
  return {(a1 - a0) / dt, (c1 - c0) * 1e9 / (a1 - a0)};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5;
  const int series = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int per = argc > 3 ? std::atoi(argv[3]) : 40;
  const auto datagrams = make_datagrams(series, per);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ingest-load-" + std::to_string(::getpid())))
          .string();
  const int rounds = std::max(1, argc > 4 ? std::atoi(argv[4]) : 3);
  std::vector<double> bares, offs, ons, off_cpu, on_cpu;
  for (int r = 0; r < rounds; ++r) {
    bares.push_back(bare(path, datagrams, seconds));
    const Rate off = with_sonde(path, datagrams, seconds, false);
    const Rate on = with_sonde(path, datagrams, seconds, true);
    offs.push_back(off.lines_per_s);
    ons.push_back(on.lines_per_s);
    off_cpu.push_back(off.cpu_ns_per_line);
    on_cpu.push_back(on.cpu_ns_per_line);
    std::printf(
        "round %d: bare %.0f, origin off %.0f (%.0f ns CPU/line), origin on %.0f (%.0f ns "
        "CPU/line) lines/s\n",
        r + 1, bares.back(), off.lines_per_s, off.cpu_ns_per_line, on.lines_per_s,
        on.cpu_ns_per_line);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double b = median(bares), s = median(offs), on = median(ons);
  std::printf("lines_per_datagram=%d series=%d seconds=%.1f rounds=%d (medians)\n", per, series,
              seconds, rounds);
  std::printf("bare recvmmsg receiver: %.0f lines/s\n", b);
  std::printf("sonde unixgram+aggregator: %.0f lines/s\n", s);
  std::printf("sonde with origin detection: %.0f lines/s\n", on);
  std::printf("ratio sonde/bare: %.3f\n", s / b);
  std::printf("ratio origin on/off: %.3f\n", on / s);
  std::printf("listener CPU per line: origin off %.0f ns, on %.0f ns (on/off %.3f)\n",
              median(off_cpu), median(on_cpu), median(on_cpu) / median(off_cpu));
  return 0;
}
