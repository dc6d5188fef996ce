// Polls a condition another thread makes true (a worker finishing, a datagram arriving, a
// connection closing). Not a timing assertion: the limit is a deadline that only a hang reaches.
#pragma once

#include <chrono>
#include <thread>

namespace sonde::test {

inline constexpr std::chrono::seconds kEventually{10};

/// True as soon as `pred()` is; false if it still is not after `limit`.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::steady_clock::duration limit = kEventually) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace sonde::test
