#include "ingest/listeners.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/listen_address.hpp"
#include "core/quote.hpp"
#include "ingest/origin.hpp"
#include "ingest/stream_framer.hpp"
#include "ingest/unix_socket.hpp"

namespace sonde::ingest {
namespace {

/// Base of the three listeners: the thread, the wake-up eventfd, the aggregator worker.
class ListenerBase : public Listener {
 public:
  ListenerBase(Aggregator& agg, const ingest::IngestOptions& o, std::string name,
               std::filesystem::path runtime_dir, std::filesystem::path proc)
      : agg_(agg),
        options_(o),
        name_(std::move(name)),
        runtime_dir_(std::move(runtime_dir)),
        proc_(std::move(proc)) {}
  ~ListenerBase() override { stop(); }
  const std::string& name() const override { return name_; }
  std::string address() const override { return address_; }

  core::Status start() override {
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (wake_.get() < 0) return core::error("eventfd: " + errno_text(errno));
    if (auto st = bind(); !st.ok()) return st;
    worker_ = &agg_.worker(name_);
    configure_stats(worker_->stats());
    if (worker_->stats().reports_origin) {
      origins_ =
          std::make_unique<OriginCache>(proc_, options_.origin_cache_size,
                                        std::chrono::nanoseconds(options_.origin_cache_ttl).count(),
                                        recheck_ns(), worker_->stats().origin);
    }
    thread_ = std::thread([this] { run(); });
    return core::ok();
  }

  void stop() override {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    interrupt();
    thread_.join();
    fd_.reset();
    if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
  }

 protected:
  virtual core::Status bind() = 0;
  virtual void configure_stats(ListenerStats&) {}
  /// How often origin detection reads a remembered sender's start time again (OriginCache).
  virtual std::int64_t recheck_ns() const { return 0; }
  virtual void run() = 0;
  /// Wakes a thread that blocks in a read rather than in wait_readable (stop() calls it after
  /// setting stopping_).
  virtual void interrupt() {}

  /// Waits until `fd` is readable or stop() is called; false when stopping.
  bool wait_readable(int fd) {
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    for (;;) {
      if (stopping_.load(std::memory_order_relaxed)) return false;
      const int n = ::poll(p, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      if (p[1].revents) return false;
      return true;
    }
  }

  std::int64_t steady_ns() const { return agg_.clock().steady_now().time_since_epoch().count(); }

  /// The origin of the sender with process id `pid` (0: unknown) at `now_ns`.
  std::shared_ptr<const Origin> origin_of(pid_t pid, std::int64_t now_ns) {
    if (pid <= 0) {
      warn_limited("origin_pid",
                   "origin detection: a sender's pid is not visible to sonde (pid 0); its series "
                   "get no origin labels (run sonde in the host PID namespace)");
    }
    return origins_->lookup(pid, now_ns);
  }

  void warn_limited(const std::string& what) { warn_limited(what, what); }

  /// Logs `what` unless `key` has been logged 5 times in the last 10 s.
  void warn_limited(const std::string& key, const std::string& what) {
    log_.warn(key, [&] { return "ingest: " + name_ + ": " + what; });
  }

  Aggregator& agg_;
  const ingest::IngestOptions& options_;
  std::string name_;
  std::filesystem::path runtime_dir_;     // for a socket without a configured path
  std::filesystem::path proc_;            // procfs, for origin detection
  std::unique_ptr<OriginCache> origins_;  // origin detection on a Unix socket; else null
  std::string address_;
  std::string unlink_path_;  // the Unix socket file this listener created
  Fd fd_;
  Fd wake_;
  Worker* worker_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  core::RateLimitedLog log_;
};

/// unixgram and udp: recvmmsg batches.
class DatagramListener final : public ListenerBase {
 public:
  DatagramListener(Aggregator& agg, const ingest::IngestOptions& o, bool udp,
                   std::filesystem::path runtime_dir, std::filesystem::path proc)
      : ListenerBase(agg, o, udp ? "udp" : "unixgram", std::move(runtime_dir), std::move(proc)),
        udp_(udp) {}
  // Stopped here, while interrupt() is still this class's.
  ~DatagramListener() override { stop(); }

 private:
  core::Status bind() override { return udp_ ? bind_udp() : bind_unixgram(); }

  /// The thread blocks in recvmmsg: shutting the socket's reading side wakes it (the read
  /// returns an empty datagram; the loop then sees stopping_). SO_RCVTIMEO in run() bounds the
  /// wait should a kernel not wake it.
  void interrupt() override {
    if (fd_.get() >= 0) ::shutdown(fd_.get(), SHUT_RD);
  }

