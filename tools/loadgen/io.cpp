#include "loadgen/io.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "collectors/self.hpp"
#include "collectors/text_format.hpp"
#include "core/listen_address.hpp"
#include "core/read_file.hpp"
#include "net/url.hpp"

namespace sonde::loadgen {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

core::Result<int> connect_unix(const std::string& path, int type) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    return core::error(path + ": a socket path must be shorter than 108 bytes");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::error("socket: " + errno_text(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return core::error("connect " + path + ": " + errno_text(err));
  }
  return fd;
}

core::Result<int> connect_udp(const std::string& address) {
  auto a = core::parse_listen_address(address);
  if (!a) return core::error("--udp " + address + ": " + a.message());
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string host = a->host.empty() ? "127.0.0.1" : a->host;
  const std::string port = std::to_string(a->port);
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return core::error("--udp " + address + ": " + ::gai_strerror(rc));
  }
  const int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    const int err = errno;
    ::freeaddrinfo(res);
    if (fd >= 0) ::close(fd);
    return core::error("connect " + address + ": " + errno_text(err));
  }
  ::freeaddrinfo(res);
  return fd;
}

}  // namespace

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::unixgram:
      return "unixgram";
    case Transport::unixstream:
      return "unixstream";
    case Transport::udp:
      return "udp";
  }
  return "?";
}

core::Result<std::unique_ptr<Sender>> Sender::open(const TargetAddress& target, bool blocking,
                                                   std::uint32_t send_buffer) {
  core::Result<int> fd =
      target.transport == Transport::udp
          ? connect_udp(target.address)
          : connect_unix(target.address,
                         target.transport == Transport::unixgram ? SOCK_DGRAM : SOCK_STREAM);
  if (!fd) return fd.error();
  if (send_buffer > 0) {
    const int want = static_cast<int>(send_buffer);
    ::setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
  }
  timeval tv{0, 100'000};
  ::setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return std::unique_ptr<Sender>(
      new Sender(*fd, target.transport == Transport::unixstream, blocking));
}

Sender::~Sender() { ::close(fd_); }

SendResult Sender::send(std::string_view payload) {
  const int flags = MSG_NOSIGNAL | (blocking_ ? 0 : MSG_DONTWAIT);
  if (!stream_) {
    if (::send(fd_, payload.data(), payload.size(), flags) >= 0) return SendResult::sent;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return blocking_ ? SendResult::timeout : SendResult::refused;
    }
    last_errno_ = errno;
    return SendResult::failed;
  }
  // A stream takes the payload whole or not at all: a frame cut in two would corrupt every
  // frame after it. Non-blocking: refused only when nothing was written yet.
  std::size_t done = 0;
  while (done < payload.size()) {
    const ssize_t n =
        ::send(fd_, payload.data() + done, payload.size() - done, done == 0 ? flags : MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (done == 0) return blocking_ ? SendResult::timeout : SendResult::refused;
      continue;  // the rest of a started payload waits (blocking) for room
    }
    last_errno_ = errno;
    return SendResult::failed;
  }
  return SendResult::sent;
}

BatchResult Sender::send_datagrams(std::span<const std::string_view> payloads,
                                   const std::atomic<bool>& stop) {
  const int flags = MSG_NOSIGNAL | (blocking_ ? 0 : MSG_DONTWAIT);
  BatchResult r;
  std::array<iovec, kMaxBatch> iov;
  std::array<mmsghdr, kMaxBatch> msgs;
  std::size_t i = 0;
  while (i < payloads.size()) {
    const std::size_t k = std::min(payloads.size() - i, kMaxBatch);
    for (std::size_t j = 0; j < k; ++j) {
      iov[j] = {const_cast<char*>(payloads[i + j].data()), payloads[i + j].size()};
      msgs[j] = {};
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
    }
    // An error after the first datagram ends the call with the count sent (sendmmsg(2)); the
    // next call then meets it at the datagram that was not sent.
    const int n = ::sendmmsg(fd_, msgs.data(), static_cast<unsigned>(k), flags);
    if (n > 0) {
      r.sent += static_cast<std::size_t>(n);
      i += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (blocking_) {
        if (stop.load(std::memory_order_relaxed)) break;  // never offered
        continue;                                         // the same datagram again
      }
      ++r.refused;
      ++i;
      continue;
    }
    last_errno_ = n < 0 ? errno : EIO;
    ++r.failed;
    ++i;
  }
  r.done = i;
  return r;
}

std::string CounterSelector::to_string() const {
  std::string out = metric;
  if (labels.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + labels[i].second + '"';
  }
  return out + '}';
}

core::Result<double> read_counter(std::string_view exposition, const CounterSelector& selector) {
  auto families = collectors::parse_text_format(exposition);
  if (!families) return core::error("the exposition does not parse: " + families.message());
  double sum = 0;
  bool found = false;
  // A counter's family may be named with or without `_total` (text format 0.0.4 keeps it).
  const auto base = [](std::string_view n) {
    return n.ends_with("_total") ? n.substr(0, n.size() - 6) : n;
  };
  for (const auto& f : *families) {
    if (base(f.name) != base(selector.metric)) continue;
    for (const auto& m : f.metrics) {
      const bool all =
          std::all_of(selector.labels.begin(), selector.labels.end(), [&](const auto& want) {
            return std::find(m.labels.begin(), m.labels.end(), want) != m.labels.end();
          });
      if (!all) continue;
      sum += m.value;
      found = true;
    }
  }
  if (!found) return core::error("no sample of " + selector.to_string());
  return sum;
}

core::Result<std::unique_ptr<CounterSource>> CounterSource::create(std::string_view url,
                                                                   CounterSelector selector) {
  auto u = net::parse_url(url);
  if (!u) return core::error("--metrics " + std::string(url) + ": " + u.message());
  net::ClientOptions options;
  options.timeout = std::chrono::seconds(10);
  // A target with 100,000 series answers with megabytes; the counter may come last.
  options.max_response_body = 256u << 20;
  auto client = net::HttpClient::create(std::move(*u), std::move(options));
  if (!client) return core::error(client.error().message);
  return std::unique_ptr<CounterSource>(new CounterSource(std::move(*client), std::move(selector)));
}

core::Result<std::string> CounterSource::fetch() {
  auto r = client_->request("GET", {}, "");
  if (!r) return core::error(r.error().message);
  if (r->status != 200) return core::error("HTTP status " + std::to_string(r->status));
  return std::move(r->body);
}

core::Result<double> CounterSource::read(std::string* body) {
  auto text = fetch();
  if (!text) return text.error();
  auto v = read_counter(*text, selector_);
  if (body) *body = std::move(*text);
  return v;
}

core::Result<ProcessSample> read_process(const std::filesystem::path& proc, int pid) {
  const auto path = proc / std::to_string(pid) / "stat";
  auto text = core::read_text(path);
  if (!text) return text.error();
  auto stat = collectors::parse_proc_pid_stat(*text);
  if (!stat) return core::error(path.string() + ": " + stat.message());
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return ProcessSample{static_cast<double>(stat->utime + stat->stime) / ticks,
                       static_cast<std::uint64_t>(std::max<std::int64_t>(0, stat->rss)) * page};
}

}  // namespace sonde::loadgen
