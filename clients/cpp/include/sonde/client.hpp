// sonde's C++ DogStatsD client: header-only, C++17 or later, standard library and POSIX only
// (the example below uses C++20 designated initializers).
//
//   #include <sonde/client.hpp>
//   sonde::Client statsd({.address = "unix:///run/sonde/dsd.sock", .prefix = "checkout."});
//   statsd.increment("request.timeouts", {{"endpoint", "/pay"}});
//   { auto t = statsd.timer("request.duration_seconds", {{"endpoint", "/pay"}}); ... }
//
// Lines are batched into datagrams of at most `max_datagram_bytes` (8 KiB over a Unix datagram
// socket, 1432 B over UDP) and sent when the next line would not fit, on flush(), every
// `flush_interval` from a background thread, and on destruction. Sending never blocks, throws or
// raises a signal: a datagram the socket will not take (sonde absent, its queue full) is dropped
// and counted in stats(); the socket is reopened at most every `reconnect_interval`. Every
// member function may be called from any thread. After fork() the child drops the buffer it
// inherited (the parent still sends those lines), reopens its own socket and counts from zero;
// pthread_atfork handlers take every client's lock around fork(), so a fork in the middle of
// another thread's send cannot leave the child with a lock held by a thread it does not have.
//
// Names, tags and values are never able to break the protocol: the bytes DogStatsD reserves
// ('|' ':' ',' '#' '@', CR, LF and other control bytes, by position: see sanitize_*) are replaced
// by '_' (sonde maps every such byte of a name to '_' anyway), event texts and service check
// messages escape newlines as "\n" as DogStatsD does. A call with an empty name, a value that is
// not finite or an empty set member sends nothing and counts `invalid`.
#pragma once

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sonde {

/// One tag: "key:value", "flag", or a key and a value given apart (then ':' in the key is
/// replaced too, so the value is exactly what the key maps to).
struct Tag {
  Tag(const char* kv) : key(kv) {}         // NOLINT: implicit on purpose
  Tag(std::string_view kv) : key(kv) {}    // NOLINT
  Tag(const std::string& kv) : key(kv) {}  // NOLINT
  Tag(std::string_view k, std::string_view v) : key(k), value(v), has_value(true) {}
  std::string_view key;
  std::string_view value;
  bool has_value = false;
};

/// A view of tags for one call: `{"a:b", {"endpoint", path}}`, or a std::vector<Tag>.
class Tags {
 public:
  Tags() = default;
// The list's array lives until the end of the call's full expression, as long as a Tags
// parameter does: a Tags is a parameter type, never stored.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  Tags(std::initializer_list<Tag> l) : data_(l.begin()), size_(l.size()) {}  // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  Tags(const std::vector<Tag>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
  const Tag* begin() const { return data_; }
  const Tag* end() const { return data_ + size_; }
  bool empty() const { return size_ == 0; }

 private:
  const Tag* data_ = nullptr;
  std::size_t size_ = 0;
};

struct ClientOptions {
  /// "unix:///path" or "unixgram:///path" (a Unix datagram socket), "/path" (the same) or
  /// "udp://host:port" ("[v6]:port"). Empty: $DD_DOGSTATSD_URL, else
  /// unix:///run/sonde/dsd.sock (the packaged socket).
  std::string address;
  /// Prepended to every metric and service check name ("checkout." gives "checkout.x").
  std::string prefix;
  /// Added to every metric, event and service check.
  std::vector<std::string> constant_tags;
  /// Largest datagram; 0: 8192 for a Unix socket, 1432 for UDP (fits a 1500 B MTU). A line
  /// longer than this goes out alone in a datagram of its own.
  std::size_t max_datagram_bytes = 0;
  /// Background flush period; zero: no thread (flush when full, on flush(), at destruction).
  std::chrono::milliseconds flush_interval{100};
  /// Least time between two attempts to open the socket while sonde is absent.
  std::chrono::milliseconds reconnect_interval{500};
};

/// Counters a client keeps about itself (since construction, or since fork() in a child).
struct ClientStats {
  std::uint64_t lines_queued = 0;   // lines accepted into the buffer
  std::uint64_t lines_sent = 0;     // lines in datagrams the socket took
  std::uint64_t lines_dropped = 0;  // lines in datagrams it did not take (absent, full, error)
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_dropped = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t invalid = 0;           // calls refused: empty name, non-finite value, …
  std::uint64_t connect_failures = 0;  // attempts to open the socket that failed
  std::uint64_t reconnects = 0;        // successful opens after a failure or a send error
  int last_errno = 0;                  // errno of the last failed send or connect
};

enum class ServiceCheckStatus { ok = 0, warning = 1, critical = 2, unknown = 3 };

struct Event {
  std::string_view title;
  std::string_view text;
  std::string_view alert_type;  // "info" (default), "warning", "error", "success"
  std::string_view priority;    // "normal" (default) or "low"
  std::string_view source_type;
  std::string_view aggregation_key;
  std::string_view hostname;
  std::int64_t timestamp = 0;  // unix seconds; 0: not sent
};

class Client;

namespace detail {

inline bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

/// Appends s with every byte for which bad(c) holds replaced by '_'.
template <class Bad>
void append_replaced(std::string& out, std::string_view s, Bad bad) {
  for (char c : s) out.push_back(bad(c) ? '_' : c);
}

/// A metric or service check name: ':' ends the name, '|' a field, '#' and '@' start fields,
/// ',' separates tags, control bytes break lines.
inline bool bad_name_byte(char c) {
  return c == ':' || c == '|' || c == '#' || c == '@' || c == ',' || is_control(c);
}
/// A tag (its value may hold ':'): '|' ends the field, ',' the tag, '#' is refused by clients.
inline bool bad_tag_byte(char c) { return c == '|' || c == ',' || c == '#' || is_control(c); }
inline bool bad_tag_key_byte(char c) { return c == ':' || bad_tag_byte(c); }
/// A set member: ':' would split it into several values.
inline bool bad_set_byte(char c) { return c == ':' || c == '|' || is_control(c); }
/// An event's or service check's optional field (hostname, source type, …).
inline bool bad_field_byte(char c) { return c == '|' || is_control(c); }

/// Event text and service check messages: newlines become the two bytes "\n" (DogStatsD's
/// convention); other control bytes become '_'.
inline void append_escaped_text(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(is_control(c) ? '_' : c);
    }
  }
}

