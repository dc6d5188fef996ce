#include "rules/notify/poster.hpp"

#include <chrono>

namespace sonde::rules::notify {

void Poster::interrupt() {
  std::lock_guard lock(mu_);
  interrupted_ = true;
  if (client_) client_->interrupt();
}

PostResult Poster::post(const std::string& body, std::size_t count) {
  PostResult out;
  net::HttpClient* client = nullptr;
  {
    std::lock_guard lock(mu_);
    if (interrupted_) {
      out.problem = "interrupted";
      return out;
    }
    if (!client_) {
      auto made = net::HttpClient::create(url_, client_options_);
      if (!made.ok()) {
        metrics_.errors.Increment();
        out.problem = made.error().message;
        return out;
      }
      client_ = std::move(*made);
    }
    client = client_.get();
  }
  std::vector<net::Header> headers{{"Content-Type", "application/json"}};
  if (!user_agent_.empty()) headers.push_back({"User-Agent", user_agent_});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = client->request("POST", headers, body);
  metrics_.latency.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  metrics_.sent.Increment(static_cast<double>(count));
  if (!r.ok()) {
    out.problem = r.error().message;
  } else {
    out.answered = true;
    out.status = r->status;
    if (!out.taken()) {
      std::string answer = r->body.substr(0, 512);
      while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) {
        answer.pop_back();
      }
      out.problem = "bad response status " + std::to_string(r->status) +
                    (answer.empty() ? std::string() : ": " + answer);
    }
  }
  if (!out.taken()) metrics_.errors.Increment();
  return out;
}

}  // namespace sonde::rules::notify
