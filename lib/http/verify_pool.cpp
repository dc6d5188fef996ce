#include "http/verify_pool.hpp"

#include <algorithm>
#include <thread>

namespace sonde::http {

VerifyPool::~VerifyPool() { stop(); }

void VerifyPool::stop() {
  std::deque<Job> dropped;
  std::unique_lock lock(state_->mu);
  state_->stopping = true;
  dropped.swap(state_->jobs);
  state_->cv.notify_all();
  if (std::this_thread::get_id() != state_->worker) {
    state_->idle.wait(lock, [this] { return state_->running == 0; });
  }
  lock.unlock();
  // What the queued checks captured (their sessions) is released here, off the lock.
}

bool VerifyPool::try_submit(const boost::asio::ip::address& client, std::function<void()> run,
                            std::function<void()> refuse, std::uint32_t limit) {
  std::function<void()> displaced;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return false;
    if (state_->jobs.size() + state_->running >= limit) {
      // The client with the most checks queued (the newest of them is displaced).
      AddressMap<std::size_t> queued;
      for (const auto& j : state_->jobs) ++queued[j.client];
      auto heaviest = state_->jobs.end();
      std::size_t most = 0;
      for (auto it = state_->jobs.begin(); it != state_->jobs.end(); ++it) {
        if (queued[it->client] >= most) {  // >=: the newest job of the heaviest client
          most = queued[it->client];
          heaviest = it;
        }
      }
      if (heaviest == state_->jobs.end() || most <= queued[client] + 1) return false;
      displaced = std::move(heaviest->refuse);
      state_->jobs.erase(heaviest);
    }
    state_->jobs.push_back({client, std::move(run), std::move(refuse)});
    if (!state_->started) {
      state_->started = true;
      std::thread([s = state_] { s->work(); }).detach();
    }
    state_->cv.notify_one();
  }
  if (displaced) displaced();
  return true;
}

std::deque<VerifyPool::Job>::iterator VerifyPool::State::next() {
  auto best = jobs.begin();
  std::uint64_t best_seen = UINT64_MAX;
  for (auto it = jobs.begin(); it != jobs.end(); ++it) {
    const auto seen = last_served.find(it->client);
    const std::uint64_t at = seen == last_served.end() ? 0 : seen->second;
    if (at < best_seen) {
      best_seen = at;
      best = it;
      if (at == 0) break;
    }
  }
  return best;
}

void VerifyPool::State::work() {
  std::unique_lock lock(mu);
  worker = std::this_thread::get_id();
  while (true) {
    cv.wait(lock, [this] { return stopping || !jobs.empty(); });
    if (stopping) return;
    auto it = next();
    Job job = std::move(*it);
    jobs.erase(it);
    // Clients with nothing queued are forgotten (so the map stays as small as the queue), but
    // not the one whose check starts now: it was served last, whatever it queues next.
    std::erase_if(last_served, [this](const auto& entry) {
      return std::none_of(jobs.begin(), jobs.end(),
                          [&](const Job& j) { return j.client == entry.first; });
    });
    last_served[job.client] = ++served;
    ++running;
    lock.unlock();
    // `refuse` is not needed once the check runs; dropped first, it holds no reference that
    // could outlive what `run` hands back to the I/O thread.
    job.refuse = nullptr;
    job.run();
    job = {};  // what it captured is released off the lock
    lock.lock();
    if (--running == 0) idle.notify_all();
  }
}

}  // namespace sonde::http
