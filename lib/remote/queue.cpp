#include "remote/queue.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <unordered_map>

#include "core/jitter.hpp"

namespace sonde::remote {
namespace {

// Where the memory fallback (the buffer's, when its disk fails) stops growing during an outage:
// queue_config.capacity samples, or four cuts' worth (a host with more series than capacity must
// still hold a few intervals).
constexpr std::size_t kCutsHeld = 4;

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::int64_t now_s) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec == std::errc{} && end == value.data() + value.size() && n >= 0) {
    return std::chrono::milliseconds(std::min<std::int64_t>(n, 86'400) * 1000);
  }
  std::tm tm{};
  const std::string text(value);
  const char* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (rest == nullptr || *rest != '\0') return std::nullopt;
  const std::int64_t at = timegm(&tm);
  return std::chrono::milliseconds(std::clamp<std::int64_t>(at - now_s, 0, 86'400) * 1000);
}

Queue::Queue(const core::Board& board, QueueSettings settings, std::string user_agent,
             prometheus::Registry& registry, std::shared_ptr<FileLayer> files)
    : board_(board),
      settings_(std::move(settings)),
      user_agent_(std::move(user_agent)),
      files_(std::move(files)),
      metrics_(registry, settings_.options.name, settings_.options.url.redacted()),
      cutter_(settings_.rules),
      max_pending_(settings_.options.queue.capacity) {}

Queue::~Queue() { stop(); }

void Queue::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    // Named for top -H and for bench/remote_write_compare.py, which reads its CPU time.
    pthread_setname_np(pthread_self(), "sonde-rw");
    run();
  });
}

void Queue::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (client_) client_->interrupt();
  }
  cv_.notify_all();
  // run() joins the cut thread before it puts the last cut into the buffer.
  if (thread_.joinable()) thread_.join();
}

bool Queue::wait_until(Clock::time_point until, bool on_cut) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return stopping_ || (on_cut && cut_ready_); });
  return stopping_;
}

std::int64_t Queue::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Queue::open_buffer() {
  const auto& o = settings_.options;
  bool refused = false;
  while (true) {
    buffer_ = std::make_unique<Buffer>(files_, o.buffer.directory, o.buffer.max_bytes, o.name);
    buffer_->set_memory_limit(max_pending_);
    buffer_->open();
    account();
    if (!buffer_->refused()) break;
    metrics_.buffer_lock_refusals.Increment();
    if (!refused) {
      spdlog::error(
          "remote_write {}: the buffer directory {} is in use by another process (pid {}, "
          "holding its lock file): this entry sends nothing until that process lets it go; "
          "give each sonde its own state directory or buffer.directory",
          o.name, o.buffer.directory.string(), buffer_->holder());
      refused = true;
    }
    if (wait_until(Clock::now() + o.buffer.sync_interval)) {
      buffer_.reset();
      return false;
    }
  }
  if (refused) {
    spdlog::info("remote_write {}: the buffer directory {} is this process's now: sending", o.name,
                 o.buffer.directory.string());
  }
  return true;
}

