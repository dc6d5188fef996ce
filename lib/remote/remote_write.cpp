#include "remote/remote_write.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sonde::remote {

void RemoteWrite::update(std::vector<QueueSettings> settings) {
  std::vector<std::unique_ptr<Queue>> next;
  for (auto& s : settings) {
    auto same = std::find_if(queues_.begin(), queues_.end(),
                             [&](const auto& q) { return q && q->settings() == s; });
    if (same != queues_.end()) {
      next.push_back(std::move(*same));
      continue;
    }
    spdlog::info("remote_write {}: sending to {} every {}ms", s.options.name,
                 s.options.url.redacted(), s.options.interval.count());
    next.push_back(std::make_unique<Queue>(board_, std::move(s), user_agent_, *registry_));
  }
  for (auto& q : queues_) {
    if (q) q->stop();  // removed or changed
  }
  queues_ = std::move(next);
  if (started_) start();
}

void RemoteWrite::start() {
  started_ = true;
  for (auto& q : queues_) q->start();
}

void RemoteWrite::stop() {
  for (auto& q : queues_) q->stop();
}

}  // namespace sonde::remote
