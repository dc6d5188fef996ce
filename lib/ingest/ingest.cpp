#include "ingest/ingest.hpp"

#include <spdlog/spdlog.h>

namespace sonde::ingest {

std::unique_ptr<Ingest> Ingest::create(const IngestOptions& options,
                                       std::shared_ptr<const Mapper> mapper,
                                       const std::filesystem::path& runtime_dir,
                                       const core::HostPaths& host, const core::Clock& clock) {
  return std::unique_ptr<Ingest>(
      new Ingest(options, runtime_dir, host.proc,
                 std::make_shared<Aggregator>(options, std::move(mapper), clock)));
}

std::unique_ptr<Ingest> Ingest::with_aggregator(const IngestOptions& options,
                                                const std::filesystem::path& runtime_dir,
                                                const core::HostPaths& host,
                                                std::shared_ptr<Aggregator> aggregator) {
  return std::unique_ptr<Ingest>(
      new Ingest(options, runtime_dir, host.proc, std::move(aggregator)));
}

bool same_aggregation(const ingest::IngestOptions& a, const ingest::IngestOptions& b) {
  const auto aggregation_only = [](ingest::IngestOptions o) {
    const ingest::IngestOptions defaults;
    o.unixgram = defaults.unixgram;
    o.unixstream = defaults.unixstream;
    o.udp = defaults.udp;
    o.max_datagram_bytes = defaults.max_datagram_bytes;
    o.batch_size = defaults.batch_size;
    // Only the listeners hold the origin cache; the series' origin TTL stays an aggregation one.
    o.origin_cache_size = defaults.origin_cache_size;
    o.origin_cache_ttl = defaults.origin_cache_ttl;
    o.mapping_file = defaults.mapping_file;  // its contents are compared by the caller
    return o;
  };
  return aggregation_only(a) == aggregation_only(b);
}

Reload plan_reload(const IngestOptions& running, const Mapper* running_mapper,
                   const std::filesystem::path& running_proc, const IngestOptions& next,
                   const Mapper* next_mapper, const std::filesystem::path& next_proc) {
  const bool mapping_same = (running_mapper == nullptr || next_mapper == nullptr)
                                ? running_mapper == next_mapper
                                : running_mapper->spec() == next_mapper->spec();
  const bool proc_changed = next.origin_detection && !(next_proc == running_proc);
  if (next == running && mapping_same && !proc_changed) return Reload::keep;
  if (mapping_same && same_aggregation(next, running)) return Reload::new_listeners;
  return Reload::new_aggregator;
}

std::pair<Reload, std::unique_ptr<Ingest>> Ingest::successor(
    const IngestOptions& next, std::shared_ptr<const Mapper> next_mapper,
    const std::filesystem::path& runtime_dir, const core::HostPaths& host) const {
  const Reload plan =
      plan_reload(options_, aggregator_->mapper().get(), proc_, next, next_mapper.get(), host.proc);
  switch (plan) {
    case Reload::keep:
      return {plan, nullptr};
    case Reload::new_listeners:
      return {plan, with_aggregator(next, runtime_dir, host, aggregator_)};
    case Reload::new_aggregator:
      break;
  }
  return {plan, create(next, std::move(next_mapper), runtime_dir, host)};
}

core::Status Ingest::replace(std::unique_ptr<Ingest>& running, std::unique_ptr<Ingest> next,
                             core::Board& board) {
  running->stop();
  auto st = next->start(board);
  if (st.ok()) {
    running = std::move(next);
    return st;
  }
  spdlog::error("ingest: cannot start the new listeners: {}; restarting the previous ones",
                st.message());
  next.reset();
  running = std::unique_ptr<Ingest>(
      new Ingest(running->options_, running->runtime_dir_, running->proc_, running->aggregator_));
  if (auto again = running->start(board); !again.ok()) {
    spdlog::critical("ingest: cannot restart the previous listeners: {}", again.message());
  }
  return st;
}

Ingest::~Ingest() { stop(); }

core::Status Ingest::start(core::Board& board) {
  board_ = &board;
  if (options_.unixgram.enabled) {
    listeners_.push_back(make_unixgram_listener(*aggregator_, options_, runtime_dir_, proc_));
  }
  if (options_.unixstream.enabled) {
    listeners_.push_back(make_unixstream_listener(*aggregator_, options_, runtime_dir_, proc_));
  }
  if (options_.udp.enabled) listeners_.push_back(make_udp_listener(*aggregator_, options_));
  for (auto& l : listeners_) board.declare(l->name(), core::ComponentKind::listener);
  board.add_live("ingest",
                 // A scrape may still be running this after stop() (the board runs live sources
                 // outside its lock): it keeps the aggregator alive until it is done.
                 [a = aggregator_](core::SnapshotBuilder& out) { a->collect(out); });
  for (auto& l : listeners_) {
    if (auto st = l->start(); !st.ok()) {
      board.set_state(l->name(), core::ComponentState::failing, st.message());
      const std::string message = "ingest: " + l->name() + ": " + st.message();
      stop();
      return core::error(message);
    }
    spdlog::info("ingest: {} bound to {}", l->name(), l->address());
    board.set_state(l->name(), core::ComponentState::ok);
  }
  return core::ok();
}

void Ingest::stop() {
  for (auto& l : listeners_) l->stop();
  if (board_) {
    board_->remove_live("ingest");
    // A reload may start other listeners: these must not hold /ready or show in /health.
    for (auto& l : listeners_) board_->remove(l->name());
  }
  board_ = nullptr;
}

}  // namespace sonde::ingest
