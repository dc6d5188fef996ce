#include "http/response_memory.hpp"

#include <algorithm>
#include <utility>

namespace sonde::http {

ResponseMemory::ResponseMemory(std::uint64_t limit, const core::Clock& clock)
    : clock_(clock), limit_(limit), state_(std::make_shared<State>()) {}

SharedBody ResponseMemory::find(const Key& key, std::chrono::steady_clock::time_point since) const {
  // The newest matching entry: entries_ is oldest first.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->key == key && it->rendered >= since) {
      if (auto body = it->body.lock()) return body;
    }
  }
  return nullptr;
}

SharedBody ResponseMemory::count(std::string body) {
  const std::uint64_t size = body.size();
  state_->bytes.fetch_add(size);
  // The deleter holds the state, not this: a body a slow client still holds may outlive the
  // server that rendered it.
  return SharedBody(new std::string(std::move(body)), [state = state_, size](const std::string* p) {
    state->bytes.fetch_sub(size);
    delete p;
  });
}

SharedBody ResponseMemory::get(const Key& key, const std::function<std::string()>& render) {
  const auto now = clock_.steady_now();
  const std::size_t f = std::min<std::size_t>(static_cast<std::size_t>(key.format), 2);
  const std::size_t g = key.gzip ? 1 : 0;
  {
    std::unique_lock lock(mu_);
    // Another scrape is rendering this key: its body will be fresh, so wait for it (real time:
    // the renderer runs on another thread whatever the clock says).
    const auto deadline = std::chrono::steady_clock::now() + kRenderWait;
    while (std::find(rendering_.begin(), rendering_.end(), key) != rendering_.end()) {
      ++waiting_;
      const auto st = rendered_.wait_until(lock, deadline);
      --waiting_;
      if (st == std::cv_status::timeout) break;
    }
    if (auto body = find(key, now - kShareWindow)) return body;
    // Would a new one fit? The last body of this kind says how big it will be.
    if (bytes() + last_size_[f][g] > limit()) return find(key, {});
    rendering_.push_back(key);
  }
  // Whatever happens to the rendering (render may throw), the waiters are woken.
  struct Done {
    ResponseMemory& m;
    const Key& key;
    ~Done() {
      {
        std::lock_guard lock(m.mu_);
        const auto it = std::find(m.rendering_.begin(), m.rendering_.end(), key);
        if (it != m.rendering_.end()) m.rendering_.erase(it);
      }
      m.rendered_.notify_all();
    }
  } done{*this, key};
  std::string rendered = render();
  const std::uint64_t size = rendered.size();
  std::lock_guard lock(mu_);
  last_size_[f][g] = size;
  if (bytes() + size > limit()) return find(key, {});
  SharedBody body = count(std::move(rendered));
  std::erase_if(entries_, [](const Entry& e) { return e.body.expired(); });
  if (entries_.size() >= kEntries) entries_.erase(entries_.begin());
  entries_.push_back({key, body, now});
  return body;
}

}  // namespace sonde::http