  core::Status bind_unixgram() {
    auto bound = bind_listener_socket(options_.unixgram.path, runtime_dir_, "dsd.sock", SOCK_DGRAM,
                                      options_.unixgram.mode, options_.unixgram.group);
    if (!bound.ok()) return bound.error();
    fd_ = std::move(bound->fd);
    address_ = bound->path.string();
    unlink_path_ = address_;
    if (options_.origin_detection) {
      // Every datagram then carries its sender's pid, uid and gid (unix(7)).
      const int one = 1;
      if (::setsockopt(fd_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
        return core::error("SO_PASSCRED on " + address_ + ": " + errno_text(errno));
      }
    }
    return core::ok();
  }

  core::Status bind_udp() {
    const std::string& a = options_.udp.address;
    auto parsed = core::parse_listen_address(a);
    if (!parsed) return core::error("udp address " + core::quote(a) + ": " + parsed.message());
    const std::string& host = parsed->host;
    const std::string port = std::to_string(parsed->port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
        rc != 0) {
      return core::error("udp address \"" + a + "\": " + ::gai_strerror(rc));
    }
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0));
      if (fd.get() < 0) {
        last_error = errno_text(errno);
        continue;
      }
      if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
        last_error = errno_text(errno);
        continue;
      }
      fd_ = std::move(fd);
      break;
    }
    ::freeaddrinfo(res);
    if (fd_.get() < 0) return core::error("cannot bind udp " + a + ": " + last_error);

