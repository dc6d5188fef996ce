// gzip (RFC 1952) compression of a response body with zlib.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sonde::http {

/// libdeflate level for /metrics: 1, the fastest, already shrinks text exposition ~6x, at a
/// fraction of the CPU of the zlib-like default 6 (see docs/performance.md).
inline constexpr int kGzipLevel = 1;

/// Compresses `in` as one gzip member. Fails only if zlib does (out of memory).
core::Result<std::string> gzip_compress(std::string_view in, int level = kGzipLevel);

}  // namespace sonde::http
