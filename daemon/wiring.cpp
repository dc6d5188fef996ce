#include "daemon/wiring.hpp"

#include <fmt/ranges.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cassert>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "collectors/scheduler.hpp"
#include "config/mapping.hpp"
#include "config/web_config.hpp"
#include "core/board.hpp"
#include "core/build_info.hpp"
#include "core/logging.hpp"
#include "core/page_trim.hpp"
#include "core/sd_notify.hpp"
#include "core/self_metrics.hpp"
#include "daemon/remote_settings.hpp"
#include "daemon/rule_files.hpp"
#include "daemon/watchdog.hpp"
#include "gpu/gpu_collector.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "ingest/ingest.hpp"
#include "remote/remote_write.hpp"
#include "rules/api.hpp"
#include "rules/manager.hpp"
#include "rules/notify/notifier.hpp"

namespace sonde::daemon {

namespace asio = boost::asio;

namespace {

/// A notification systemd did not get is worth a warning, never a failure: sonde still serves.
void notify(const core::Status& sent) {
  if (!sent.ok()) spdlog::warn("{}", sent.message());
}

// io_context threads: timers, HTTP and collectors. Two is enough for this daemon's work and
// matches the small machines it runs on; nothing blocks these threads for long.
constexpr int kIoThreads = 2;
// After SIGTERM, in-flight requests get this long before the loop is stopped regardless.
constexpr auto kShutdownGrace = std::chrono::milliseconds(1500);
// How often the web config file and the certificate, key and CA files it names are checked for
// a change (a rotated certificate is served from the next handshake after this).
constexpr auto kWebConfigPoll = std::chrono::seconds(5);

/// What identifies the content of the files a web config depends on without reading them:
/// device, inode, size and modification time of each (a rename over the file, as certbot and
/// Kubernetes secret volumes do, changes the inode; an edit in place the time or size). A file
/// that cannot be stat'ed counts as a change when it comes back.
std::string fingerprint(const std::vector<std::filesystem::path>& files) {
  std::string out;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      out += f.string() + ":missing;";
      continue;
    }
    out += fmt::format("{}:{}:{}:{}:{}.{};", f.string(), st.st_dev, st.st_ino, st.st_size,
                       st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  }
  return out;
}

/// Releases the resident pages of code that ran only at start-up or in a reload
/// (core/page_trim.hpp).
void release_startup_pages(const char* after) {
  const core::TrimResult r = core::release_startup_pages();
  if (r.skipped) {
    spdlog::debug("{}: a library was being loaded; start-up pages not released", after);
    return;
  }
  spdlog::debug("{}: released {} kB resident in {} code and read-only mappings", after,
                r.resident_kb, r.mappings);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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
void start_gpu(const config::Config& config, core::Board& board, collectors::Scheduler& scheduler) {
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

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

/// This host and the port the web listener is bound to (`bound`, HOST:PORT).
std::string instance(const std::string& bound) {
  const auto colon = bound.rfind(':');
  return host_name() + ":" + (colon == std::string::npos ? bound : bound.substr(colon + 1));
}

/// global.series_labels, by default instance=<this host>:<port>, job=sonde (for the rule history
/// and remote write).
core::LabelPairs series_labels(const config::Config& config, const std::string& bound) {
  return config.global.series_labels
             ? *config.global.series_labels
             : core::LabelPairs{{"instance", instance(bound)}, {"job", "sonde"}};
}

/// The rule manager's settings: global.series_labels and web.external_url default to this host
/// and the port the web listener is bound to (`bound`, HOST:PORT).
/// web.external_url, or http://<instance>, without a trailing "/" as Prometheus's
/// computeExternalURL gives it ($externalURL, generatorURL, the webhooks' externalURL).
std::string external_url(const config::Config& config, const std::string& bound) {
  std::string url =
      config.web.external_url.empty() ? "http://" + instance(bound) : config.web.external_url;
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

rules::ManagerSettings rule_settings(const config::Config& config, const std::string& bound,
                                     const Directories& dirs) {
  rules::ManagerSettings s;
  s.rules = config.rules;
  if (s.rules.state_file.empty() && !dirs.state.empty()) {
    s.rules.state_file = dirs.state / "rules-state.json";
  }
  if (!s.rules.state_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(s.rules.state_file.parent_path(), ec);
    if (ec) {
      spdlog::warn("rules: cannot create {}: {}", s.rules.state_file.parent_path().string(),
                   ec.message());
    }
  }
  s.series_labels = series_labels(config, bound);
  s.external_labels = config.global.external_labels;
  s.external_url = external_url(config, bound);
  return s;
}

std::vector<rules::RuleFileInput> rule_inputs(const rules::RulesOptions& options) {
  std::vector<rules::RuleFileInput> out;
  for (auto& f : load_rule_files(options)) {
    out.push_back({std::move(f.path), std::move(f.spec), std::move(f.errors)});
  }
  return out;
}

/// What a new aggregator's mapping is, in the log.
void log_mapping(const config::Config& config, const std::shared_ptr<const ingest::Mapper>& m) {
  if (!m) return;
  if (auto w = m->warning()) spdlog::warn("ingest: {}", *w);
  spdlog::info("ingest: {} mapping rules from {}", m->size(), config.ingest.mapping_file.string());
}

class Daemon {
 public:
  Daemon(const LoadedConfig& initial, Directories dirs, ConfigSource source)
      : config_(initial.config),
        mapper_(initial.mapper),
        dirs_(std::move(dirs)),
        source_(std::move(source)),
        registry_(std::make_shared<prometheus::Registry>()),
        scheduler_(io_, board_, core::SystemClock::instance(), *registry_),
        notifier_(*registry_, std::string("sonde/") + core::build::kVersion),
        rules_(board_, core::SystemClock::instance()),
        remote_(board_, registry_, std::string("sonde/") + core::build::kVersion),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        grace_(io_),
        poll_(io_),
        web_poll_(io_),
        security_(initial.security),
        web_reload_ok_(prometheus::BuildGauge()
                           .Name("sonde_web_config_last_reload_successful")
                           .Help("Whether the last load of the web config file (and the "
                                 "certificates it names) succeeded.")
                           .Register(*registry_)
                           .Add({})),
        web_reload_failures_(prometheus::BuildCounter()
                                 .Name("sonde_web_config_reload_failures_total")
                                 .Help("Loads of a changed web config file (or of its "
                                       "certificates) that failed; the previous one stayed.")
                                 .Register(*registry_)
                                 .Add({})),
        watchdog_timer_(io_),
        reload_ok_(prometheus::BuildGauge()
                       .Name("sonde_config_last_reload_successful")
                       .Help("Whether the last configuration reload attempt was successful.")
                       .Register(*registry_)
                       .Add({})),
        reload_time_(prometheus::BuildGauge()
                         .Name("sonde_config_last_reload_success_timestamp_seconds")
                         .Help("Timestamp of the last successful configuration reload.")
                         .Register(*registry_)
                         .Add({})) {
    core::add_registry_source(board_, registry_);
    // As Prometheus: the configuration loaded at start counts as a successful load.
    reload_ok_.Set(1);
    reload_time_.Set(now_seconds());
    set_router(config_);
    server_ = make_server(config_.web);
    web_reload_ok_.Set(1);
    web_fingerprint_ = security_ ? fingerprint(security_->watched_files()) : std::string();
  }

  int run() {
    // Not ready (READY=1, /ready 200) before every component has been declared.
    board_.hold_ready();
    log_mapping(config_, mapper_);
    ingest_ = ingest::Ingest::create(config_.ingest, mapper_, dirs_.runtime, config_.host);
    if (auto st = ingest_->start(board_); !st.ok()) {
      spdlog::error("{}", st.message());
      return kExitFailure;
    }
    if (auto st = server_->start(); !st.ok()) {
      spdlog::error("{}", st.message());
      return kExitFailure;
    }
    spdlog::info("sonde {} (revision {}) listening on {} ({})", core::build::kVersion,
                 core::build::kRevision, server_->local_address(), describe_security());
    watch_web_config();
    start_watchdog();
    board_.on_ready([] {
      spdlog::info("ready: every collector has finished its first attempt");
      notify(core::sd_notify("READY=1"));
    });
    scheduler_.start(config_.collectors, config_.host);
    start_gpu(config_, board_, scheduler_);
    // Rules evaluate on their own thread, once every source has published once (before that,
    // every rule over a missing source would say so).
    // Alerts go to the notifiers' queues, each sent on its receiver's own thread.
    notifier_.update(config_.rules.notify, config_.global.external_labels,
                     external_url(config_, server_->local_address()));
    rules_.set_alert_sink([this](std::vector<rules::notify::Notification> alerts) {
      notifier_.send(std::move(alerts));
    });
    rules_.update(rule_settings(config_, server_->local_address(), dirs_),
                  rule_inputs(config_.rules));
    board_.on_ready([this] { rules_.start(); });
    // Remote write cuts the board once it is ready, on a thread per entry.
    remote_.update(
        remote_settings(config_, series_labels(config_, server_->local_address()), dirs_.state));
    board_.on_ready([this] { remote_.start(); });
    // Last: the start-up code has run (core/page_trim.hpp).
    board_.on_ready([] { release_startup_pages("start-up"); });
    board_.release_ready();
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
        reload();
        wait_signal();
        return;
      }
      shutdown(sig);
    });
  }

  /// Under WatchdogSec=, "WATCHDOG=1" from a timer on the event loop: when the io_context
  /// threads are wedged the pings stop and systemd restarts sonde. A bad $WATCHDOG_USEC is a
  /// warning (systemd sets it; a person who sets it wrong gets told).
  void start_watchdog() {
    auto wd = process_watchdog();
    if (!wd.ok()) {
      spdlog::warn("watchdog disabled: {}", wd.message());
      return;
    }
    if (!*wd) return;
    spdlog::info("systemd watchdog: {} ms, WATCHDOG=1 every {} ms", (**wd).timeout.count() / 1000,
                 (**wd).interval.count() / 1000);
    ping_watchdog((**wd).interval);
  }

  void ping_watchdog(std::chrono::microseconds interval) {
    notify(core::sd_notify("WATCHDOG=1"));
    watchdog_timer_.expires_after(interval);
    watchdog_timer_.async_wait([this, interval](const boost::system::error_code& ec) {
      if (!ec) ping_watchdog(interval);
    });
  }

  /// SIGHUP: build and validate a whole new configuration; apply all of it or none of it.
  void reload() {
    spdlog::info("SIGHUP received: reloading the configuration");
    notify(core::sd_notify_reloading());
    LoadedConfig next = source_ ? source_() : LoadedConfig{config_, mapper_, security_, {}, {}};
    core::Status applied = core::ok();
    if (next.errors.empty()) applied = apply(next.config, next.mapper, next.security);
    if (!next.errors.empty() || !applied.ok()) {
      for (const auto& e : next.errors.lines()) spdlog::error("reload: {}", e);
      if (!applied.ok()) spdlog::error("reload: {}", applied.message());
      spdlog::error("configuration reload rejected; the running configuration stays");
      reload_ok_.Set(0);
    } else {
      reload_ok_.Set(1);
      reload_time_.Set(now_seconds());
      spdlog::info("configuration reloaded");
    }
    release_startup_pages("reload");
    notify(core::sd_notify("READY=1"));
  }

  /// Applies a valid configuration. Everything that can fail (binding a new listen address) is
  /// done first, so a failure leaves the running configuration untouched; the HTTP listener in
  /// force is only replaced by one already listening.
  core::Status apply(const config::Config& next,
                     const std::shared_ptr<const ingest::Mapper>& next_mapper,
                     const std::shared_ptr<const http::Security>& next_security) {
    // The mapping file was loaded with the configuration (a bad one rejected the reload before
    // anything moved); ingest decides what of it survives.
    auto [ingest_plan, ingest] =
        ingest_->successor(next.ingest, next_mapper, dirs_.runtime, next.host);
    if (ingest_plan == ingest::Reload::new_aggregator) log_mapping(next, next_mapper);
    // A new listen address is bound now, beside the running listener, so that a failure
    // (address in use, cannot resolve) rejects the reload with the old one still serving.
    const http::WebChange web = http::web_change(config_.web, next.web);
    std::unique_ptr<http::Server> server;
    if (web == http::WebChange::new_listener) {
      server = make_server(next.web);
      if (auto st = server->start(); !st.ok()) return st;
    }
    if (ingest) {
      if (auto st = ingest::Ingest::replace(ingest_, std::move(ingest), board_); !st.ok()) {
        return st;
      }
      mapper_ = next_mapper;
      spdlog::info("ingest: listeners and mapping reloaded");
    }
    // From here on nothing fails.
    core::apply_log_options(next.log);
    if (server) {
      server_->stop();
      retire(std::move(server_));
      server_ = std::move(server);
      spdlog::info("listening on {}", server_->local_address());
    } else if (web == http::WebChange::reconfigure) {
      // Same socket, new limits: nothing is unbound, so nothing can fail to bind again.
      [[maybe_unused]] const core::Status st = server_->reconfigure(next.web);
      assert(st.ok());  // web_change() said the address is the same
    }
    // The web config was loaded with the configuration (a bad one rejected the reload, and the
    // one in force stays); it is applied even when unchanged, so certificates are read afresh.
    set_security(next_security);
    restart_collectors(next);
    set_router(next);
    // Rule files are read again on every reload; one that no longer loads keeps its groups.
    // Receivers that stay keep their queues.
    notifier_.update(next.rules.notify, next.global.external_labels,
                     external_url(next, server_->local_address()));
    rules_.update(rule_settings(next, server_->local_address(), dirs_), rule_inputs(next.rules));
    // Unchanged entries carry on; changed ones start afresh, removed ones stop.
    remote_.update(
        remote_settings(next, series_labels(next, server_->local_address()), dirs_.state));
    config_ = next;
    return core::ok();
  }

  /// Stops every collector and starts the enabled ones with the new options (intervals,
  /// filters, paths). Collectors that are now disabled leave the board: their series disappear.
  void restart_collectors(const config::Config& next) {
    scheduler_.stop();
    for (const auto& c : collectors::builtin_collectors()) {
      if (!c.settings(next.collectors).enabled) {
        board_.remove(c.name);
        board_.remove_live(c.name);  // node_time_seconds is computed at scrape time
      }
    }
    scheduler_.start(next.collectors, next.host);
    // The GPU collector is not in the built-in list: it is probed again (a driver installed
    // since the last start or reload is found), or forgotten when disabled.
    board_.remove("gpu");
    board_.remove_live("gpu");
    start_gpu(next, board_, scheduler_);
    spdlog::debug("running collectors: {}", fmt::join(scheduler_.running(), ", "));
  }

  std::unique_ptr<http::Server> make_server(const http::WebOptions& web) {
    auto s = std::make_unique<http::Server>(
        io_, web, [this](const http::Request& req) { return router()->handle(req); }, *registry_);
    s->set_security(security_);
    return s;
  }

  std::string describe_security() const {
    if (!security_) return "plain HTTP, no web config file";
    const auto& spec = security_->spec();
    return fmt::format("{}, {} basic auth user(s), web config {}",
                       security_->tls_context() != nullptr ? "TLS" : "plain HTTP",
                       spec.users.size(), spec.file.string());
  }

  void set_security(std::shared_ptr<const http::Security> next) {
    security_ = std::move(next);
    server_->set_security(security_);
    web_fingerprint_ = security_ ? fingerprint(security_->watched_files()) : std::string();
    failed_fingerprint_.clear();
    web_reload_ok_.Set(1);
  }

  /// Every kWebConfigPoll: when the web config file or a file it names changed, load it again.
  /// A file that does not load keeps the one in force (logged, counted) and is not tried again
  /// until it changes once more.
  void watch_web_config() {
    web_poll_.expires_after(kWebConfigPoll);
    web_poll_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      check_web_config();
      watch_web_config();
    });
  }

  void check_web_config() {
    if (!security_) return;
    const std::string now = fingerprint(security_->watched_files());
    if (now == web_fingerprint_ || now == failed_fingerprint_) return;
    LoadedConfig next{config_, {}, {}, {}, {}};
    load_web_config(next);
    if (!next.errors.empty()) {
      for (const auto& e : next.errors.lines()) spdlog::error("web config: {}", e);
      spdlog::error("web config {} changed but does not load; the one in force stays",
                    config_.web.config_file.string());
      failed_fingerprint_ = now;
      web_reload_ok_.Set(0);
      web_reload_failures_.Increment();
      return;
    }
    set_security(next.security);
    spdlog::info("web config {} reloaded ({})", config_.web.config_file.string(),
                 describe_security());
  }

  void set_router(const config::Config& config) {
    http::RouterInfo info{core::build::kVersion, core::build::kRevision, {}, {}};
    for (const auto& c : collectors::builtin_collectors()) {
      if (c.settings(config.collectors).enabled) info.enabled_collectors.emplace_back(c.name);
    }
    info.json_endpoints.emplace_back("/api/v1/rules", [this](const http::QueryParams& q) {
      auto r = rules::api_rules(rules_, http::query_value(q, "type"));
      return http::JsonReply{r.status, std::move(r.body)};
    });
    info.json_endpoints.emplace_back("/api/v1/alerts", [this](const http::QueryParams&) {
      auto r = rules::api_alerts(rules_);
      return http::JsonReply{r.status, std::move(r.body)};
    });
    // The router's request counters live in the registry: a new router (after a reload) finds
    // the same families and series there, so counts carry on.
    auto r = std::make_shared<const http::Router>(board_, std::move(info), *registry_);
    std::lock_guard lock(router_mu_);
    router_ = std::move(r);
  }

  std::shared_ptr<const http::Router> router() const {
    std::lock_guard lock(router_mu_);
    return router_;
  }

  /// A stopped server whose connections may still be answering; dropped once they are done.
  void retire(std::unique_ptr<http::Server> old) {
    std::erase_if(retired_, [](const auto& s) { return s->connections() == 0; });
    retired_.push_back(std::move(old));
  }

  std::size_t open_connections() const {
    std::size_t n = server_->connections();
    for (const auto& s : retired_) n += s->connections();
    return n;
  }

  void shutdown(int sig) {
    spdlog::info("signal {} received, shutting down", sig);
    notify(core::sd_notify("STOPPING=1"));
    server_->stop();
    scheduler_.stop();
    rules_.stop();
    notifier_.stop();
    remote_.stop();
    ingest_->stop();
    signals_.cancel();
    web_poll_.cancel();
    watchdog_timer_.cancel();
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
    if (open_connections() == 0) {
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

  config::Config config_;                         // the running configuration
  std::shared_ptr<const ingest::Mapper> mapper_;  // its compiled mapping file (null: none)
  // Resolved once at start. `state` is for alert state and the remote-write buffers.
  Directories dirs_;
  ConfigSource source_;
  asio::io_context io_;
  std::shared_ptr<prometheus::Registry> registry_;
  core::Board board_;
  collectors::Scheduler scheduler_;
  // Before rules_: the rule manager's thread sends to it until it is joined.
  rules::notify::Notifier notifier_;  // a thread per Alertmanager
  rules::Manager rules_;              // its own thread
  remote::RemoteWrite remote_;        // a thread per remote_write entry
  mutable std::mutex router_mu_;
  std::shared_ptr<const http::Router> router_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::unique_ptr<http::Server>> retired_;
  std::unique_ptr<ingest::Ingest> ingest_;
  asio::signal_set signals_;
  asio::steady_timer grace_;
  asio::steady_timer poll_;
  asio::steady_timer web_poll_;
  std::shared_ptr<const http::Security> security_;  // the web config in force (null: none)
  std::string web_fingerprint_;                     // of its files when it was loaded
  std::string failed_fingerprint_;                  // of files that last failed to load
  prometheus::Gauge& web_reload_ok_;
  prometheus::Counter& web_reload_failures_;
  asio::steady_timer watchdog_timer_;
  prometheus::Gauge& reload_ok_;
  prometheus::Gauge& reload_time_;
};

}  // namespace

void load_mapping(LoadedConfig& out) {
  const auto& path = out.config.ingest.mapping_file;
  if (path.empty()) return;
  auto spec = config::load_mapping_file(path);
  if (!spec.ok()) {
    out.errors.append(spec.error());
    return;
  }
  auto mapper = ingest::Mapper::compile(std::move(*spec));
  if (!mapper.ok()) {
    out.errors.append(mapper.error());
    return;
  }
  if (auto w = mapper->warning()) out.warnings.push_back(std::move(*w));
  out.mapper = std::make_shared<const ingest::Mapper>(std::move(*mapper));
}

void load_web_config(LoadedConfig& out) {
  const auto& path = out.config.web.config_file;
  if (path.empty()) return;
  auto spec = config::load_web_config_file(path);
  if (!spec.ok()) {
    out.errors.append(spec.error());
    return;
  }
  auto security = http::build_security(*spec);
  if (!security.ok()) {
    out.errors.add({path.string(), 0, 0, "", security.message()});
    return;
  }
  out.security = std::move(*security);
}

int run(const LoadedConfig& initial, const Directories& dirs, ConfigSource reload) {
  Daemon d(initial, dirs, std::move(reload));
  return d.run();
}

}  // namespace sonde::daemon
