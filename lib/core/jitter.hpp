// Retry waits with jitter, shared by the senders (remote write, the alert notifiers).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace sonde::core {

/// A wait between half of `d` and all of it, so many senders do not retry in step.
inline std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  const std::int64_t half = std::max<std::int64_t>(d.count() / 2, 0);
  return std::chrono::milliseconds(half +
                                   std::uniform_int_distribution<std::int64_t>(0, half)(rng));
}

}  // namespace sonde::core
