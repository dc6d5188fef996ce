// One receiver's queue of notifications (issue 22): at most one entry per alert (its
// fingerprint), so a newer state of an alert replaces the older one (not a drop) and moves to
// the back; the capacity counts distinct alerts, and pushing past it drops the oldest entries,
// counted. Not thread-safe: the sender that owns it guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "rules/notify/payload.hpp"

namespace sonde::rules::notify {

class AlertQueue {
 public:
  explicit AlertQueue(std::size_t capacity) : capacity_(capacity) {}

  /// Queues `n` under its labels' fingerprint, replacing a queued state of the same alert.
  /// Returns how many entries were dropped to make room (0 or more; the oldest first).
  std::size_t push(Notification n);

  /// Takes up to `max` of the oldest entries, oldest first.
  std::vector<Notification> take(std::size_t max);

  /// An entry as a sender holds it while its request is in flight.
  struct Held {
    std::uint64_t fp;
    std::uint64_t version;
    Notification n;
  };
  /// Copies of up to `max` of the oldest entries, left in the queue: a sender removes them with
  /// ack() once the receiver has them, so an entry whose send failed is still queued (and a
  /// newer state of it, pushed meanwhile, still replaces it).
  std::vector<Held> peek(std::size_t max) const;
  /// Removes the entries of `sent` that no newer state has replaced since peek(); returns how
  /// many.
  std::size_t ack(const std::vector<Held>& sent);

  /// A new capacity (a reload): entries past it are dropped now, oldest first; returns how many.
  std::size_t set_capacity(std::size_t capacity);

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return order_.empty(); }

 private:
  struct Entry {
    std::uint64_t fp;
    std::uint64_t version;
    Notification n;
  };
  std::size_t trim();

  std::size_t capacity_;
  std::uint64_t versions_ = 0;  // the last version given
  std::list<Entry> order_;      // oldest first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> by_fp_;
};

}  // namespace sonde::rules::notify
