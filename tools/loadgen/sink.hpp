// The bare counting receiver: recvmmsg in batches, counting '\n'-separated lines, no parsing.
// It is the ceiling a DogStatsD server is compared with (the kernel's path and nothing else):
// `sonde-loadgen sink` runs it as a process with its count at /metrics, and bench/ingest_load
// runs it in-process beside sonde's listener.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace sonde::loadgen {

/// Lines in one datagram: its '\n'-separated parts, a final '\n' ending the last one.
std::uint64_t count_lines(const char* data, std::size_t len);

/// Receives from a bound datagram socket `fd` (unixgram or udp) until `stop`, adding to `lines`
/// and `datagrams`. `fd` must have a receive timeout (SO_RCVTIMEO) for `stop` to be seen.
void receive_datagrams(int fd, const std::atomic<bool>& stop, std::atomic<std::uint64_t>& lines,
                       std::atomic<std::uint64_t>& datagrams);

struct SinkOptions {
  std::string transport;  // "unixgram", "unixstream" (newline framing) or "udp"
  std::string address;    // a socket path, or HOST:PORT
  std::string web_listen_address = "127.0.0.1:0";
  std::uint32_t receive_buffer = 8u << 20;  // SO_RCVBUF asked for, as sonde's udp listener
};

/// Runs the sink until SIGINT or SIGTERM; prints "listening on HOST:PORT" (its /metrics) once
/// it receives. 0 at a clean stop, 1 when a socket could not be set up.
int run_sink(const SinkOptions& options);

}  // namespace sonde::loadgen
