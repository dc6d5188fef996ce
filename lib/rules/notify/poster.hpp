// What both kinds of sender do with one request: POST a JSON body over the receiver's kept-alive
// net::HttpClient (made at the first request, so a missing CA file is an error of each attempt,
// counted, never of the reload), with sonde's User-Agent, observed in the receiver's metrics
// (sent, errors, latency). interrupt() may come from another thread: stop() never waits out a
// timeout.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "net/http_client.hpp"
#include "rules/notify/metrics.hpp"

namespace sonde::rules::notify {

struct PostResult {
  bool answered = false;  // a response came (of any status)
  unsigned status = 0;
  /// Why it was not taken: the client's error, or the status with the start of the body.
  std::string problem;
  bool taken() const { return answered && status / 100 == 2; }
};

class Poster {
 public:
  Poster(net::Url url, net::ClientOptions client, std::string user_agent, ReceiverMetrics& metrics)
      : url_(std::move(url)),
        client_options_(std::move(client)),
        user_agent_(std::move(user_agent)),
        metrics_(metrics) {}

  /// One POST of `body` holding `count` alerts. Not thread-safe (the sender's thread).
  PostResult post(const std::string& body, std::size_t count);
  /// Makes the request in flight, and every later one, fail at once. Thread-safe.
  void interrupt();
  const net::Url& url() const { return url_; }

 private:
  const net::Url url_;
  const net::ClientOptions client_options_;
  const std::string user_agent_;
  ReceiverMetrics& metrics_;
  std::mutex mu_;  // guards client_ against interrupt(), interrupted_
  std::unique_ptr<net::HttpClient> client_;
  bool interrupted_ = false;
};

}  // namespace sonde::rules::notify
