#include "http/gzip.hpp"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

namespace sonde::http {

namespace {

/// What igzip needs beside its stream at `level`, in bytes: its hash table and a token buffer of
/// 16 Ki tokens ("SMALL"). A bigger buffer buys nothing on a /metrics body (the same output in the
/// same time on a 66 KB body); a smaller one emits more blocks, larger and slower.
std::size_t level_buffer_size(int level) {
  switch (level) {
    case 0:
      return ISAL_DEF_LVL0_DEFAULT;
    case 1:
      return ISAL_DEF_LVL1_SMALL;
    case 2:
      return ISAL_DEF_LVL2_SMALL;
    default:
      return ISAL_DEF_LVL3_SMALL;
  }
}

/// One igzip stream per thread (82 KB: it holds the 32 KB window and its hash heads) and its
/// level buffer, kept between bodies and started afresh for each (isal_deflate_init): a scrape
/// allocates nothing but its output. Heap-allocated on a thread's first body, so threads that
/// never compress a body carry none of it.
struct ThreadStream {
  isal_zstream stream;
  std::unique_ptr<std::uint8_t[]> level_buffer;
  std::size_t level_buffer_bytes = 0;

  std::uint8_t* buffer_for(int level) {
    const std::size_t want = level_buffer_size(level);
    if (want > level_buffer_bytes) {
      level_buffer = std::make_unique<std::uint8_t[]>(want);
      level_buffer_bytes = want;
    }
    return level_buffer.get();
  }
};

}  // namespace

core::Result<std::string> gzip_compress(std::string_view in, int level) {
  if (level < ISAL_DEF_MIN_LEVEL || level > ISAL_DEF_MAX_LEVEL) {
    return core::error("gzip: no compressor at level " + std::to_string(level));
  }
  thread_local std::unique_ptr<ThreadStream> kept;
  if (!kept) kept = std::make_unique<ThreadStream>();
  isal_zstream& s = kept->stream;
  isal_deflate_init(&s);
  s.level = static_cast<std::uint32_t>(level);
  s.level_buf = kept->buffer_for(level);
  s.level_buf_size = static_cast<std::uint32_t>(level_buffer_size(level));
  s.gzip_flag = IGZIP_GZIP;
  s.flush = NO_FLUSH;
  s.end_of_stream = 1;
  // avail_in is 32 bits: a larger body goes in in slices.
  constexpr std::size_t kSlice = std::size_t{1} << 30;
  s.next_in = nullptr;
  s.avail_in = 0;
  std::size_t consumed = 0;
  // Text exposition shrinks 5-6x at level 1; a quarter of the input (and a gzip header's worth)
  // is room enough for it, and the output grows when a body compresses worse.
  std::string out(in.size() / 4 + 64, '\0');
  std::size_t produced = 0;
  for (;;) {
    if (s.avail_in == 0 && consumed < in.size()) {
      const std::size_t n = std::min(kSlice, in.size() - consumed);
      s.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(in.data() + consumed));
      s.avail_in = static_cast<std::uint32_t>(n);
      consumed += n;
      s.end_of_stream = consumed == in.size() ? 1 : 0;
    }
    if (produced == out.size()) out.resize(out.size() * 2);
    const std::size_t room = std::min(kSlice, out.size() - produced);
    s.next_out = reinterpret_cast<std::uint8_t*>(out.data() + produced);
    s.avail_out = static_cast<std::uint32_t>(room);
    const std::uint32_t in_before = s.avail_in;
    const int rc = isal_deflate(&s);
    produced += room - s.avail_out;
    if (rc != COMP_OK) return core::error("gzip: igzip failed with code " + std::to_string(rc));
    if (s.internal_state.state == ZSTATE_END) break;
    // Each call takes input or fills the output; one that does neither would loop for ever.
    if (s.avail_in == in_before && s.avail_out == room && consumed == in.size()) {
      return core::error("gzip: igzip made no progress");
    }
  }
  out.resize(produced);
  // A body held for other scrapes (ResponseMemory counts its size) must not keep spare capacity.
  out.shrink_to_fit();
  return out;
}

}  // namespace sonde::http
