#include "http/gzip.hpp"

#include <zlib.h>

#include <limits>

namespace sonde::http {

namespace {

/// One deflate stream per thread, reset between bodies: a scrape costs no deflateInit2/deflateEnd
/// and none of their ~260 KB of allocations (window, hash chains, pending buffer) each time.
class ThreadDeflater {
 public:
  ~ThreadDeflater() { close(); }

  /// The thread's stream at `level`, ready for a new gzip member; null when zlib cannot set one
  /// up (out of memory).
  z_stream* begin(int level) {
    if (open_ && level_ == level && deflateReset(&zs_) == Z_OK) return &zs_;
    close();
    zs_ = z_stream{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&zs_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return nullptr;
    }
    open_ = true;
    level_ = level;
    return &zs_;
  }

 private:
  void close() {
    if (open_) deflateEnd(&zs_);
    open_ = false;
  }

  z_stream zs_{};
  bool open_ = false;
  int level_ = 0;
};

}  // namespace

core::Result<std::string> gzip_compress(std::string_view in, int level) {
  thread_local ThreadDeflater deflater;
  z_stream* zs = deflater.begin(level);
  if (zs == nullptr) return core::error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(zs, static_cast<uLong>(in.size())));
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs->next_out = reinterpret_cast<Bytef*>(out.data());
  int rc = Z_OK;
  std::string_view rest = in;
  // avail_in is 32 bits: feed very large bodies in pieces.
  constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();
  do {
    const std::size_t chunk = rest.size() < kMaxChunk ? rest.size() : kMaxChunk;
    zs->avail_in = static_cast<uInt>(chunk);
    rest.remove_prefix(chunk);
    const std::size_t room = out.size() - zs->total_out;
    zs->avail_out = static_cast<uInt>(room < kMaxChunk ? room : kMaxChunk);
    rc = deflate(zs, rest.empty() ? Z_FINISH : Z_NO_FLUSH);
  } while (rc == Z_OK && !rest.empty());
  const std::size_t produced = zs->total_out;
  // The stream keeps no pointer into `in` or `out` past here: the next begin() resets it.
  zs->next_in = nullptr;
  zs->next_out = nullptr;
  if (rc != Z_STREAM_END) return core::error("gzip: deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace sonde::http
