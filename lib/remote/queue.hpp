// One remote_write entry's sender. Two threads: the cut thread (sonde-rw-cut) cuts the board every
// `interval` (cutter.hpp) into a bounded hand-off list, on its own timer, so a slow or hung
// request never delays or skips a cut (a cut that still comes late, the cut itself overrunning
// the interval, is counted in cuts_missed and logged); the sending thread (sonde-rw) takes what
// was cut, makes batches of max_samples_per_send (a partial batch once batch_send_deadline has
// passed since its oldest sample was cut), appends each to the entry's disk buffer (buffer.hpp:
// synced every buffer.sync_interval, replayed after a restart, a bounded memory queue when the disk
// fails), sends the buffer's oldest batch over one kept-alive net::HttpClient, and retries as
// Prometheus 2.42 does: network errors and 5xx (and 429 with retry_on_http_429, after its
// Retry-After) with exponential backoff from min_backoff to max_backoff, with jitter; any other
// non-2xx answer drops the batch, counted and logged (rate-limited); either way it leaves the
// buffer. Nothing here runs on a collector, scrape or ingest thread; the buffer is opened, written
// and closed on the queue's thread only. While another process holds the buffer directory's lock
// (two sondes on one state directory) the entry cuts and sends nothing, and tries again every
// buffer.sync_interval.
#pragma once

#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/board.hpp"
#include "core/rate_limit.hpp"
#include "net/http_client.hpp"
#include "remote/buffer.hpp"
#include "remote/cutter.hpp"
#include "remote/metrics.hpp"
#include "remote/options.hpp"

namespace sonde::remote {

struct QueueSettings {
  RemoteWriteOptions options;
  LabelRules rules;
  bool operator==(const QueueSettings&) const = default;
};

class Queue {
 public:
  /// `user_agent` is sonde/<version>. The metrics are registered in `registry` with the
  /// entry's remote_name and url labels, and removed with the queue. The buffer (in
  /// settings.options.buffer.directory; empty: memory only) is written through `files`.
  Queue(const core::Board& board, QueueSettings settings, std::string user_agent,
        prometheus::Registry& registry, std::shared_ptr<FileLayer> files = posix_files());
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void start();
  /// Stops both threads (the cut thread first; an in-flight request is bounded by remote_timeout);
  /// the samples not yet sent are in the buffer, synced.
  void stop();

  const QueueSettings& settings() const { return settings_; }

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  /// The cut thread: a cut every `interval` into incoming_, until stop().
  void run_cuts();
  /// Moves what the cut thread handed over into staged_ (the sending thread's).
  void take_incoming();
  /// Makes and opens buffer_, again every buffer.sync_interval while another process holds its
  /// directory (logged once, counted each time); false when stop() came first.
  bool open_buffer();
  /// Encodes the first `n` samples waiting into one batch and appends it to the buffer.
  void make_batch(std::size_t n);
  /// Sends the buffer's oldest batch once; false when it must be retried later.
  bool send_batch();
  /// Brings the buffer's gauges and counters up to date.
  void account();
  void send_metadata();
  /// Waits until `until` or stop() (or, with `on_cut`, a new cut); true when stopping.
  bool wait_until(Clock::time_point until, bool on_cut = false);
  std::int64_t now_ms() const;

  const core::Board& board_;
  const QueueSettings settings_;
  const std::string user_agent_;
  const std::shared_ptr<FileLayer> files_;
  QueueMetrics metrics_;
  std::mutex cutter_mu_;  // the cut thread's cuts, the sending thread's metadata()
  Cutter cutter_;
  std::unique_ptr<net::HttpClient> client_;  // set under mu_ (stop() interrupts it)
  std::deque<Pending> staged_;               // cut, taken from incoming_, not yet in a batch
  std::unique_ptr<Buffer> buffer_;           // the batches (made and used by run())
  BufferCounts counted_;                     // of buffer_, already in metrics_
  Clock::time_point oldest_queued_{};        // when staged_'s oldest sample was cut
  core::RateLimitedLog cut_log_;             // the cut thread's

  // Handed from the cut thread to the sending thread, under mu_.
  std::deque<Pending> incoming_;
  Clock::time_point incoming_since_{};  // when incoming_'s oldest sample was cut
  bool cut_ready_ = false;              // a cut since the sending thread last looked
  std::size_t cut_uncounted_ = 0;       // samples cut, not yet in metrics_.samples_in
  std::uint64_t incoming_dropped_ = 0;  // dropped for max_pending_, not yet in metrics_
  std::size_t max_pending_ = 0;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  bool retrying_ = false;
  std::string encoded_, compressed_;
  core::RateLimitedLog log_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // under mu_
  std::thread thread_;
  std::thread cut_thread_;  // started and joined by thread_ (run())
};

/// Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date, RFC 9110 10.2.3)
/// at wall-clock time `now_s`; nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::int64_t now_s);

}  // namespace sonde::remote