    const int want = static_cast<int>(options_.udp.receive_buffer_bytes);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    int got = 0;
    socklen_t len = sizeof got;
    ::getsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &got, &len);
    if (got / 2 < want) {
      // Past net.core.rmem_max: granted anyway with CAP_NET_ADMIN (socket(7)), else refused.
      ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want);
      ::getsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &got, &len);
    }
    // The kernel doubles what it grants (bookkeeping overhead) and caps at net.core.rmem_max.
    if (got / 2 < want) {
      spdlog::warn(
          "ingest: udp: receive buffer capped at {} bytes (asked for {}); raise "
          "net.core.rmem_max to avoid kernel drops under bursts",
          got / 2, want);
    }
    const int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);

    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &sl);
    char hostbuf[NI_MAXHOST], portbuf[NI_MAXSERV];
    ::getnameinfo(reinterpret_cast<sockaddr*>(&ss), sl, hostbuf, sizeof hostbuf, portbuf,
                  sizeof portbuf, NI_NUMERICHOST | NI_NUMERICSERV);
    address_ = ss.ss_family == AF_INET6 ? "[" + std::string(hostbuf) + "]:" + portbuf
                                        : std::string(hostbuf) + ":" + portbuf;
    return core::ok();
  }

  void configure_stats(ListenerStats& s) override {
    s.reports_kernel_drops = udp_;
    s.reports_truncation = true;
    s.reports_origin = !udp_ && options_.origin_detection;
  }

  /// At most every 50 ms per sender: a start time read costs about as much as a small datagram.
  std::int64_t recheck_ns() const override { return 50'000'000; }

  void run() override {
    const std::size_t batch = std::max<std::uint32_t>(1, options_.batch_size);
    const std::size_t size = options_.max_datagram_bytes;
    constexpr std::size_t kControl =
        std::max(CMSG_SPACE(sizeof(std::uint32_t)), CMSG_SPACE(sizeof(ucred)));
    const bool control_wanted = udp_ || origins_;
    // Not a vector: zero-filling batch × max_datagram_bytes (2 MiB by default) would make every
    // page resident at start. Left uninitialized, a page costs memory only once a datagram
    // that long has been received into it.
    const std::unique_ptr<char[]> data(new char[batch * size]);
    std::vector<char> control(batch * kControl);
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> msgs(batch);
    std::uint32_t last_overflow = 0;
    ListenerStats& stats = worker_->stats();
    // The kernel changes only the headers of the datagrams it fills: those are set again.
    std::size_t dirty = batch;
    // The read blocks (MSG_WAITFORONE: until the first datagram, then it takes what is queued):
    // one system call a wake-up, where a non-blocking read, poll and a read again took three.
    // The timeout only bounds how long stop() can wait should shutdown() not wake the read; long,
    // so an idle listener wakes once in 10 s, not every second.
    const timeval timeout{10, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (!stopping_.load(std::memory_order_relaxed)) {
      for (std::size_t i = 0; i < dirty; ++i) {
        iov[i] = {data.get() + i * size, size};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        if (control_wanted) {
          msgs[i].msg_hdr.msg_control = control.data() + i * kControl;
          msgs[i].msg_hdr.msg_controllen = kControl;
        }
      }
      // MSG_TRUNC: msg_len is a datagram's real length even when it did not fit (unix(7)
      // since Linux 3.4, udp(7)), so what truncation cut off is known exactly.
      const int n = ::recvmmsg(fd_.get(), msgs.data(), static_cast<unsigned>(batch),
                               MSG_WAITFORONE | MSG_TRUNC, nullptr);
      dirty = n < 0 ? 0 : static_cast<std::size_t>(n);
      if (stopping_.load(std::memory_order_relaxed)) return;
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        warn_limited("recvmmsg: " + errno_text(errno));
        if (!wait_readable(fd_.get())) return;
        continue;
      }
      stats.reads.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      // One clock reading (also the origin cache's) and one add to the accepted-lines counter
      // a batch.
      const std::int64_t batch_ns = agg_.begin_batch(*worker_);
      for (int i = 0; i < n; ++i) {
        const auto& h = msgs[static_cast<std::size_t>(i)].msg_hdr;
        const std::size_t length = msgs[static_cast<std::size_t>(i)].msg_len;
        std::string_view payload(static_cast<const char*>(h.msg_iov->iov_base),
                                 std::min(length, size));
        if ((h.msg_flags & MSG_TRUNC) || length > size) truncated(length, payload);
        if (origins_) {
          const auto origin = origin_of(sender_pid(h), batch_ns);
          agg_.ingest_payload(*worker_, payload, origin.get());
          continue;
        }
        agg_.ingest_payload(*worker_, payload);
        if (udp_) {
          for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
              std::uint32_t total = 0;
              std::memcpy(&total, CMSG_DATA(c), sizeof total);
              // A cumulative count of drops on this socket.
              stats.kernel_dropped.fetch_add(total - last_overflow, std::memory_order_relaxed);
              last_overflow = total;
            }
          }
        }
      }
      agg_.end_batch(*worker_);
    }
  }

  /// The pid in a datagram's SCM_CREDENTIALS (0 when absent: the kernel gives 0 for a sender
  /// outside sonde's PID namespace too).
  static pid_t sender_pid(const msghdr& h) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
          c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        return cred.pid;
      }
    }
    return 0;
  }

  /// A datagram of `length` bytes cut to max_datagram_bytes: counted with the bytes lost, and
  /// logged. Its complete lines still count; a last line cut in the middle is one `truncated`
  /// line, and `payload` loses it. Lines wholly in the part cut off are lost uncounted: only
  /// sonde_ingest_truncated_bytes_total says how much.
  void truncated(std::size_t length, std::string_view& payload) {
    ListenerStats& stats = worker_->stats();
    const std::size_t lost = length > payload.size() ? length - payload.size() : 0;
    stats.truncated_datagrams.fetch_add(1, std::memory_order_relaxed);
    stats.truncated_bytes.fetch_add(lost, std::memory_order_relaxed);
    warn_limited("truncated",
                 fmt::format("datagram of {} bytes truncated to max_datagram_bytes ({}); {} bytes "
                             "lost: raise ingest.max_datagram_bytes or send smaller datagrams",
                             length, options_.max_datagram_bytes, lost));
    const auto nl = payload.rfind('\n');
    const std::string_view cut = nl == std::string_view::npos ? payload : payload.substr(nl + 1);
    payload = nl == std::string_view::npos ? std::string_view{} : payload.substr(0, nl);
    // Cut right after a '\n': no line was cut in two.
    if (!cut.empty()) agg_.count_rejected(*worker_, DropReason::truncated, cut);
  }

  bool udp_;
};

/// unixstream: newline or length-prefixed framing, bounded connections.
class StreamListener final : public ListenerBase {
 public:
  StreamListener(Aggregator& agg, const ingest::IngestOptions& o, std::filesystem::path runtime_dir,
                 std::filesystem::path proc)
      : ListenerBase(agg, o, "unixstream", std::move(runtime_dir), std::move(proc)) {}

 private:
  struct Conn {
    Fd fd;
    std::unique_ptr<StreamFramer> framer;  // its buffer fixed at accept
    std::shared_ptr<const Origin> origin;  // the peer at connect time (SO_PEERCRED)
  };

  /// What a connection's framer finds goes to the aggregator through this listener's worker.
  struct ToAggregator final : StreamFramer::Sink {
    ToAggregator(Aggregator& a, Worker& w, const Origin* o) : agg(a), worker(w), origin(o) {}
    void payload(std::string_view bytes) override { agg.ingest(worker, bytes, origin); }
    void reject(DropReason reason, std::string_view shown) override {
      agg.count_rejected(worker, reason, shown);
    }
    Aggregator& agg;
    Worker& worker;
    const Origin* origin;
  };

