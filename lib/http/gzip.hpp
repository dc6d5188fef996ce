// gzip (RFC 1952) compression of a response body with ISA-L's igzip.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sonde::http {

/// igzip level for /metrics: 1 shrinks text exposition ~5.4x in under a third of libdeflate's
/// level-1 time (docs/performance.md, "The floor", run 12). igzip's levels are 0 (the fastest)
/// to 3.
inline constexpr int kGzipLevel = 1;

/// Compresses `in` as one gzip member. Fails on a level outside 0-3, or if igzip does.
core::Result<std::string> gzip_compress(std::string_view in, int level = kGzipLevel);

}  // namespace sonde::http
