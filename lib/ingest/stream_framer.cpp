#include "ingest/stream_framer.hpp"

#include <algorithm>
#include <cstring>

namespace sonde::ingest {

StreamFramer::StreamFramer(StreamFraming framing, std::size_t max_line_bytes,
                           std::size_t max_frame_bytes)
    : length_prefixed_(framing == StreamFraming::length_prefixed),
      max_frame_bytes_(max_frame_bytes),
      buf_(length_prefixed_ ? max_frame_bytes + 4 : max_line_bytes + 1) {}

bool StreamFramer::received(std::size_t n, Sink& sink) {
  used_ += std::min(n, buf_.size() - used_);
  if (length_prefixed_) return frames(sink);
  lines(sink);
  return true;
}

void StreamFramer::finish(Sink& sink) {
  // An over-long line being skipped was counted when it began.
  if (!length_prefixed_ && used_ > 0 && !skipping_) {
    sink.payload(std::string_view(buf_.data(), used_));
  } else if (length_prefixed_ && used_ > 0) {
    sink.reject(DropReason::malformed, std::string_view(buf_.data(), used_));
  }
  used_ = 0;
  skipping_ = false;
}

void StreamFramer::lines(Sink& sink) {
  std::string_view data(buf_.data(), used_);
  if (skipping_) {
    const auto nl = data.find('\n');
    if (nl == std::string_view::npos) {
      used_ = 0;
      return;
    }
    skipping_ = false;
    data.remove_prefix(nl + 1);
  }
  const auto last = data.rfind('\n');
  if (last != std::string_view::npos) {
    sink.payload(data.substr(0, last));
    data.remove_prefix(last + 1);
  }
  if (data.size() >= buf_.size() - 1 && last == std::string_view::npos) {
    // A full buffer with no '\n': the line is longer than max_line_bytes.
    sink.reject(DropReason::line_too_long, data);
    skipping_ = true;
    data = {};
  }
  if (!data.empty()) std::memmove(buf_.data(), data.data(), data.size());
  used_ = data.size();
}

bool StreamFramer::frames(Sink& sink) {
  std::size_t pos = 0;
  while (used_ - pos >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
    const std::uint32_t len = p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t{p[3]} << 24);
    if (len > max_frame_bytes_) {
      // The header itself is in what is shown: text sent by mistake shows as text.
      rejected_length_ = len;
      sink.reject(DropReason::frame_too_long,
                  std::string_view(buf_.data() + pos, std::min<std::size_t>(used_ - pos, 64)));
      used_ = 0;
      return false;
    }
    if (used_ - pos - 4 < len) break;
    sink.payload(std::string_view(buf_.data() + pos + 4, len));
    pos += 4 + len;
  }
  std::memmove(buf_.data(), buf_.data() + pos, used_ - pos);
  used_ -= pos;
  return true;
}

}  // namespace sonde::ingest