void Queue::run_cuts() {
  const auto& o = settings_.options;
  // Enough cuts held for a request hung for all of remote_timeout (the sending thread takes
  // nothing meanwhile), and never fewer than the memory fallback holds.
  const std::size_t cuts_held =
      std::max<std::size_t>(kCutsHeld, static_cast<std::size_t>(o.http.timeout / o.interval) + 2);
  auto next_cut = Clock::now();
  std::vector<Pending> cut;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_cut, [this] { return stopping_; });
      if (stopping_) return;
    }
    const auto now = Clock::now();
    cut.clear();
    CutStats stats;
    {
      std::lock_guard lock(cutter_mu_);
      cutter_.cut(board_, now_ms(), cut, stats);
    }
    metrics_.dropped_relabel.Increment(static_cast<double>(stats.dropped_by_relabel));
    for (const auto& p : cut) {
      metrics_.highest_timestamp.Set(
          std::max(metrics_.highest_timestamp.Value(), seconds(p.point.timestamp_ms)));
    }
    {
      std::lock_guard lock(mu_);
      cut_uncounted_ += cut.size();  // counted with the pending gauge, in account()
      max_pending_ = std::max(o.queue.capacity, kCutsHeld * cut.size());
      if (incoming_.empty()) incoming_since_ = now;
      for (auto& p : cut) incoming_.push_back(std::move(p));
      // Bounded: past this the sending thread has been stuck longer than remote_timeout allows.
      const std::size_t bound = std::max(o.queue.capacity, cuts_held * cut.size());
      while (incoming_.size() > bound) {
        incoming_.pop_front();
        ++incoming_dropped_;
      }
      cut_ready_ = true;
    }
    cv_.notify_all();
    // The next cut is one interval after this one was due; a cut that overran the interval
    // (a huge board, a starved machine) misses the ones it ran over: counted, not made up.
    next_cut += o.interval;
    const auto after = Clock::now();
    if (next_cut < after) {
      const auto missed = (after - next_cut) / o.interval + 1;
      metrics_.cuts_missed.Increment(static_cast<double>(missed));
      cut_log_.warn("missed", [&] {
        return "remote_write " + o.name + ": a cut took longer than interval (" +
               std::to_string(o.interval.count()) + "ms): " + std::to_string(missed) +
               " cut(s) missed, their live samples not sent";
      });
      next_cut += o.interval * missed;
    }
  }
}

void Queue::take_incoming() {
  std::lock_guard lock(mu_);
  cut_ready_ = false;
  if (incoming_.empty()) return;
  if (staged_.empty()) oldest_queued_ = incoming_since_;
  for (auto& p : incoming_) staged_.push_back(std::move(p));
  incoming_.clear();
  buffer_->set_memory_limit(max_pending_);
}

void Queue::run() {
  const auto& o = settings_.options;
  if (!open_buffer()) return;  // stopped while another process held the buffer
  cut_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "sonde-rw-cut");
    run_cuts();
  });
  auto next_metadata = Clock::now();
  auto next_sync = Clock::now() + o.buffer.sync_interval;
  const auto stopping = [this] {
    std::lock_guard lock(mu_);
    return stopping_;
  };
  // Into the buffer: every full batch, and a partial one past its deadline.
  const auto batch = [&] {
    take_incoming();
    while (staged_.size() >= o.queue.max_samples_per_send) {
      make_batch(o.queue.max_samples_per_send);
    }
    if (!staged_.empty() && Clock::now() >= oldest_queued_ + o.queue.batch_send_deadline) {
      make_batch(staged_.size());
    }
  };
  while (true) {
    batch();
    const auto now = Clock::now();
    if (now >= next_sync) {
      buffer_->sync();
      next_sync = now + o.buffer.sync_interval;
    }
    if (o.metadata.send && now >= next_metadata) {
      send_metadata();
      next_metadata = Clock::now() + o.metadata.send_interval;
    }
    // Send the buffer's batches, oldest first, until one must wait for its retry, or until the
    // sync is due; what was cut meanwhile goes into the buffer between two requests.
    while (!buffer_->empty() && !(retrying_ && Clock::now() < retry_at_)) {
      if (!send_batch()) break;
      if (stopping() || Clock::now() >= next_sync) break;
      batch();
    }
    account();
    auto wake = next_sync;
    if (retrying_) wake = std::min(wake, retry_at_);
    if (!staged_.empty()) wake = std::min(wake, oldest_queued_ + o.queue.batch_send_deadline);
    if (o.metadata.send) wake = std::min(wake, next_metadata);
    if (stopping() || wait_until(wake, true)) break;
  }
  // What was cut and not yet sent waits in the buffer for the next start.
  cut_thread_.join();
  take_incoming();
  if (!staged_.empty()) make_batch(staged_.size());
  buffer_->sync();
  account();
  buffer_.reset();
}

