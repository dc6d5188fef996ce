#include "http/gzip.hpp"

#include <libdeflate.h>

#include <string>

namespace sonde::http {

namespace {

/// One libdeflate compressor per thread and level, kept between bodies: a scrape allocates
/// nothing but its output. libdeflate compresses a whole buffer at once, which is what a
/// rendered body is, in about 60% of zlib's time at level 1 and a little smaller
/// (docs/performance.md, "The floor", run 9).
class ThreadCompressor {
 public:
  ~ThreadCompressor() { close(); }
  ThreadCompressor() = default;
  ThreadCompressor(const ThreadCompressor&) = delete;
  ThreadCompressor& operator=(const ThreadCompressor&) = delete;

  /// The thread's compressor at `level`; null when libdeflate has no such level (outside 0–12)
  /// or cannot allocate one.
  libdeflate_compressor* get(int level) {
    if (c_ != nullptr && level_ == level) return c_;
    close();
    c_ = libdeflate_alloc_compressor(level);
    level_ = level;
    return c_;
  }

 private:
  void close() {
    libdeflate_free_compressor(c_);
    c_ = nullptr;
  }

  libdeflate_compressor* c_ = nullptr;
  int level_ = 0;
};

}  // namespace

core::Result<std::string> gzip_compress(std::string_view in, int level) {
  thread_local ThreadCompressor compressor;
  libdeflate_compressor* c = compressor.get(level);
  if (c == nullptr) return core::error("gzip: no compressor at level " + std::to_string(level));
  std::string out;
  out.resize(libdeflate_gzip_compress_bound(c, in.size()));
  const std::size_t produced =
      libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
  // 0 only if the output did not fit, which the bound rules out.
  if (produced == 0) return core::error("gzip: compressed body exceeded its bound");
  out.resize(produced);
  // The bound is ~6x a text body's compressed size: a body held for other scrapes
  // (ResponseMemory counts its size) must not keep that capacity.
  out.shrink_to_fit();
  return out;
}

}  // namespace sonde::http
