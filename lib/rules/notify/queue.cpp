#include "rules/notify/queue.hpp"

#include <iterator>
#include <utility>

namespace sonde::rules::notify {

std::size_t AlertQueue::push(Notification n) {
  const std::uint64_t fp = fingerprint(n.labels);
  if (const auto it = by_fp_.find(fp); it != by_fp_.end()) {
    // The newer state replaces the queued one and goes to the back: it is the newest entry now.
    it->second->n = std::move(n);
    it->second->version = ++versions_;
    order_.splice(order_.end(), order_, it->second);
    return 0;
  }
  order_.push_back(Entry{fp, ++versions_, std::move(n)});
  by_fp_.emplace(fp, std::prev(order_.end()));
  return trim();
}

std::vector<Notification> AlertQueue::take(std::size_t max) {
  std::vector<Notification> out;
  while (out.size() < max && !order_.empty()) {
    by_fp_.erase(order_.front().fp);
    out.push_back(std::move(order_.front().n));
    order_.pop_front();
  }
  return out;
}

std::vector<AlertQueue::Held> AlertQueue::peek(std::size_t max) const {
  std::vector<Held> out;
  for (auto it = order_.begin(); it != order_.end() && out.size() < max; ++it) {
    out.push_back({it->fp, it->version, it->n});
  }
  return out;
}

std::size_t AlertQueue::ack(const std::vector<Held>& sent) {
  std::size_t removed = 0;
  for (const auto& h : sent) {
    const auto it = by_fp_.find(h.fp);
    if (it == by_fp_.end() || it->second->version != h.version) continue;
    order_.erase(it->second);
    by_fp_.erase(it);
    ++removed;
  }
  return removed;
}

std::size_t AlertQueue::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  return trim();
}

std::size_t AlertQueue::trim() {
  std::size_t dropped = 0;
  while (order_.size() > capacity_) {
    by_fp_.erase(order_.front().fp);
    order_.pop_front();
    ++dropped;
  }
  return dropped;
}

}  // namespace sonde::rules::notify
