// Runs each enabled collector on its own timer and strand, and publishes every attempt (its
// snapshot, duration and success) to the board. A slow collector costs only its own freshness.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/options.hpp"
#include "core/board.hpp"
#include "core/options.hpp"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace sonde::collectors {

class Scheduler {
 public:
  /// `registry` receives sonde_collector_parse_errors_total{collector}; it must outlive this.
  Scheduler(boost::asio::io_context& io, core::Board& board, const core::Clock& clock,
            prometheus::Registry& registry);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Declares every enabled built-in collector on the board and starts it; the first attempt
  /// runs at once. Not thread-safe with stop().
  void start(const collectors::CollectorsOptions& options, const core::HostPaths& paths);
  /// Adds one collector that is not in the built-in list (tests, later modules).
  void add(std::unique_ptr<Collector> collector, core::Millis interval);
  /// Cancels every timer. An attempt already running finishes; nothing is published after.
  void stop();

  /// Names of the collectors started, in start order.
  std::vector<std::string> running() const;

 private:
  struct Job;
  boost::asio::io_context& io_;
  core::Board& board_;
  const core::Clock& clock_;
  prometheus::Family<prometheus::Counter>& parse_errors_;
  // Shared by every collector generation (start, stop, start again on reload), so that a hung
  // mount holds one stuck worker for the life of the process, not one per reload.
  std::shared_ptr<core::BlockingPool> blocking_;
  std::vector<std::shared_ptr<Job>> jobs_;
};

}  // namespace sonde::collectors
