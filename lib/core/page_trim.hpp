// Releasing the resident pages of code sonde ran only while starting.
//
// Most of an idle sonde's resident memory is not data but file-backed pages of its binary and
// shared libraries: the configuration decoders, rule and PromQL parsers, TLS set-up and the
// dynamic linker's symbol lookups run once at start (and at a reload), and every page they
// touched (with the kernel's fault-around, 64 KiB around each) stays mapped. After start-up and
// after each reload sonde drops the page-table entries of those mappings (madvise
// MADV_DONTNEED): the pages stay in the page cache, and what sonde runs again faults back in
// (a minor fault, no I/O), so its resident set becomes the code it actually uses.
//
// Only mappings of loaded ELF objects (files with an executable mapping) that were never
// written (no private copy-on-write pages: relocated data such as .data.rel.ro is left alone)
// and are not locked are released; the kernel re-reads nothing that could differ.
//
// The list is read from /proc/self/smaps and then released, so a mapping must not be unmapped
// and its range reused in between: sonde's own dlopen/dlclose (the NVML loader) hold
// object_map_mutex(), as the release does. (glibc unmaps objects itself only when a dlopen it
// makes fails half-way, such as an NSS module with a missing dependency: that window is not
// covered.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <vector>

namespace sonde::core {

struct PageRange {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  std::size_t resident_kb = 0;  // smaps' Rss: of the mapping
};

/// The mappings of `smaps` (the text of /proc/PID/smaps) that may be released: file-backed,
/// not writable, no Anonymous pages, not locked, of a file that has an executable mapping.
std::vector<PageRange> releasable_mappings(std::string_view smaps);

struct TrimResult {
  std::size_t mappings = 0;     // released
  std::size_t resident_kb = 0;  // their resident memory before
  bool skipped = false;         // a dlopen or dlclose was under way: nothing released
};

/// Held around every dlopen and dlclose sonde makes, and by release_startup_pages().
std::mutex& object_map_mutex();

/// Releases this process's releasable mappings (see above); reads `smaps`. Never fails: a
/// mapping madvise refuses is skipped, and nothing is released (`skipped`) while another thread
/// holds object_map_mutex().
TrimResult release_startup_pages(const std::filesystem::path& smaps = "/proc/self/smaps");

}  // namespace sonde::core
