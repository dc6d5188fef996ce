#include "http/timers.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

namespace sonde::http {

namespace {

class SteadyDeadline final : public Deadline {
 public:
  explicit SteadyDeadline(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  void arm(SteadyTime at, std::function<void()> fire) override {
    timer_.expires_at(at);  // cancels a wait still pending: its handler sees operation_aborted
    timer_.async_wait([fire = std::move(fire)](const boost::system::error_code& ec) {
      if (!ec) fire();
    });
  }
  void cancel() override { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

class SteadyTimers final : public Timers {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Deadline> deadline(const boost::asio::any_io_executor& executor) override {
    return std::make_unique<SteadyDeadline>(executor);
  }
};

}  // namespace

std::shared_ptr<Timers> steady_timers() {
  static const auto instance = std::make_shared<SteadyTimers>();
  return instance;
}

class ManualTimers::ManualDeadline final : public Deadline {
 public:
  ManualDeadline(std::shared_ptr<State> state, boost::asio::any_io_executor executor)
      : state_(std::move(state)), executor_(std::move(executor)) {
    std::lock_guard lock(state_->mu);
    id_ = state_->next_id++;
  }
  ~ManualDeadline() override { cancel(); }
  ManualDeadline(const ManualDeadline&) = delete;
  ManualDeadline& operator=(const ManualDeadline&) = delete;

  void arm(SteadyTime at, std::function<void()> fire) override {
    std::lock_guard lock(state_->mu);
    state_->armed.insert_or_assign(id_, Armed{at, executor_, std::move(fire)});
    ++state_->arms;
  }
  void cancel() override {
    std::lock_guard lock(state_->mu);
    state_->armed.erase(id_);
  }

 private:
  std::shared_ptr<State> state_;
  boost::asio::any_io_executor executor_;
  std::uint64_t id_ = 0;
};

SteadyTime ManualTimers::now() const {
  std::lock_guard lock(state_->mu);
  return state_->now;
}

std::unique_ptr<Deadline> ManualTimers::deadline(const boost::asio::any_io_executor& executor) {
  return std::make_unique<ManualDeadline>(state_, executor);
}

void ManualTimers::advance(std::chrono::nanoseconds d) {
  std::vector<Armed> due;
  {
    std::lock_guard lock(state_->mu);
    state_->now += std::chrono::duration_cast<SteadyTime::duration>(d);
    for (auto it = state_->armed.begin(); it != state_->armed.end();) {
      if (it->second.at <= state_->now) {
        due.push_back(std::move(it->second));
        it = state_->armed.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& a : due) boost::asio::post(a.executor, std::move(a.fire));
}

std::vector<std::chrono::nanoseconds> ManualTimers::armed() const {
  std::lock_guard lock(state_->mu);
  std::vector<std::chrono::nanoseconds> out;
  for (const auto& [id, a] : state_->armed) out.push_back(a.at - state_->now);
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t ManualTimers::arms() const {
  std::lock_guard lock(state_->mu);
  return state_->arms;
}

}  // namespace sonde::http
