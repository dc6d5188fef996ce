// Inflates one gzip member with zlib, independently of sonde's compressor. Link ZLIB::ZLIB.
#pragma once

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

namespace sonde::test {

/// The bytes `in` (one gzip member, nothing after it) inflate to; a REQUIRE fails otherwise.
inline std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  REQUIRE(zs.avail_in == 0);  // one member, nothing after it
  return out;
}

}  // namespace sonde::test