void Queue::make_batch(std::size_t n) {
  // Group by series, keeping each series' samples in queue (= timestamp) order.
  std::vector<const Labels*> order;
  std::unordered_map<const Labels*, std::vector<SamplePoint>> by_series;
  std::int64_t highest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Pending& p = staged_[i];
    auto [it, inserted] = by_series.try_emplace(p.labels.get());
    if (inserted) order.push_back(p.labels.get());
    it->second.push_back(p.point);
    highest = std::max(highest, p.point.timestamp_ms);
  }
  std::vector<SeriesView> views;
  views.reserve(order.size());
  for (const Labels* l : order) views.push_back({l, by_series[l]});
  encode_write_request(views, {}, encoded_);
  BufferRecord record;
  snappy_compress(encoded_, record.body);
  record.samples = static_cast<std::uint32_t>(n);
  record.highest_ms = highest;
  staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(n));
  oldest_queued_ = Clock::now();
  buffer_->append(std::move(record));
}

void Queue::account() {
  const BufferCounts& c = buffer_->counts();
  metrics_.dropped_buffer_full.Increment(
      static_cast<double>(c.dropped_buffer_full - counted_.dropped_buffer_full));
  metrics_.dropped_queue_full.Increment(
      static_cast<double>(c.dropped_memory_full - counted_.dropped_memory_full));
  metrics_.dropped_corrupt.Increment(
      static_cast<double>(c.dropped_unreadable - counted_.dropped_unreadable));
  metrics_.buffer_corruptions.Increment(static_cast<double>(c.corrupt - counted_.corrupt));
  counted_ = c;
  std::size_t incoming = 0;
  {
    std::lock_guard lock(mu_);
    metrics_.samples_in.Increment(static_cast<double>(cut_uncounted_));
    cut_uncounted_ = 0;
    metrics_.dropped_queue_full.Increment(static_cast<double>(incoming_dropped_));
    incoming_dropped_ = 0;
    incoming = incoming_.size();
  }
  metrics_.buffer_bytes.Set(static_cast<double>(buffer_->bytes()));
  metrics_.buffer_writable.Set(buffer_->writable() ? 1 : 0);
  metrics_.pending.Set(static_cast<double>(incoming + staged_.size() + buffer_->samples()));
}

