#include "loadgen/run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "loadgen/check.hpp"

namespace sonde::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

/// A ring of prebuilt payloads is used when it holds at most this many lines (~40 MB).
constexpr std::size_t kMaxRingLines = 1u << 20;

struct Totals {
  std::uint64_t offered = 0;  // lines the generator tried to send
  std::uint64_t sent = 0;     // lines the socket took
  std::uint64_t refused = 0;  // lines refused by a full socket (non-blocking: EAGAIN)
  std::uint64_t failed = 0;   // lines lost to another send error
  std::uint64_t skipped = 0;  // lines the pacer gave up on: the generator was slower than asked
  // Refused lines sent while the sender was more than kLateS behind its schedule (a catch-up
  // burst after the sender itself was stopped), and the sender's worst lateness.
  std::uint64_t refused_late = 0;
  double late_max_s = 0;
};

/// A sender this far behind its schedule (1 ms: 200 datagrams at 200k/s) was stopped itself.
constexpr double kLateS = 0.001;

struct alignas(64) SenderCounters {
  std::atomic<std::uint64_t> offered{0}, sent{0}, refused{0}, failed{0}, skipped{0};
  std::atomic<std::uint64_t> refused_late{0};
  std::atomic<double> late_max_s{0};
  std::atomic<int> last_errno{0};
};

/// The sender threads and their shared controls.
class SenderPool {
 public:
  SenderPool(const RunOptions& o, const Workload& w) : o_(o), w_(w), counters_(o.senders) {
    ring_ = w.ring(o.framing, kMaxRingLines);
  }
  ~SenderPool() { stop(); }

