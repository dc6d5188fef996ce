#include "collectors/scheduler.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "core/kept_files.hpp"
#include "core/metrics.hpp"

namespace sonde::collectors {

namespace asio = boost::asio;

namespace {
// Workers for calls that can hang (statfs): each hung mount holds one until it returns, and
// healthy calls need only one or two.
constexpr std::size_t kBlockingWorkers = 8;
}  // namespace

struct Scheduler::Job : std::enable_shared_from_this<Scheduler::Job> {
  Job(asio::io_context& io, std::unique_ptr<Collector> c, core::Millis iv, core::Board& b,
      const core::Clock& clk, prometheus::Counter& errors)
      : strand(asio::make_strand(io)),
        timer(strand),
        collector(std::move(c)),
        interval(iv),
        board(b),
        clock(clk),
        parse_errors(errors),
        name(collector->name()) {}

  void run_once() {
    if (stopped.load()) return;
    const auto start = clock.steady_now();
    core::SnapshotBuilder& out = builder;
    core::Status status;
    try {
      status = collector->collect(out);
    } catch (const std::exception& e) {
      // Collectors must not throw; if one does, it is a failed attempt, not a dead daemon.
      status = core::error(std::string("collector threw: ") + e.what());
    }
    const double seconds = std::chrono::duration<double>(clock.steady_now() - start).count();
    if (out.parse_error_count() > 0) {
      parse_errors.Increment(static_cast<double>(out.parse_error_count()));
    }
    if (stopped.load()) {
      (void)out.take();
      return;
    }
    if (!status.ok()) {
      if (!failing) spdlog::warn("collector {} failed: {}", name, status.message());
      failing = true;
    } else if (failing) {
      spdlog::info("collector {} recovered", name);
      failing = false;
    }
    std::shared_ptr<core::Snapshot> snapshot;
    if (status.ok()) {
      snapshot = std::make_shared<core::Snapshot>(out.take());
    } else {
      (void)out.take();  // a failed attempt's partial samples go
    }
    std::shared_ptr<core::Snapshot> replaced = std::exchange(published, snapshot);
    board.publish(name, std::move(snapshot), seconds, status);
    // The snapshot the board just let go is this job's alone unless a scrape still renders it:
    // then its storage is filled again next time instead of freed now and allocated anew. The
    // fence orders the scrape threads' last reads (their release of the count) before the writes.
    if (replaced && replaced.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
      out.recycle(std::move(*replaced));
    }
    // Fixed rate: the next attempt is one interval after this one started; a late attempt does
    // not pile up missed ones.
    next += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    schedule();
  }

  void schedule() {
    timer.expires_at(next);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled by stop()
      self->run_once();
    });
  }

  void start() {
    next = std::chrono::steady_clock::now();
    asio::post(strand, [self = shared_from_this()] { self->run_once(); });
  }

  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  std::unique_ptr<Collector> collector;
  core::Millis interval;
  core::Board& board;
  const core::Clock& clock;
  prometheus::Counter& parse_errors;
  std::string name;
  std::chrono::steady_clock::time_point next{};
  std::atomic<bool> stopped{false};
  bool failing = false;
  /// Kept between attempts (only this job's strand touches them): the builder holds the storage
  /// of the snapshot before the published one, to fill again.
  core::SnapshotBuilder builder;
  std::shared_ptr<core::Snapshot> published;
};

Scheduler::Scheduler(asio::io_context& io, core::Board& board, const core::Clock& clock,
                     prometheus::Registry& registry)
    : io_(io),
      board_(board),
      clock_(clock),
      parse_errors_(prometheus::BuildCounter()
                        .Name("sonde_collector_parse_errors_total")
                        .Help("Lines or fields a collector skipped because it could not parse "
                              "them.")
                        .Register(registry)),
      blocking_(std::make_shared<core::BlockingPool>(kBlockingWorkers)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start(const collectors::CollectorsOptions& options, const core::HostPaths& paths) {
  const CollectorContext ctx{options, paths, clock_, blocking_};
  board_.add_live("kept_files", [](core::SnapshotBuilder& out) {
    const core::KeptFiles::Stats s = core::KeptFiles::shared().stats();
    out.gauge("sonde_collector_kept_files",
              "Descriptors of /proc and /sys files kept open between reads.", {},
              static_cast<double>(s.kept));
    out.gauge("sonde_collector_kept_files_limit",
              "At most this many /proc and /sys descriptors are kept open.", {},
              static_cast<double>(s.limit));
    out.counter("sonde_collector_kept_file_reads_total",
                "Reads of /proc and /sys files served by a descriptor kept open.", {},
                static_cast<double>(s.reads));
    out.counter("sonde_collector_kept_files_closed_total",
                "Kept descriptors closed, by reason: gone (the file went away and was opened "
                "again) or idle (unused for five minutes).",
                {{"reason", "gone"}}, static_cast<double>(s.reopened));
    out.counter("sonde_collector_kept_files_closed_total",
                "Kept descriptors closed, by reason: gone (the file went away and was opened "
                "again) or idle (unused for five minutes).",
                {{"reason", "idle"}}, static_cast<double>(s.idle_closed));
    out.counter("sonde_collector_kept_files_refused_total",
                "Reads of /proc and /sys files not kept open because the limit was reached "
                "(opened, read and closed instead).",
                {{"reason", "limit"}}, static_cast<double>(s.full));
  });
  for (const CollectorInfo& info : builtin_collectors()) {
    const collectors::CollectorOptions& s = info.settings(options);
    if (!s.enabled) continue;
    add(info.make(ctx), s.interval);
  }
}

void Scheduler::add(std::unique_ptr<Collector> collector, core::Millis interval) {
  std::string name(collector->name());
  prometheus::Counter& errors = parse_errors_.Add({{"collector", name}});
  board_.declare(name, core::ComponentKind::collector, true);
  if (auto live = collector->live_source()) board_.add_live(name, std::move(live));
  auto job = std::make_shared<Job>(io_, std::move(collector), interval, board_, clock_, errors);
  jobs_.push_back(job);
  job->start();
}

void Scheduler::stop() {
  for (auto& job : jobs_) {
    job->stopped.store(true);
    asio::post(job->strand, [job] { job->timer.cancel(); });
  }
  jobs_.clear();
}

std::vector<std::string> Scheduler::running() const {
  std::vector<std::string> names;
  names.reserve(jobs_.size());
  for (const auto& j : jobs_) names.push_back(j->name);
  return names;
}

}  // namespace sonde::collectors
