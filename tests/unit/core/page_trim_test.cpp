#include "core/page_trim.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <string>

#include "core/read_file.hpp"

using namespace sonde;

namespace {

// Two ELF objects (a text mapping each), a data file mapped read-only, the heap.
constexpr const char* kSmaps =
    "55d0a0000000-55d0a0010000 r--p 00000000 fe:01 100 /usr/sbin/sonde\n"
    "Size:                 64 kB\n"
    "Rss:                  64 kB\n"
    "Anonymous:             0 kB\n"
    "Locked:                0 kB\n"
    "VmFlags: rd mr mw me dw sd\n"
    "55d0a0010000-55d0a0400000 r-xp 00010000 fe:01 100 /usr/sbin/sonde\n"
    "Rss:                3000 kB\n"
    "Anonymous:             0 kB\n"
    "VmFlags: rd ex mr mw me dw sd\n"
    "55d0a0400000-55d0a0410000 r--p 00400000 fe:01 100 /usr/sbin/sonde\n"
    "Rss:                  60 kB\n"
    "Anonymous:            60 kB\n"  // RELRO: relocated, copy-on-write pages
    "VmFlags: rd mr mw me dw ac sd\n"
    "55d0a0410000-55d0a0412000 rw-p 00410000 fe:01 100 /usr/sbin/sonde\n"
    "Rss:                   8 kB\n"
    "Anonymous:             8 kB\n"
    "VmFlags: rd wr mr mw me dw ac sd\n"
    "55d0a1000000-55d0a1100000 rw-p 00000000 00:00 0 [heap]\n"
    "Rss:                 600 kB\n"
    "Anonymous:           600 kB\n"
    "VmFlags: rd wr mr mw me ac sd\n"
    "7f0000000000-7f0000100000 r--p 00000000 fe:01 200 /var/lib/sonde/data file\n"
    "Rss:                 100 kB\n"
    "Anonymous:             0 kB\n"
    "VmFlags: rd mr mw me sd\n"
    "7f0000200000-7f0000300000 r-xp 00020000 fe:01 300 /usr/lib/libx.so.1\n"
    "Rss:                   0 kB\n"  // nothing resident: nothing to release
    "Anonymous:             0 kB\n"
    "VmFlags: rd ex mr mw me sd\n"
    "7f0000300000-7f0000400000 r-xp 00000000 fe:01 400 /usr/lib/liblocked.so\n"
    "Rss:                  40 kB\n"
    "Anonymous:             0 kB\n"
    "Locked:               40 kB\n"
    "VmFlags: rd ex mr mw me lo sd\n"
    "7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]\n"
    "Rss:                   8 kB\n"
    "Anonymous:             0 kB\n"
    "VmFlags: rd ex mr mw me de sd\n";

std::size_t resident_kb(const std::vector<core::PageRange>& ranges) {
  std::size_t kb = 0;
  for (const auto& r : ranges) kb += r.resident_kb;
  return kb;
}

}  // namespace

TEST_CASE("page trim: only never-written mappings of loaded objects are released",
          "[core][page_trim]") {
  const auto r = core::releasable_mappings(kSmaps);
  REQUIRE(r.size() == 2);
  CHECK(r[0].begin == 0x55d0a0000000);
  CHECK(r[0].end == 0x55d0a0010000);
  CHECK(r[0].resident_kb == 64);
  CHECK(r[1].begin == 0x55d0a0010000);
  CHECK(r[1].resident_kb == 3000);
}

TEST_CASE("page trim: malformed smaps text releases nothing", "[core][page_trim]") {
  CHECK(core::releasable_mappings("").empty());
  CHECK(core::releasable_mappings("garbage\nRss: 5 kB\n\n-\n").empty());
  CHECK(core::releasable_mappings("zz-yy r-xp 0 0 0 /bin/x\nRss: 4 kB\n").empty());
  CHECK(core::releasable_mappings("1000-2000 r-x 0 0 0 /bin/x\nRss: 4 kB\n").empty());
  CHECK(core::releasable_mappings("2000-1000 r-xp 0 0 0 /bin/x\nRss: 4 kB\n").empty());
}

TEST_CASE("page trim: this process's code pages are released and fault back in",
          "[core][page_trim]") {
  const auto before = core::read_text("/proc/self/smaps");
  REQUIRE(before.ok());
  const auto listed = core::releasable_mappings(*before);
  REQUIRE(!listed.empty());  // at least this test binary's text
  const core::TrimResult t = core::release_startup_pages();
  CHECK(!t.skipped);
  CHECK(t.mappings >= 1);
  CHECK(t.resident_kb > 0);
  // Still running: the code (this function, Catch2, libc) came back from the page cache.
  const auto after = core::read_text("/proc/self/smaps");
  REQUIRE(after.ok());
  CHECK(resident_kb(core::releasable_mappings(*after)) < resident_kb(listed));
  CHECK(std::to_string(42) == "42");
}

TEST_CASE("page trim: nothing is released while a library is being loaded", "[core][page_trim]") {
  const std::lock_guard held(core::object_map_mutex());
  // Another thread: the mutex is not recursive.
  auto t = std::async(std::launch::async, [] { return core::release_startup_pages(); }).get();
  CHECK(t.skipped);
  CHECK(t.mappings == 0);
}