  core::Status start(double rate) {
    rate_ = rate;
    std::vector<std::unique_ptr<Sender>> senders;
    for (std::uint32_t i = 0; i < o_.senders; ++i) {
      auto s = Sender::open(o_.target, o_.blocking, o_.send_buffer);
      if (!s) return s.status();
      senders.push_back(std::move(*s));
    }
    t0_ = Clock::now();
    for (std::uint32_t i = 0; i < o_.senders; ++i) {
      threads_.emplace_back([this, i, s = std::move(senders[i])] { loop(i, *s); });
    }
    return core::ok();
  }
  void set_rate(double lines_per_s) { rate_ = lines_per_s; }
  /// pause(true) returns once every sender has finished its batch and published its counts, so
  /// that a reading taken then is final (a blocking sender may wait for its receiver first; a
  /// receiver that takes nothing for 10 s is not waited for longer).
  void pause(bool p) {
    paused_ = p;
    if (!p) return;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (idle_.load() < static_cast<int>(threads_.size()) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  Totals totals() const {
    Totals t;
    for (const auto& c : counters_) {
      t.offered += c.offered.load(std::memory_order_relaxed);
      t.sent += c.sent.load(std::memory_order_relaxed);
      t.refused += c.refused.load(std::memory_order_relaxed);
      t.failed += c.failed.load(std::memory_order_relaxed);
      t.skipped += c.skipped.load(std::memory_order_relaxed);
      t.refused_late += c.refused_late.load(std::memory_order_relaxed);
      t.late_max_s = std::max(t.late_max_s, c.late_max_s.load(std::memory_order_relaxed));
    }
    return t;
  }
  int last_errno() const {
    for (const auto& c : counters_) {
      if (const int e = c.last_errno.load()) return e;
    }
    return 0;
  }

 private:
  void loop(std::uint32_t index, Sender& sender) {
    const std::uint64_t lpd = o_.workload.lines_per_datagram;
    SenderCounters& out = counters_[index];
    // Each sender starts at its own share of the series.
    std::size_t ring_i = ring_.empty() ? 0 : ring_.size() * index / o_.senders;
    std::uint64_t cursor = std::uint64_t{o_.workload.series} * index / o_.senders;
    const auto per_sender = [&](double lines) {
      return lines / static_cast<double>(lpd) / static_cast<double>(o_.senders);
    };
    Pacer pacer(per_sender(rate_.load()), o_.max_backlog_s, o_.catch_up);
    bool was_paused = false;
    std::string buf;
    std::vector<std::string> bufs(Sender::kMaxBatch);
    std::vector<std::string_view> views;
    views.reserve(Sender::kMaxBatch);
    while (!stop_.load(std::memory_order_relaxed)) {
      if (paused_.load(std::memory_order_relaxed)) {
        if (!was_paused) ++idle_;
        was_paused = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const double now = elapsed();
      const double want = per_sender(rate_.load(std::memory_order_relaxed));
      if (was_paused) {
        --idle_;
        pacer.restart(want, now);
        was_paused = false;
      } else if (want != pacer.rate()) {
        pacer.set_rate(want, now);
      }
      const std::uint64_t skipped_before = pacer.skipped();
      const double behind = pacer.behind_s(now);
      if (behind > out.late_max_s.load(std::memory_order_relaxed)) {
        out.late_max_s.store(behind, std::memory_order_relaxed);  // only this thread writes it
      }
      const std::uint64_t n = pacer.due(now, Sender::kMaxBatch);
      if (pacer.skipped() != skipped_before) {
        out.skipped.fetch_add((pacer.skipped() - skipped_before) * lpd, std::memory_order_relaxed);
      }
      if (n == 0) {
        const double wait = std::min(pacer.next_due_s(now) - now, 0.001);
        std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        continue;
      }
      std::uint64_t sent = 0, refused = 0, failed = 0, done = 0;
      if (!sender.stream()) {
        // Datagrams: one sendmmsg for the batch due, where a send each cost the sender ~4 µs of
        // its vCPU over UDP here (it could not keep 200k/s). The receiver sees the same
        // datagrams: a batch was sent back to back before too.
        views.clear();
        for (std::uint64_t k = 0; k < n; ++k) {
          if (ring_.empty()) {
            w_.build(bufs[k], cursor, now, o_.framing);
            views.push_back(bufs[k]);
          } else {
            views.push_back(ring_[ring_i]);
            if (++ring_i == ring_.size()) ring_i = 0;
          }
          cursor += lpd;
        }
        const BatchResult b = sender.send_datagrams(views, stop_);
        done = b.done;
        sent = b.sent;
        refused = b.refused;
        failed = b.failed;
        if (failed > 0) out.last_errno = sender.last_errno();
      }
      for (; sender.stream() && done < n; ++done) {  // a stream: a payload at a time
        std::string_view payload;
        if (ring_.empty()) {
          w_.build(buf, cursor, now, o_.framing);
          payload = buf;
        } else {
          payload = ring_[ring_i];
        }
        SendResult r = sender.send(payload);
        while (r == SendResult::timeout && !stop_.load(std::memory_order_relaxed)) {
          r = sender.send(payload);  // blocking: the same payload until the target takes it
        }
        if (r == SendResult::timeout) break;  // stopped while blocked: never offered
        if (r == SendResult::sent) ++sent;
        if (r == SendResult::refused) ++refused;
        if (r == SendResult::failed) {
          ++failed;
          out.last_errno = sender.last_errno();
        }
        cursor += lpd;
        if (!ring_.empty() && ++ring_i == ring_.size()) ring_i = 0;
      }
      pacer.sent(done);
      out.offered.fetch_add(done * lpd, std::memory_order_relaxed);
      out.sent.fetch_add(sent * lpd, std::memory_order_relaxed);
      out.refused.fetch_add(refused * lpd, std::memory_order_relaxed);
      if (behind > kLateS) out.refused_late.fetch_add(refused * lpd, std::memory_order_relaxed);
      out.failed.fetch_add(failed * lpd, std::memory_order_relaxed);
      // No receiver (ECONNREFUSED, ENOENT): do not spin on the error.
      if (failed == done && done > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  const RunOptions& o_;
  const Workload& w_;
  std::vector<std::string> ring_;
  std::vector<SenderCounters> counters_;
  std::vector<std::thread> threads_;
  std::atomic<double> rate_{0};
  std::atomic<bool> paused_{false};
  std::atomic<int> idle_{0};  // senders that have seen paused_
  std::atomic<bool> stop_{false};
  Clock::time_point t0_;
};

/// One look at the generator and the target.
struct Reading {
  double t = 0;  // seconds since the senders started
  Totals totals;
  std::optional<double> accepted;  // the target's counter
  std::optional<ProcessSample> process;
  std::optional<CheckTotals> check;  // the counter check's counts so far
};

/// What happened between two readings.
struct Row {
  std::string phase;
  double rate = 0;  // asked for, lines/s; 0: as fast as possible
  Reading from, to;
  /// `to` was read after a drain: every line sent by then is counted, so the loss is exact.
  /// Otherwise lines in the socket's queue are not counted yet and no loss is printed.
  bool drained = false;
};

std::string fmt_rate(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

class Runner {
 public:
  explicit Runner(const RunOptions& o) : o_(o), w_(o.workload), pool_(o, w_) {}

  int run() {
    if (!o_.metrics_url.empty()) {
      auto c = CounterSource::create(o_.metrics_url, *o_.counter);
      if (!c) return fail(c.message());
      counter_ = std::move(*c);
      if (o_.check_s > 0) {
        check_ = std::make_unique<SeriesCheck>(o_.workload, o_.rate, o_.senders, o_.ttl_s);
        next_check_ = o_.warmup_s;
      }
    }
    if (!o_.csv.empty()) {
      csv_.open(o_.csv);
      if (!csv_) return fail(o_.csv.string() + ": cannot be written");
      csv_ << "label,mode,phase,t_s,rate,offered,sent,refused,failed,skipped,accepted,loss_pct,"
              "accepted_per_s,cpu_ns_per_line,rss_bytes,check_scrapes,series_checked,resets,"
              "vanished_live,expired,unparsed,refused_late,late_max_ms\n";
    }
    if (!look(base_)) return 1;
    base_.t = 0;  // the senders' clock starts now
    started_ = true;
    const double first = o_.mode == Mode::max ? 0 : o_.rate;
    if (auto st = pool_.start(first); !st.ok()) return fail(st.message());
    switch (o_.mode) {
      case Mode::steady:
      case Mode::max:
        return steady();
      case Mode::ramp:
        return ramp();
      case Mode::spike:
        return spike();
      case Mode::soak:
        return soak();
    }
    return 1;
  }

 private:
  int fail(const std::string& message) {
    std::fprintf(stderr, "sonde-loadgen: %s\n", message.c_str());
    return 1;
  }

  /// Reads the process, then the counter, then the generator's counts. The scrape's own CPU
  /// falls outside the window that ends at this reading. Lines sent while the counter is read
  /// (a scrape takes milliseconds) count as sent before this reading, so between two readings
  /// without a pause accepted may trail sent by what is queued: only readings after a drain
  /// (Row::drained) give an exact loss.
  bool look(Reading& r) {
    r.t = pool_.elapsed();
    if (o_.pid > 0) {
      auto p = read_process(o_.proc, o_.pid);
      if (!p) {
        fail("target process: " + p.message());
        return false;
      }
      r.process = *p;
    }
    // A check that is due reads its series from this scrape (no second scrape), after the
    // generator's counts are read: its parse does not widen the gap between them and the counter.
    const bool check = counter_ && check_ && started_ && !stopped_ && r.t >= next_check_ - 0.01;
    std::string body;
    if (counter_) {
      auto a = counter_->read(check ? &body : nullptr);
      if (!a) {
        fail(o_.metrics_url + ": " + a.message());
        return false;
      }
      r.accepted = *a;
    }
    r.totals = pool_.totals();
    if (check) {
      check_->observe(body, r.t);
      next_check_ = r.t + o_.check_s;
    }
    if (check_) r.check = check_->totals();
    return true;
  }

  /// Sleeps until `t`, running the counter checks that fall due before it (their scrapes land
  /// inside the window). False when a check's scrape failed.
  bool wait_until(double t) {
    while (check_ && next_check_ < t - 0.01) {
      sleep_until(next_check_);
      if (!check_now()) return false;
    }
    sleep_until(t);
    return true;
  }

  void sleep_until(double t) {
    const double now = pool_.elapsed();
    if (t > now) std::this_thread::sleep_for(std::chrono::duration<double>(t - now));
  }

  /// One check on a scrape of its own.
  bool check_now() {
    const double t = pool_.elapsed();
    auto body = counter_->fetch();
    if (!body) {
      fail(o_.metrics_url + ": " + body.message());
      return false;
    }
    check_->observe(*body, t);
    next_check_ = t + o_.check_s;
    return true;
  }

  void stop_senders() {
    pool_.stop();
    stopped_ = true;
    if (check_) check_->senders_stopped(pool_.elapsed());
  }

  /// After the drain: the last check, so that the summary's counts cover the whole run.
  bool final_check(Reading& end) {
    if (!check_) return true;
    if (!check_now()) return false;
    end.check = check_->totals();
    return true;
  }

  /// 3 when the check found a reset or a vanished live series (each named on stderr).
  int check_status() const {
    if (!check_) return 0;
    for (const auto& p : check_->problems()) std::fprintf(stderr, "sonde-loadgen: %s\n", p.c_str());
    const CheckTotals& c = check_->totals();
    return c.resets + c.vanished_live > 0 ? 3 : 0;
  }

  /// After the senders stop or pause: reads the counter until it stops moving (two reads 100 ms
  /// apart agree), or has every line sent, or 5 s pass.
  bool drain(Reading& r, const Reading& since) {
    if (!look(r)) return false;
    if (!counter_) return true;
    const double deadline = pool_.elapsed() + 5;
    double last = -1;
    while (*r.accepted != last && pool_.elapsed() < deadline) {
      if (*r.accepted - *since.accepted >= static_cast<double>(r.totals.sent - since.totals.sent)) {
        break;
      }
      last = *r.accepted;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!look(r)) return false;
    }
    return true;
  }

  /// Prints one row ("step", "phase", "sample" or "summary") and writes it to the CSV.
  void print(const Row& row, const char* kind) {
    const Totals& a = row.from.totals;
    const Totals& b = row.to.totals;
    const double dt = row.to.t - row.from.t;
    const std::uint64_t offered = b.offered - a.offered;
    std::string line = std::string(kind) + (o_.label.empty() ? "" : " label=" + o_.label) +
                       " mode=" + std::string(mode_name()) + " phase=" + row.phase +
                       " transport=" + std::string(transport_name(o_.target.transport)) +
                       " series=" + std::to_string(o_.workload.series) +
                       " tags=" + std::to_string(o_.workload.tags) +
                       " lines_per_datagram=" + std::to_string(o_.workload.lines_per_datagram) +
                       " rate=" + (row.rate > 0 ? fmt_rate(row.rate) : std::string("max"));
    char b2[512];
    std::snprintf(b2, sizeof b2,
                  " seconds=%.2f offered=%" PRIu64 " sent=%" PRIu64 " refused=%" PRIu64
                  " failed=%" PRIu64 " skipped=%" PRIu64 " sent_per_s=%.0f refused_late=%" PRIu64
                  " late_max_ms=%.2f",
                  dt, offered, b.sent - a.sent, b.refused - a.refused, b.failed - a.failed,
                  b.skipped - a.skipped, dt > 0 ? static_cast<double>(b.sent - a.sent) / dt : 0,
                  b.refused_late - a.refused_late, 1e3 * b.late_max_s);
    line += b2;
    std::string acc = "", loss = "", acc_s = "", cpu = "", rss = "";
    double per_line_base = static_cast<double>(b.sent - a.sent);
    if (row.to.accepted && row.from.accepted) {
      const double n = *row.to.accepted - *row.from.accepted;
      acc = fmt_rate(n);
      char t[64];
      std::snprintf(t, sizeof t, "%.4f",
                    offered > 0
                        ? 100.0 * (static_cast<double>(offered) - n) / static_cast<double>(offered)
                        : 0.0);
      loss = t;
      acc_s = fmt_rate(dt > 0 ? n / dt : 0);
      per_line_base = n;
      if (!row.drained) loss.clear();
      line += " accepted=" + acc + (loss.empty() ? "" : " loss_pct=" + loss) +
              " accepted_per_s=" + acc_s;
    }
    if (row.to.process && row.from.process) {
      const double c = row.to.process->cpu_seconds - row.from.process->cpu_seconds;
      char t[64];
      std::snprintf(t, sizeof t, "%.1f", per_line_base > 0 ? c * 1e9 / per_line_base : 0.0);
      cpu = t;
      rss = std::to_string(row.to.process->rss_bytes);
      std::snprintf(t, sizeof t, " target_cpu_s=%.2f", c);
      line += t;
      line += " cpu_ns_per_line=" + cpu + " rss_bytes=" + rss;
    }
    std::string check_csv = ",,,,,";
    if (row.to.check && row.from.check) {
      const CheckTotals& c0 = *row.from.check;
      const CheckTotals& c1 = *row.to.check;
      const std::uint64_t v[] = {c1.scrapes - c0.scrapes, c1.series_checked - c0.series_checked,
                                 c1.resets - c0.resets,   c1.vanished_live - c0.vanished_live,
                                 c1.expired - c0.expired, c1.unparsed - c0.unparsed};
      constexpr const char* kNames[] = {"check_scrapes", "series_checked", "resets",
                                        "vanished_live", "expired",        "unparsed"};
      check_csv.clear();
      for (std::size_t i = 0; i < 6; ++i) {
        line += std::string(" ") + kNames[i] + "=" + std::to_string(v[i]);
        check_csv += (i > 0 ? "," : "") + std::to_string(v[i]);
      }
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (csv_.is_open()) {
      csv_ << o_.label << ',' << mode_name() << ',' << row.phase << ',' << row.to.t << ','
           << row.rate << ',' << offered << ',' << b.sent - a.sent << ',' << b.refused - a.refused
           << ',' << b.failed - a.failed << ',' << b.skipped - a.skipped << ',' << acc << ','
           << loss << ',' << acc_s << ',' << cpu << ',' << rss << ',' << check_csv << ','
           << b.refused_late - a.refused_late << ',' << 1e3 * b.late_max_s << '\n';
      csv_.flush();
    }
  }

  std::string_view mode_name() const {
    constexpr std::string_view kNames[] = {"steady", "max", "ramp", "spike", "soak"};
    return kNames[static_cast<int>(o_.mode)];
  }

  /// The summary over the whole run: counts from before the first send to after the drain
  /// (loss), rates and CPU over the measured window.
  void summary(const Reading& window_from, const Reading& window_to, const Reading& end,
               double rate, std::string extra = "") {
    Row whole{"all", rate, base_, end, true};
    Row window{"window", rate, window_from, window_to, false};
    print(window, "window");
    print(whole, "summary");
    if (!extra.empty()) std::printf("%s\n", extra.c_str());
    if (const int e = pool_.last_errno()) {
      std::fprintf(stderr, "sonde-loadgen: sends failed: %s\n", std::strerror(e));
    }
  }

  int steady() {
    Reading w0, w1, end;
    if (!wait_until(o_.warmup_s) || !look(w0)) return 1;
    if (!wait_until(w0.t + o_.duration_s) || !look(w1)) return 1;
    stop_senders();
    if (!drain(end, base_) || !final_check(end)) return 1;
    summary(w0, w1, end, o_.mode == Mode::max ? 0 : o_.rate);
    if (pool_.last_errno() && end.totals.sent == 0) return 1;
    return check_status();
  }

  int soak() {
    Reading w0, end;
    if (!wait_until(o_.warmup_s) || !look(w0)) return 1;
    Reading prev = w0, last = w0;
    std::uint64_t rss_min = UINT64_MAX, rss_max = 0;
    while (last.t < w0.t + o_.duration_s - 1e-3) {
      if (!wait_until(std::min(prev.t + o_.sample_s, w0.t + o_.duration_s))) return 1;
      if (!look(last)) return 1;
      print({"sample", o_.rate, prev, last}, "sample");
      if (last.process) {
        rss_min = std::min(rss_min, last.process->rss_bytes);
        rss_max = std::max(rss_max, last.process->rss_bytes);
      }
      prev = last;
    }
    stop_senders();
    if (!drain(end, base_) || !final_check(end)) return 1;
    std::string extra;
    if (last.process) {
      extra = "rss min=" + std::to_string(rss_min) + " max=" + std::to_string(rss_max) +
              " first=" + std::to_string(w0.process->rss_bytes) +
              " last=" + std::to_string(last.process->rss_bytes);
    }
    summary(w0, last, end, o_.rate, extra);
    return check_status();
  }

  int spike() {
    Reading p0, p1, p2, p3;
    if (!wait_until(o_.warmup_s) || !look(p0)) return 1;
    if (!wait_until(p0.t + o_.duration_s) || !look(p1)) return 1;
    pool_.set_rate(o_.rate * o_.spike_factor);
    if (!wait_until(p1.t + o_.spike_s) || !look(p2)) return 1;
    pool_.set_rate(o_.rate);
    if (!wait_until(p2.t + o_.duration_s)) return 1;
    stop_senders();
    // The last phase ends after the drain: it holds what the spike left queued. Its start was
    // not drained, so the loss is the summary's.
    if (!drain(p3, base_) || !final_check(p3)) return 1;
    print({"before", o_.rate, p0, p1}, "phase");
    print({"spike", o_.rate * o_.spike_factor, p1, p2}, "phase");
    print({"after", o_.rate, p2, p3}, "phase");
    summary(p0, p3, p3, o_.rate);
    return check_status();
  }

  int ramp() {
    const double step = o_.ramp_step > 0 ? o_.ramp_step : o_.rate;
    double rate = o_.rate, knee = 0;
    std::string why = "max_rate reached";
    Reading first, from, to;
    sleep_until(o_.warmup_s);
    pool_.pause(true);
    if (!drain(first, base_)) return 1;
    from = first;
    for (int i = 1;; ++i) {
      pool_.set_rate(rate);
      pool_.pause(false);
      sleep_until(from.t + o_.step_s);
      pool_.pause(true);
      if (!drain(to, from)) return 1;
      const Row row{"step" + std::to_string(i), rate, from, to, true};
      print(row, "step");
      const double offered = static_cast<double>(to.totals.offered - from.totals.offered);
      const double got = to.accepted && from.accepted
                             ? *to.accepted - *from.accepted
                             : static_cast<double>(to.totals.sent - from.totals.sent);
      const double loss = offered > 0 ? 100.0 * (offered - got) / offered : 0;
      const double reached = offered / o_.step_s;
      if (loss > o_.loss_threshold_pct) {
        why = "loss above " + std::to_string(o_.loss_threshold_pct) + "% at " + fmt_rate(rate);
        break;
      }
      knee = rate;
      if (reached < 0.95 * rate) {
        why = "the generator reached only " + fmt_rate(reached) + " lines/s";
        break;
      }
      if (o_.max_rate > 0 && rate + step > o_.max_rate) break;
      rate += step;
      from = to;
    }
    pool_.stop();
    summary(first, to, to, rate, "knee lines_per_s=" + fmt_rate(knee) + " (" + why + ")");
    return 0;
  }

  const RunOptions& o_;
  Workload w_;
  SenderPool pool_;
  std::unique_ptr<CounterSource> counter_;
  std::unique_ptr<SeriesCheck> check_;  // with check_s > 0 and a counter source
  double next_check_ = 0;               // when the next check is due (senders' clock)
  bool started_ = false;                // the senders run: base_ is read before, unchecked
  bool stopped_ = false;
  std::ofstream csv_;
  Reading base_;
};

}  // namespace

core::Result<Mode> parse_mode(std::string_view text) {
  constexpr std::pair<std::string_view, Mode> kModes[] = {{"steady", Mode::steady},
                                                          {"max", Mode::max},
                                                          {"ramp", Mode::ramp},
                                                          {"spike", Mode::spike},
                                                          {"soak", Mode::soak}};
  for (const auto& [name, mode] : kModes) {
    if (text == name) return mode;
  }
  return core::error("unknown mode \"" + std::string(text) +
                     "\": expected steady, max, ramp, spike, soak or sink");
}

int run(const RunOptions& options) {
  Runner r(options);
  return r.run();
}

}  // namespace sonde::loadgen
