// DogStatsD listeners: one thread each, reading sockets and handing bytes to the aggregator.
// Datagram sockets (unixgram, udp) are read with recvmmsg in batches; a unix stream socket
// serves a bounded number of connections with poll(), each with a bounded buffer.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "core/host_paths.hpp"
#include "core/result.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/options.hpp"

namespace sonde::ingest {

class Listener {
 public:
  virtual ~Listener() = default;
  /// "unixgram", "unixstream", "udp": the `listener` label and the board component name.
  virtual const std::string& name() const = 0;
  /// Where it listens, for the log ("/run/sonde/dsd.sock", "127.0.0.1:8125").
  virtual std::string address() const = 0;
  /// Binds (on the calling thread, so errors are immediate) and starts the thread.
  virtual core::Status start() = 0;
  /// Wakes the thread, joins it and closes the socket (removing a Unix socket file). Prompt:
  /// the thread waits in poll() on the socket and a wake-up descriptor.
  virtual void stop() = 0;
};

/// `runtime_dir` (resolved by daemon/) holds the socket when the options give no path; it is
/// created 0700 when missing and must belong to this user. Unused when the options name a path.
/// `proc` is the procfs origin detection reads senders' cgroups from (core's host options).
std::unique_ptr<Listener> make_unixgram_listener(
    Aggregator& agg, const ingest::IngestOptions& options,
    const std::filesystem::path& runtime_dir = {},
    const std::filesystem::path& proc = core::HostPaths{}.proc);
std::unique_ptr<Listener> make_udp_listener(Aggregator& agg, const ingest::IngestOptions& options);
std::unique_ptr<Listener> make_unixstream_listener(
    Aggregator& agg, const ingest::IngestOptions& options,
    const std::filesystem::path& runtime_dir = {},
    const std::filesystem::path& proc = core::HostPaths{}.proc);

}  // namespace sonde::ingest
