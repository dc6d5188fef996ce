#include "remote/remote_write.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sonde::remote {

void RemoteWrite::update(std::vector<QueueSettings> settings) {
  // Unchanged queues carry on; the others stop and go first (their metrics carry the same
  // remote_name and url labels as their successors', and their buffer is closed before the
  // successor opens it).
  std::vector<std::unique_ptr<Queue>> kept(settings.size());
  for (std::size_t i = 0; i < settings.size(); ++i) {
    auto same = std::find_if(queues_.begin(), queues_.end(),
                             [&](const auto& q) { return q && q->settings() == settings[i]; });
    if (same != queues_.end()) kept[i] = std::move(*same);
  }
  for (auto& q : queues_) {
    if (!q) continue;
    q->stop();  // removed or changed: its buffer is synced and closed
    // A removed entry's buffer goes with it; a changed one's is replayed by its successor.
    const auto& dir = q->settings().options.buffer.directory;
    const bool used = std::any_of(settings.begin(), settings.end(),
                                  [&](const auto& s) { return s.options.buffer.directory == dir; });
    if (!dir.empty() && !used) {
      spdlog::info("remote_write {}: removed, its buffer {} is deleted", q->settings().options.name,
                   dir.string());
      Buffer::remove_files(*files_, dir);
    }
    q.reset();
  }
  for (std::size_t i = 0; i < settings.size(); ++i) {
    if (kept[i]) continue;
    auto& s = settings[i];
    spdlog::info("remote_write {}: sending to {} every {}ms", s.options.name,
                 s.options.url.redacted(), s.options.interval.count());
    kept[i] = std::make_unique<Queue>(board_, std::move(s), user_agent_, *registry_, files_);
  }
  queues_ = std::move(kept);
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
