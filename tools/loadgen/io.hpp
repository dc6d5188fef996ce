// sonde-loadgen's side of the sockets and of the target: a sender socket per thread (unixgram,
// unixstream, udp), the target's accepted-lines counter read from its Prometheus text
// exposition, and its CPU time and resident memory from /proc/<pid>/stat.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "loadgen/workload.hpp"
#include "net/http_client.hpp"

namespace sonde::loadgen {

enum class Transport : std::uint8_t { unixgram, unixstream, udp };

/// "unixgram", "unixstream", "udp": also the `listener` label of sonde_ingest_lines_total.
std::string_view transport_name(Transport t);

struct TargetAddress {
  Transport transport = Transport::unixgram;
  std::string address;  // a socket path, or HOST:PORT for udp
};

/// What one send did.
enum class SendResult : std::uint8_t {
  sent,
  refused,  // non-blocking and the socket's queue was full (EAGAIN): the payload is not sent
  timeout,  // blocking and no room within the send timeout: try the same payload again
  failed,   // another error (no receiver, connection reset): counted, the payload not sent
};

/// What a batch of datagrams did: `done` were attempted (all of them unless a blocking sender
/// was stopped while it waited), each sent, refused or failed.
struct BatchResult {
  std::size_t done = 0, sent = 0, refused = 0, failed = 0;
};

/// One connected sender socket. Not thread-safe: one per sender thread.
class Sender {
 public:
  /// Connects (a stream connection, or a connected datagram socket). `send_buffer`: SO_SNDBUF
  /// asked for when non-zero. Blocking sends wait at most 100 ms, then return `timeout` so that
  /// the sender can look at its stop flag.
  static core::Result<std::unique_ptr<Sender>> open(const TargetAddress& target, bool blocking,
                                                    std::uint32_t send_buffer);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  SendResult send(std::string_view payload);
  /// Datagram targets only: the payloads through sendmmsg, as many a system call as the socket
  /// takes, each one sent, refused or failed exactly as send() would have it. A blocking sender
  /// waits for room (SO_SNDTIMEO, then again) until `stop` is set. At most kMaxBatch at a time.
  static constexpr std::size_t kMaxBatch = 64;
  BatchResult send_datagrams(std::span<const std::string_view> payloads,
                             const std::atomic<bool>& stop);
  bool stream() const { return stream_; }
  /// errno of the last `failed` send.
  int last_errno() const { return last_errno_; }

 private:
  Sender(int fd, bool stream, bool blocking) : fd_(fd), stream_(stream), blocking_(blocking) {}
  int fd_;
  bool stream_;
  bool blocking_;
  int last_errno_ = 0;
};

/// A counter in a Prometheus text exposition: the sum of the samples of family `metric` (its
/// name with or without `_total`) whose labels include every one of `labels`.
struct CounterSelector {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;
  /// `metric{k="v",...}` for messages and the summary.
  std::string to_string() const;
};

/// The selected counter's value in `exposition` (text format 0.0.4); an error when the text is
/// not that format or no sample matches (a wrong selector reads nothing rather than 0).
core::Result<double> read_counter(std::string_view exposition, const CounterSelector& selector);

/// Reads the counter from a URL (sonde's /metrics, say) with one kept-alive connection.
class CounterSource {
 public:
  static core::Result<std::unique_ptr<CounterSource>> create(std::string_view url,
                                                             CounterSelector selector);
  /// The counter; `body`, when given, receives the whole exposition (the counter check reads
  /// its series from the same scrape).
  core::Result<double> read(std::string* body = nullptr);
  /// The exposition alone (a check between two readings of the counter).
  core::Result<std::string> fetch();
  const CounterSelector& selector() const { return selector_; }

 private:
  CounterSource(std::unique_ptr<net::HttpClient> client, CounterSelector selector)
      : client_(std::move(client)), selector_(std::move(selector)) {}
  std::unique_ptr<net::HttpClient> client_;
  CounterSelector selector_;
};

/// The target process's CPU time (user + system) and resident memory.
struct ProcessSample {
  double cpu_seconds = 0;
  std::uint64_t rss_bytes = 0;
};

/// From /proc/<pid>/stat under `proc` (tests pass a fixture tree).
core::Result<ProcessSample> read_process(const std::filesystem::path& proc, int pid);

}  // namespace sonde::loadgen
