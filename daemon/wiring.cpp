#include "daemon/wiring.hpp"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "collectors/scheduler.hpp"
#include "core/board.hpp"
#include "core/build_info.hpp"
#include "core/self_metrics.hpp"
#include "gpu/gpu_collector.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace sonde::daemon {

namespace asio = boost::asio;

namespace {
// io_context threads: timers, HTTP and collectors. Two is enough for this daemon's work and
// matches the small machines it runs on; nothing blocks these threads for long.
constexpr int kIoThreads = 2;
// After SIGTERM, in-flight requests get this long before the loop is stopped regardless.
constexpr auto kShutdownGrace = std::chrono::milliseconds(1500);

// lib/gpu depends only on core; this adapts its collector to the scheduler's interface. Its
// series are a live source, so one stuck GPU fails the attempt without hiding the others.
class GpuCollectorAdapter final : public collectors::Collector {
 public:
  explicit GpuCollectorAdapter(std::shared_ptr<gpu::GpuCollector> c) : c_(std::move(c)) {}
  std::string_view name() const override { return c_->name(); }
  core::Status collect(core::SampleSink&) override { return c_->collect(); }
  std::function<void(core::SnapshotBuilder&)> live_source() override {
    return [c = c_](core::SnapshotBuilder& b) { c->render_live(b); };
  }

 private:
  std::shared_ptr<gpu::GpuCollector> c_;
};

// No library, driver or GPU: "unavailable" on the board (not failing, not counted for /ready),
// one info line, and only sonde_gpu_available 0.
void start_gpu(const core::Config& config, core::Board& board, collectors::Scheduler& scheduler) {
  if (!config.gpu.enabled) return;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  auto c = gpu::GpuCollector::open(config.gpu, config.host, host);
  if (!c) {
    spdlog::info("gpu collector unavailable: {}", c.message());
    board.declare("gpu", core::ComponentKind::collector, /*counts_for_ready=*/false);
    board.set_state("gpu", core::ComponentState::unavailable, c.message());
    board.add_live("gpu", [](core::SnapshotBuilder& b) { gpu::render_unavailable(b); });
    return;
  }
  spdlog::info("gpu collector: {} GPU(s) through {} ({})", (*c)->device_count(),
               config.gpu.nvml_library, (*c)->api().resolved_init);
  scheduler.add(std::make_unique<GpuCollectorAdapter>(std::move(*c)), config.gpu.interval);
}

class Daemon {
 public:
  explicit Daemon(const core::Config& config)
      : config_(config),
        registry_(std::make_shared<prometheus::Registry>()),
        scheduler_(io_, board_, core::SystemClock::instance(), *registry_),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        grace_(io_),
        poll_(io_) {
    core::add_registry_source(board_, registry_);
    http::RouterInfo info{core::build::kVersion, core::build::kRevision, {}};
    for (const auto& c : collectors::builtin_collectors()) {
      if (c.settings(config.collectors).enabled) info.enabled_collectors.emplace_back(c.name);
    }
    router_ = std::make_unique<http::Router>(board_, std::move(info));
    server_ = std::make_unique<http::Server>(
        io_, config.web, [r = router_.get()](const http::Request& req) { return r->handle(req); });
  }

  int run() {
    if (auto st = server_->start(); !st.ok()) {
      spdlog::error("{}", st.message());
      return kExitFailure;
    }
    spdlog::info("sonde {} (revision {}) listening on {}", core::build::kVersion,
                 core::build::kRevision, server_->local_address());
    board_.on_ready([] {
      spdlog::info("ready: every collector has finished its first attempt");
      sd_notify(0, "READY=1");
    });
    scheduler_.start(config_.collectors, config_.host);
    start_gpu(config_, board_, scheduler_);
    wait_signal();

    std::vector<std::thread> threads;
    for (int i = 1; i < kIoThreads; ++i) threads.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& t : threads) t.join();
    spdlog::info("stopped");
    return kExitOk;
  }

 private:
  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        // Caught so that it does not kill the daemon (SIGHUP's default action).
        spdlog::warn("SIGHUP received: configuration reload is not implemented yet; ignoring");
        wait_signal();
        return;
      }
      shutdown(sig);
    });
  }

  void shutdown(int sig) {
    spdlog::info("signal {} received, shutting down", sig);
    sd_notify(0, "STOPPING=1");
    server_->stop();
    scheduler_.stop();
    signals_.cancel();
    grace_.expires_after(kShutdownGrace);
    grace_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      spdlog::warn("shutdown grace period over; closing remaining connections");
      io_.stop();
    });
    poll_connections();
  }

  // Stops as soon as the last in-flight request is answered rather than waiting out the grace.
  void poll_connections() {
    if (server_->connections() == 0) {
      grace_.cancel();
      poll_.cancel();
      io_.stop();
      return;
    }
    poll_.expires_after(std::chrono::milliseconds(20));
    poll_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll_connections();
    });
  }

  const core::Config& config_;
  asio::io_context io_;
  std::shared_ptr<prometheus::Registry> registry_;
  core::Board board_;
  collectors::Scheduler scheduler_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  asio::signal_set signals_;
  asio::steady_timer grace_;
  asio::steady_timer poll_;
};

}  // namespace

int run(const core::Config& config) {
  Daemon d(config);
  return d.run();
}

}  // namespace sonde::daemon
