#include "daemon/wiring.hpp"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

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
#include "http/router.hpp"
#include "http/server.hpp"
#include "ingest/ingest.hpp"

namespace sonde::daemon {

namespace asio = boost::asio;

namespace {
// io_context threads: timers, HTTP and collectors. Two is enough for this daemon's work and
// matches the small machines it runs on; nothing blocks these threads for long.
constexpr int kIoThreads = 2;
// After SIGTERM, in-flight requests get this long before the loop is stopped regardless.
constexpr auto kShutdownGrace = std::chrono::milliseconds(1500);

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
    auto ingest = ingest::Ingest::create(config_.ingest);
    if (!ingest.ok()) {
      spdlog::error("{}", ingest.message());
      return kExitConfig;
    }
    ingest_ = std::move(*ingest);
    if (auto st = ingest_->start(board_); !st.ok()) {
      spdlog::error("{}", st.message());
      return kExitFailure;
    }
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
    ingest_->stop();
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
  std::unique_ptr<ingest::Ingest> ingest_;
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
