// The unixstream listener's framing, without a socket: the bytes one connection sends go in,
// whole payloads (newline framing: complete lines; length-prefixed: one frame each) and
// rejections come out. The listener reads into space() and calls received(); tests and the
// fuzz target drive it with any split of any bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ingest/aggregator.hpp"
#include "ingest/options.hpp"

namespace sonde::ingest {

class StreamFramer {
 public:
  /// Where the framer hands out what it finds.
  class Sink {
   public:
    virtual ~Sink() = default;
    /// Complete lines (newline framing, without the last '\n') or one frame's bytes.
    virtual void payload(std::string_view bytes) = 0;
    /// A line or frame that is not handed over, and what a log may show of it.
    virtual void reject(DropReason reason, std::string_view shown) = 0;
  };

  /// The buffer is fixed here: a line of max_line_bytes and its '\n' (newline), or a 4-byte
  /// little-endian length and a frame of at most max_frame_bytes (length_prefixed).
  StreamFramer(StreamFraming framing, std::size_t max_line_bytes, std::size_t max_frame_bytes);

  /// Where the next read goes; never empty while received() has not returned false.
  std::span<char> space() { return {buf_.data() + used_, buf_.size() - used_}; }

  /// `n` bytes were read into space(). Hands every complete payload to `sink`; a line longer
  /// than max_line_bytes is rejected (`line_too_long`) once and skipped up to its '\n'. Returns
  /// false when a frame header announces more than max_frame_bytes: nothing after it can be
  /// trusted to be a frame, so it is rejected (`frame_too_long`) and the connection must close.
  bool received(std::size_t n, Sink& sink);

  /// The peer closed: a last line without its '\n' still counts; a frame cut short (or a
  /// partial header) is one `malformed` rejection. Nothing is kept.
  void finish(Sink& sink);

  /// The length the rejected header announced, after received() returned false.
  std::uint32_t rejected_length() const { return rejected_length_; }
  std::size_t buffered() const { return used_; }

 private:
  void lines(Sink& sink);
  bool frames(Sink& sink);

  bool length_prefixed_;
  std::size_t max_frame_bytes_;
  std::vector<char> buf_;  // capacity fixed at construction
  std::size_t used_ = 0;
  bool skipping_ = false;  // newline: inside an over-long line, until the next '\n'
  std::uint32_t rejected_length_ = 0;
};

}  // namespace sonde::ingest