  core::Status bind() override {
    auto bound =
        bind_listener_socket(options_.unixstream.path, runtime_dir_, "dsd-stream.sock", SOCK_STREAM,
                             options_.unixstream.mode, options_.unixstream.group);
    if (!bound.ok()) return bound.error();
    fd_ = std::move(bound->fd);
    address_ = bound->path.string();
    unlink_path_ = address_;
    return core::ok();
  }

  void configure_stats(ListenerStats& s) override {
    s.reports_connections = true;
    s.reports_origin = options_.origin_detection;
  }

  void run() override {
    std::vector<Conn> conns;
    std::vector<pollfd> fds;
    while (!stopping_.load(std::memory_order_relaxed)) {
      fds.clear();
      fds.push_back({wake_.get(), POLLIN, 0});
      fds.push_back({fd_.get(), POLLIN, 0});
      for (const auto& c : conns) fds.push_back({c.fd.get(), POLLIN, 0});
      const int n = ::poll(fds.data(), fds.size(), -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        warn_limited("poll: " + errno_text(errno));
        return;
      }
      if (fds[0].revents) return;
      // Connections first: their indices in fds match conns before any accept or close.
      std::vector<bool> closed(conns.size(), false);
      for (std::size_t i = 0; i < conns.size(); ++i) {
        if (fds[i + 2].revents) closed[i] = !read_some(conns[i]);
      }
      for (std::size_t i = conns.size(); i-- > 0;) {
        if (closed[i]) conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (fds[1].revents & POLLIN) accept_one(conns);
    }
  }

  void accept_one(std::vector<Conn>& conns) {
    Fd fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (fd.get() < 0) {
      if (errno != EAGAIN && errno != EINTR) warn_limited("accept: " + errno_text(errno));
      return;
    }
    if (conns.size() >= options_.unixstream.max_connections) {
      worker_->stats().connections_rejected.fetch_add(1, std::memory_order_relaxed);
      warn_limited("max_connections (" + std::to_string(options_.unixstream.max_connections) +
                   ") open; closing new connections");
      return;  // fd closes here
    }
    Conn c;
    if (origins_) {
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) cred.pid = 0;
      c.origin = origin_of(cred.pid, steady_ns());
    }
    c.fd = std::move(fd);
    c.framer = std::make_unique<StreamFramer>(options_.unixstream.framing, options_.max_line_bytes,
                                              options_.max_datagram_bytes);
    conns.push_back(std::move(c));
  }

  /// Reads what is available; false when the connection is finished.
  bool read_some(Conn& c) {
    ToAggregator sink(agg_, *worker_, c.origin.get());
    // A few reads per wake-up, so that one busy client cannot starve the others.
    for (int reads = 0; reads < 16; ++reads) {
      const std::span<char> space = c.framer->space();
      const ssize_t n = ::read(c.fd.get(), space.data(), space.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n <= 0) {
        c.framer->finish(sink);  // EOF (or an error): what is left
        return false;
      }
      worker_->stats().reads.fetch_add(1, std::memory_order_relaxed);
      if (!c.framer->received(static_cast<std::size_t>(n), sink)) {
        // A corrupt header, or text sent to a length-prefixed socket: closed, so the sender
        // learns (EPIPE, or EOF on read) instead of every later frame vanishing.
        warn_limited("frame_too_long",
                     fmt::format("frame length {} over max_datagram_bytes ({}); closing the "
                                 "connection (is the client using length-prefixed framing?)",
                                 c.framer->rejected_length(), options_.max_datagram_bytes));
        return false;
      }
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Listener> make_unixgram_listener(Aggregator& agg,
                                                 const ingest::IngestOptions& options,
                                                 const std::filesystem::path& runtime_dir,
                                                 const std::filesystem::path& proc) {
  return std::make_unique<DatagramListener>(agg, options, false, runtime_dir, proc);
}

std::unique_ptr<Listener> make_udp_listener(Aggregator& agg, const ingest::IngestOptions& options) {
  return std::make_unique<DatagramListener>(agg, options, true, std::filesystem::path(),
                                            std::filesystem::path());
}

std::unique_ptr<Listener> make_unixstream_listener(Aggregator& agg,
                                                   const ingest::IngestOptions& options,
                                                   const std::filesystem::path& runtime_dir,
                                                   const std::filesystem::path& proc) {
  return std::make_unique<StreamListener>(agg, options, runtime_dir, proc);
}

}  // namespace sonde::ingest