bool Queue::send_batch() {
  const auto& o = settings_.options;
  const BufferRecord* batch = buffer_->front();
  if (batch == nullptr) return true;  // a batch that could not be read back: dropped, counted
  const std::size_t n = batch->samples;
  const std::int64_t highest = batch->highest_ms;
  const auto t0 = Clock::now();
  bool interrupted = false;
  const auto outcome = [&]() -> std::optional<net::Response> {
    if (!client_) {
      net::ClientOptions http = o.http;
      http.user_agent = user_agent_;
      auto c = net::HttpClient::create(o.url, std::move(http));
      if (!c.ok()) {
        metrics_.local_failures.Increment();
        log_.warn("client", [&] { return "remote_write " + o.name + ": " + c.error().message; });
        return std::nullopt;
      }
      std::lock_guard lock(mu_);
      client_ = std::move(*c);
      if (stopping_) client_->interrupt();
    }
    auto r = client_->request("POST",
                              {{"Content-Encoding", "snappy"},
                               {"Content-Type", "application/x-protobuf"},
                               {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                              batch->body);
    if (!r.ok() && [this] {
          std::lock_guard lock(mu_);
          return stopping_;
        }()) {
      // stop() interrupted the request: no failure of the receiver's and no retry. The batch
      // stays in the buffer (on disk when there is a buffer directory) for the next start.
      spdlog::info(
          "remote_write {}: a request in flight was interrupted by shutdown; its batch "
          "stays in the buffer",
          o.name);
      interrupted = true;
      return std::nullopt;
    }
    if (!r.ok()) {
      switch (r.error().kind) {
        case net::FailureKind::network:
          metrics_.network_failures.Increment();
          break;
        case net::FailureKind::tls:
          metrics_.tls_failures.Increment();
          break;
        case net::FailureKind::local:
          metrics_.local_failures.Increment();
          break;
      }
      log_.warn("send", [&] {
        return "remote_write " + o.name + ": " + r.error().message + " (retrying)";
      });
      return std::nullopt;
    }
    return std::move(*r);
  }();
  metrics_.duration.Observe(std::chrono::duration<double>(Clock::now() - t0).count());

  const auto retry_later = [&](std::optional<std::chrono::milliseconds> after) {
    if (!retrying_) {
      retrying_ = true;
      backoff_ = o.queue.min_backoff;
    }
    metrics_.retried.Increment(static_cast<double>(n));
    auto wait = backoff_;
    if (after) {
      wait = *after;
    } else {
      wait = core::jittered(backoff_);
    }
    retry_at_ = Clock::now() + wait;
    backoff_ = std::min(backoff_ * 2, o.queue.max_backoff);
    return false;
  };
  const auto done = [&] {
    buffer_->pop();
    retrying_ = false;
    return true;
  };

  if (interrupted) return false;
  if (!outcome) return retry_later(std::nullopt);
  metrics_.bytes.Increment(static_cast<double>(batch->body.size()));
  const unsigned status = outcome->status;
  if (status / 100 == 2) {
    metrics_.samples.Increment(static_cast<double>(n));
    metrics_.highest_sent_timestamp.Set(
        std::max(metrics_.highest_sent_timestamp.Value(), seconds(highest)));
    return done();
  }
  const std::string message = outcome->body.substr(0, 512);
  if (status / 100 == 5 || (status == 429 && o.queue.retry_on_http_429)) {
    log_.warn("recoverable", [&] {
      return "remote_write " + o.name + ": server returned HTTP status " + std::to_string(status) +
             ": " + message + " (retrying)";
    });
    std::optional<std::chrono::milliseconds> after;
    if (status == 429) after = parse_retry_after(outcome->header("Retry-After"), now_ms() / 1000);
    return retry_later(after);
  }
  metrics_.failed.Increment(static_cast<double>(n));
  log_.warn("failed", [&] {
    return "remote_write " + o.name + ": non-recoverable error, " + std::to_string(n) +
           " samples dropped: server returned HTTP status " + std::to_string(status) + ": " +
           message;
  });
  return done();
}

void Queue::send_metadata() {
  const auto& o = settings_.options;
  if (!client_) return;  // the first sample batch makes the client; metadata follows next time
  const std::vector<Metadata> all = [this] {
    std::lock_guard lock(cutter_mu_);
    return cutter_.metadata();
  }();
  for (std::size_t i = 0; i < all.size(); i += o.metadata.max_samples_per_send) {
    const std::size_t n = std::min(all.size() - i, o.metadata.max_samples_per_send);
    encode_write_request({}, std::span<const Metadata>(all.data() + i, n), encoded_);
    snappy_compress(encoded_, compressed_);
    auto r = client_->request("POST",
                              {{"Content-Encoding", "snappy"},
                               {"Content-Type", "application/x-protobuf"},
                               {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                              compressed_);
    if (!r.ok() || r->status / 100 != 2) {
      log_.warn("metadata", [&] {
        return "remote_write " + o.name + ": metadata not sent: " +
               (r.ok() ? "HTTP status " + std::to_string(r->status) : r.error().message);
      });
      return;  // sent again at the next send_interval, as Prometheus does
    }
    metrics_.bytes.Increment(static_cast<double>(compressed_.size()));
    metrics_.metadata.Increment(static_cast<double>(n));
  }
}

}  // namespace sonde::remote