inline std::size_t escaped_text_size(std::string_view s) {
  std::size_t n = s.size();
  for (char c : s) n += (c == '\n' || c == '\r') ? 1 : 0;
  return n;
}

inline void append_number(std::string& out, double v) {
  char buf[32];
  // Integral values in range are written without an exponent ("1000000", not "1e+06").
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
    out.append(buf, r.ptr);
    return;
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_tag(std::string& out, const Tag& t) {
  if (t.has_value) {
    append_replaced(out, t.key, bad_tag_key_byte);
    out.push_back(':');
    append_replaced(out, t.value, bad_tag_byte);
  } else {
    append_replaced(out, t.key, bad_tag_byte);
  }
}

/// The per-thread line being formatted (outside the client's lock) and its sampling state.
struct ThreadState {
  std::string line;
  std::uint64_t rng = 0;
};
inline ThreadState& thread_state() {
  thread_local ThreadState s;
  return s;
}

/// xorshift64*: sampling needs speed, not quality.
inline double random_unit() {
  auto& s = thread_state();
  if (s.rng == 0) {
    s.rng =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        reinterpret_cast<std::uintptr_t>(&s) ^ 0x9E3779B97F4A7C15ull;
    if (s.rng == 0) s.rng = 1;
  }
  s.rng ^= s.rng >> 12;
  s.rng ^= s.rng << 25;
  s.rng ^= s.rng >> 27;
  return static_cast<double>((s.rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/// Every live client, so that pthread_atfork handlers can take their locks around fork().
/// Allocated once and never freed: clients with static storage may outlive any static object.
struct ForkRegistry {
  std::mutex mutex;
  std::vector<Client*> clients;
  static ForkRegistry& get();
  static void prepare();
  static void parent();
  static void child();
};

}  // namespace detail

class Client {
 public:
  explicit Client(ClientOptions options = {}) : options_(std::move(options)) {
    if (options_.address.empty()) {
      const char* env = std::getenv("DD_DOGSTATSD_URL");
      options_.address = env && *env ? env : "unix:///run/sonde/dsd.sock";
    }
    resolve();
    if (options_.max_datagram_bytes == 0) {
      options_.max_datagram_bytes = family_ == AF_UNIX ? 8192 : 1432;
    }
    for (const auto& t : options_.constant_tags) {
      if (t.empty()) continue;
      const auto before = constant_tags_.size();
      constant_tags_.push_back(constant_tags_.empty() ? '#' : ',');
      detail::append_tag(constant_tags_, Tag(t));
      if (constant_tags_.size() == before + 1) constant_tags_.resize(before);
    }
    buffer_.reserve(options_.max_datagram_bytes);
    pid_ = ::getpid();
    {
      auto& r = detail::ForkRegistry::get();
      std::lock_guard<std::mutex> lock(r.mutex);
      r.clients.push_back(this);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    start_flusher_locked();
  }

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  ~Client() {
    {
      auto& r = detail::ForkRegistry::get();
      std::lock_guard<std::mutex> lock(r.mutex);
      r.clients.erase(std::remove(r.clients.begin(), r.clients.end(), this), r.clients.end());
    }
    stop_flusher();
    std::lock_guard<std::mutex> lock(mutex_);
    flush_locked();
    if (fd_ >= 0) ::close(fd_);
  }

  // ---- metrics ----------------------------------------------------------------------------
  void count(std::string_view name, double value, Tags tags = {}, double rate = 1.0) {
    metric(name, value, "c", tags, rate);
  }
  void increment(std::string_view name, Tags tags = {}, double rate = 1.0) {
    metric(name, 1, "c", tags, rate);
  }
  void gauge(std::string_view name, double value, Tags tags = {}, double rate = 1.0) {
    metric(name, value, "g", tags, rate);
  }
  /// Adds `delta` to a gauge ("+N" / "-N"; sonde starts a new series from 0).
  void gauge_add(std::string_view name, double delta, Tags tags = {}, double rate = 1.0) {
    metric(name, delta, "g", tags, rate, true);
  }
  void histogram(std::string_view name, double value, Tags tags = {}, double rate = 1.0) {
    metric(name, value, "h", tags, rate);
  }
  void distribution(std::string_view name, double value, Tags tags = {}, double rate = 1.0) {
    metric(name, value, "d", tags, rate);
  }
  /// A duration in milliseconds ("ms": sonde observes value ÷ 1000, in seconds).
  void timing(std::string_view name, double milliseconds, Tags tags = {}, double rate = 1.0) {
    metric(name, milliseconds, "ms", tags, rate);
  }
  template <class Rep, class Period>
  void timing(std::string_view name, std::chrono::duration<Rep, Period> d, Tags tags = {},
              double rate = 1.0) {
    timing(name, std::chrono::duration<double, std::milli>(d).count(), tags, rate);
  }
  /// Counts distinct members (sonde: a gauge of the distinct values over its set window).
  void set(std::string_view name, std::string_view member, Tags tags = {}, double rate = 1.0) {
    if (member.empty()) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!sampled(rate)) return;
    auto& line = start_line(name);
    if (line.empty()) return;
    detail::append_replaced(line, member, detail::bad_set_byte);
    finish_metric(line, "s", tags, rate);
  }

  /// Sends a timing of its own lifetime (or of the time until stop()) when destroyed.
  class ScopedTimer {
   public:
    ScopedTimer(Client& c, std::string_view name, Tags tags, double rate)
        : client_(&c), rate_(rate), start_(std::chrono::steady_clock::now()) {
      name_.assign(name);
      for (const auto& t : tags) {
        tags_.push_back(tags_.empty() ? '#' : ',');
        detail::append_tag(tags_, t);
      }
    }
    ScopedTimer(ScopedTimer&& o) noexcept
        : client_(std::exchange(o.client_, nullptr)),
          rate_(o.rate_),
          start_(o.start_),
          name_(std::move(o.name_)),
          tags_(std::move(o.tags_)) {}
    ScopedTimer(const ScopedTimer&) = delete;
    ScopedTimer& operator=(const ScopedTimer&) = delete;
    ScopedTimer& operator=(ScopedTimer&&) = delete;
    ~ScopedTimer() { stop(); }
    /// Sends now (once); returns the elapsed time.
    std::chrono::nanoseconds stop() {
      const auto elapsed = std::chrono::steady_clock::now() - start_;
      if (client_) {
        std::exchange(client_, nullptr)
            ->timing_rendered(name_, std::chrono::duration<double, std::milli>(elapsed).count(),
                              tags_, rate_);
      }
      return elapsed;
    }
    /// Sends nothing.
    void cancel() { client_ = nullptr; }

   private:
    Client* client_;
    double rate_;
    std::chrono::steady_clock::time_point start_;
    std::string name_;
    std::string tags_;  // "#a:b,c:d" already escaped
  };
  [[nodiscard]] ScopedTimer timer(std::string_view name, Tags tags = {}, double rate = 1.0) {
    return ScopedTimer(*this, name, tags, rate);
  }

  // ---- events and service checks ------------------------------------------------------------
  void event(const Event& e, Tags tags = {}) {
    if (e.title.empty()) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto& line = detail::thread_state().line;
    line.clear();
    line += "_e{";
    detail::append_int(line, static_cast<std::int64_t>(detail::escaped_text_size(e.title)));
    line.push_back(',');
    detail::append_int(line, static_cast<std::int64_t>(detail::escaped_text_size(e.text)));
    line += "}:";
    detail::append_escaped_text(line, e.title);
    line.push_back('|');
    detail::append_escaped_text(line, e.text);
    if (e.timestamp != 0) {
      line += "|d:";
      detail::append_int(line, e.timestamp);
    }
    optional_field(line, "|h:", e.hostname);
    optional_field(line, "|k:", e.aggregation_key);
    optional_field(line, "|p:", e.priority);
    optional_field(line, "|s:", e.source_type);
    optional_field(line, "|t:", e.alert_type);
    append_tags(line, tags, constant_tags_);
    enqueue(line);
  }

  void service_check(std::string_view name, ServiceCheckStatus status, Tags tags = {},
                     std::string_view message = {}, std::int64_t timestamp = 0,
                     std::string_view hostname = {}) {
    auto& line = detail::thread_state().line;
    line.clear();
    line += "_sc|";
    if (!append_name(line, name)) return;
    line.push_back('|');
    line.push_back(static_cast<char>('0' + static_cast<int>(status)));
    if (timestamp != 0) {
      line += "|d:";
      detail::append_int(line, timestamp);
    }
    optional_field(line, "|h:", hostname);
    append_tags(line, tags, constant_tags_);
    if (!message.empty()) {  // last: DogStatsD takes the rest of the line as the message
      line += "|m:";
      detail::append_escaped_text(line, message);
    }
    enqueue(line);
  }

  // ---- control -------------------------------------------------------------------------------
  /// Sends what is buffered now.
  void flush() {
    std::lock_guard<std::mutex> lock(mutex_);
    flush_locked();
  }

  ClientStats stats() const {
    ClientStats s;
    s.lines_queued = lines_queued_.load(std::memory_order_relaxed);
    s.lines_sent = lines_sent_.load(std::memory_order_relaxed);
    s.lines_dropped = lines_dropped_.load(std::memory_order_relaxed);
    s.datagrams_sent = datagrams_sent_.load(std::memory_order_relaxed);
    s.datagrams_dropped = datagrams_dropped_.load(std::memory_order_relaxed);
    s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
    s.invalid = invalid_.load(std::memory_order_relaxed);
    s.connect_failures = connect_failures_.load(std::memory_order_relaxed);
    s.reconnects = reconnects_.load(std::memory_order_relaxed);
    s.last_errno = last_errno_.load(std::memory_order_relaxed);
    return s;
  }

  const ClientOptions& options() const { return options_; }

 private:
  friend struct detail::ForkRegistry;

  struct Flusher {
    std::mutex mutex;
    std::condition_variable cv;
    bool stop = false;
    std::thread thread;
  };

  bool sampled(double rate) {
    if (!(rate >= 0) || std::isnan(rate)) {  // NaN or negative: refused
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    return rate >= 1 || detail::random_unit() < rate;
  }

  bool append_name(std::string& line, std::string_view name) {
    if (name.empty() && options_.prefix.empty()) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    detail::append_replaced(line, options_.prefix, detail::bad_name_byte);
    detail::append_replaced(line, name, detail::bad_name_byte);
    return true;
  }

  /// Clears the thread's line and writes "name:" into it; empty when the name is refused.
  std::string& start_line(std::string_view name) {
    auto& line = detail::thread_state().line;
    line.clear();
    if (append_name(line, name)) {
      line.push_back(':');
    } else {
      line.clear();
    }
    return line;
  }

  void metric(std::string_view name, double value, const char* type, Tags tags, double rate,
              bool signed_delta = false) {
    if (!std::isfinite(value)) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!sampled(rate)) return;
    auto& line = start_line(name);
    if (line.empty()) return;
    if (signed_delta && !std::signbit(value)) line.push_back('+');
    detail::append_number(line, value);
    finish_metric(line, type, tags, rate);
  }

  void finish_metric(std::string& line, const char* type, Tags tags, double rate,
                     std::string_view rendered_tags = {}) {
    line.push_back('|');
    line += type;
    if (rate < 1) {
      line += "|@";
      detail::append_number(line, rate);
    }
    if (!rendered_tags.empty()) {
      line.push_back('|');
      line += rendered_tags;
      if (!constant_tags_.empty()) {
        line.push_back(',');
        line.append(constant_tags_, 1, std::string::npos);
      }
    } else {
      append_tags(line, tags, constant_tags_);
    }
    enqueue(line);
  }

  void timing_rendered(std::string_view name, double ms, const std::string& rendered_tags,
                       double rate) {
    if (!sampled(rate)) return;
    auto& line = start_line(name);
    if (line.empty()) return;
    detail::append_number(line, ms);
    finish_metric(line, "ms", {}, rate, rendered_tags);
  }

  static void append_tags(std::string& line, Tags tags, const std::string& constant) {
    bool first = true;
    for (const auto& t : tags) {
      if (t.key.empty() && (!t.has_value || t.value.empty())) continue;
      line += first ? "|#" : ",";
      first = false;
      detail::append_tag(line, t);
    }
    if (!constant.empty()) {
      if (first) {
        line.push_back('|');
        line += constant;  // starts with '#'
      } else {
        line.push_back(',');
        line.append(constant, 1, std::string::npos);
      }
    }
  }

  static void optional_field(std::string& line, const char* prefix, std::string_view v) {
    if (v.empty()) return;
    line += prefix;
    detail::append_replaced(line, v, detail::bad_field_byte);
  }

  void enqueue(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (restart_flusher_) start_flusher_locked();
    if (!buffer_.empty() && buffer_.size() + 1 + line.size() > options_.max_datagram_bytes) {
      flush_locked();
    }
    if (!buffer_.empty()) buffer_.push_back('\n');
    buffer_ += line;
    ++buffered_lines_;
    lines_queued_.fetch_add(1, std::memory_order_relaxed);
    if (buffer_.size() >= options_.max_datagram_bytes) flush_locked();
  }

  void flush_locked() {
    if (::getpid() != pid_) forget_parent_state();  // a fork that bypassed pthread_atfork
    if (buffer_.empty()) return;
    const std::uint64_t lines = buffered_lines_;
    bool sent = false;
    if (fd_ < 0) open_socket();
    if (fd_ >= 0) {
      const ssize_t n = ::send(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) {
        sent = true;
      } else {
        const int err = errno;
        last_errno_.store(err, std::memory_order_relaxed);
        // A full queue keeps the socket; anything else (sonde gone or restarted: ECONNREFUSED,
        // ENOTCONN, ENOENT) reopens it, which finds a restarted sonde's new socket.
        if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS && err != EMSGSIZE &&
            err != EINTR) {
          ::close(fd_);
          fd_ = -1;
          had_failure_ = true;
        }
      }
    }
    if (sent) {
      lines_sent_.fetch_add(lines, std::memory_order_relaxed);
      datagrams_sent_.fetch_add(1, std::memory_order_relaxed);
      bytes_sent_.fetch_add(buffer_.size(), std::memory_order_relaxed);
    } else {
      lines_dropped_.fetch_add(lines, std::memory_order_relaxed);
      datagrams_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    buffer_.clear();
    buffered_lines_ = 0;
  }

  void open_socket() {
    const auto now = std::chrono::steady_clock::now();
    if (attempted_ && now - last_attempt_ < options_.reconnect_interval) return;
    attempted_ = true;
    last_attempt_ = now;
    if (addr_len_ == 0) {  // the address did not resolve
      connect_failures_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const int fd = ::socket(family_, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      last_errno_.store(errno, std::memory_order_relaxed);
      connect_failures_.fetch_add(1, std::memory_order_relaxed);
      had_failure_ = true;
      return;
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr_), addr_len_) != 0) {
      last_errno_.store(errno, std::memory_order_relaxed);
      ::close(fd);
      connect_failures_.fetch_add(1, std::memory_order_relaxed);
      had_failure_ = true;
      return;
    }
    if (family_ == AF_UNIX) {
      // Room for a burst of full datagrams while sonde is between reads: raise the send buffer
      // to 32 of them when the default (wmem_default) holds fewer; never lower it, since each
      // queued datagram is charged its payload plus about 1 KiB of kernel overhead. The
      // kernel caps the request at wmem_max.
      const std::size_t want =
          std::min<std::size_t>((options_.max_datagram_bytes + 1024) * 32, std::size_t{4} << 20);
      int current = 0;
      socklen_t len = sizeof current;
      // getsockopt reports the doubled value the kernel keeps; setsockopt takes half of it.
      if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &current, &len) != 0 ||
          static_cast<std::size_t>(current) / 2 < want) {
        int size = static_cast<int>(want);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      }
    }
    fd_ = fd;
    if (had_failure_) reconnects_.fetch_add(1, std::memory_order_relaxed);
    had_failure_ = false;
  }

  /// Parses the address once (a host name resolves here, never on the send path).
  void resolve() {
    std::string_view a = options_.address;
    auto strip = [&](std::string_view scheme) {
      if (a.substr(0, scheme.size()) == scheme) {
        a.remove_prefix(scheme.size());
        return true;
      }
      return false;
    };
    if (strip("unix://") || strip("unixgram://") || (!a.empty() && a[0] == '/')) {
      auto* un = reinterpret_cast<sockaddr_un*>(&addr_);
      if (a.empty() || a.size() >= sizeof un->sun_path) return;
      un->sun_family = AF_UNIX;
      std::memcpy(un->sun_path, a.data(), a.size());
      addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + a.size() + 1);
      family_ = AF_UNIX;
      return;
    }
    family_ = AF_INET;  // UDP sizing even when the address is bad
    if (!strip("udp://")) return;
    std::string host, port;
    if (!a.empty() && a[0] == '[') {
      const auto end = a.find(']');
      if (end == std::string_view::npos || a.substr(end + 1, 1) != ":") return;
      host.assign(a.substr(1, end - 1));
      port.assign(a.substr(end + 2));
    } else {
      const auto colon = a.rfind(':');
      if (colon == std::string_view::npos) return;
      host.assign(a.substr(0, colon));
      port.assign(a.substr(colon + 1));
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) return;
    std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
    addr_len_ = res->ai_addrlen;
    family_ = res->ai_family;
    ::freeaddrinfo(res);
  }

  void start_flusher_locked() {
    restart_flusher_ = false;
    if (options_.flush_interval.count() <= 0) return;
    auto f = std::make_unique<Flusher>();
    Flusher* raw = f.get();
    const auto interval = options_.flush_interval;
    f->thread = std::thread([this, raw, interval] {
      std::unique_lock<std::mutex> lock(raw->mutex);
      while (!raw->cv.wait_for(lock, interval, [raw] { return raw->stop; })) {
        lock.unlock();
        flush();
        lock.lock();
      }
    });
    flusher_ = std::move(f);
  }

  void stop_flusher() {
    std::unique_ptr<Flusher> f;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      f = std::move(flusher_);
    }
    if (!f) return;
    {
      std::lock_guard<std::mutex> lock(f->mutex);
      f->stop = true;
    }
    f->cv.notify_all();
    f->thread.join();
  }

  /// In a child after fork(), with mutex_ held by this (the only) thread. Only
  /// async-signal-safe calls: close, getpid, stores.
  void forget_parent_state() {
    // The parent sends what was buffered before the fork; the child must not send it again.
    buffer_.clear();
    buffered_lines_ = 0;
    if (fd_ >= 0) ::close(fd_);  // shared with the parent: the child opens its own
    fd_ = -1;
    attempted_ = false;
    had_failure_ = false;
    // The flusher thread does not exist here, and its mutex and condition variable may be in
    // any state: leak them (a few bytes per fork) and start a new thread on the next call.
    (void)flusher_.release();
    restart_flusher_ = options_.flush_interval.count() > 0;
    pid_ = ::getpid();
    for (auto* c :
         {&lines_queued_, &lines_sent_, &lines_dropped_, &datagrams_sent_, &datagrams_dropped_,
          &bytes_sent_, &invalid_, &connect_failures_, &reconnects_}) {
      c->store(0, std::memory_order_relaxed);
    }
    last_errno_.store(0, std::memory_order_relaxed);
  }

  ClientOptions options_;
  std::string constant_tags_;  // "#a:b,c:d", escaped, or empty
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  int family_ = AF_UNIX;

  std::mutex mutex_;  // guards everything below except the atomics
  std::string buffer_;
  std::uint64_t buffered_lines_ = 0;
  int fd_ = -1;
  bool attempted_ = false;
  bool had_failure_ = false;
  bool restart_flusher_ = false;
  std::chrono::steady_clock::time_point last_attempt_{};
  pid_t pid_ = 0;
  std::unique_ptr<Flusher> flusher_;

  std::atomic<std::uint64_t> lines_queued_{0}, lines_sent_{0}, lines_dropped_{0},
      datagrams_sent_{0}, datagrams_dropped_{0}, bytes_sent_{0}, invalid_{0}, connect_failures_{0},
      reconnects_{0};
  std::atomic<int> last_errno_{0};
};

namespace detail {

inline ForkRegistry& ForkRegistry::get() {
  static ForkRegistry* registry = [] {
    auto* r = new ForkRegistry;  // never freed, on purpose
    ::pthread_atfork(&ForkRegistry::prepare, &ForkRegistry::parent, &ForkRegistry::child);
    return r;
  }();
  return *registry;
}

// Around fork(): the forking thread takes the registry lock, then every client's lock (waiting
// for a send in progress, which never blocks), so the child starts with every client in a
// consistent state and every lock owned by its one thread.
inline void ForkRegistry::prepare() {
  auto& r = get();
  r.mutex.lock();
  for (Client* c : r.clients) c->mutex_.lock();
}

inline void ForkRegistry::parent() {
  auto& r = get();
  for (auto it = r.clients.rbegin(); it != r.clients.rend(); ++it) (*it)->mutex_.unlock();
  r.mutex.unlock();
}

inline void ForkRegistry::child() {
  auto& r = get();
  for (auto it = r.clients.rbegin(); it != r.clients.rend(); ++it) {
    (*it)->forget_parent_state();
    (*it)->mutex_.unlock();
  }
  r.mutex.unlock();
}

}  // namespace detail
}  // namespace sonde
