#include "core/page_trim.hpp"

#include <sys/mman.h>

#include <charconv>
#include <set>
#include <string>

#include "core/read_file.hpp"

namespace sonde::core {

namespace {

struct Mapping {
  PageRange range;
  std::string perms;
  std::string path;
  bool anonymous_pages = false;
  bool locked = false;
};

bool hex(std::string_view s, std::uintptr_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

/// The next space-separated field of `line` (leading spaces skipped).
std::string_view next_field(std::string_view& line) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  const auto sp = line.find(' ');
  const std::string_view f = line.substr(0, sp);
  line.remove_prefix(sp == std::string_view::npos ? line.size() : sp);
  return f;
}

/// A mapping's first line: `begin-end perms offset dev inode [path]`.
bool parse_header(std::string_view line, Mapping& m) {
  const std::string_view range = next_field(line);
  const auto dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  if (!hex(range.substr(0, dash), m.range.begin) || !hex(range.substr(dash + 1), m.range.end)) {
    return false;
  }
  const std::string_view perms = next_field(line);
  if (perms.size() != 4) return false;
  m.perms = std::string(perms);
  next_field(line);  // offset
  next_field(line);  // device
  next_field(line);  // inode
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  m.path = std::string(line);
  return true;
}

/// The kB of a `Name:   123 kB` line.
std::size_t kb(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  std::size_t n = 0;
  std::from_chars(value.data(), value.data() + value.size(), n);
  return n;
}

}  // namespace

std::vector<PageRange> releasable_mappings(std::string_view smaps) {
  std::vector<Mapping> maps;
  for_each_line(smaps, [&](std::string_view line) {
    Mapping m;
    if (parse_header(line, m)) {
      maps.push_back(std::move(m));
      return;
    }
    if (maps.empty()) return;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    Mapping& cur = maps.back();
    if (name == "Rss") {
      cur.range.resident_kb = kb(value);
    } else if (name == "Anonymous") {
      cur.anonymous_pages = kb(value) != 0;
    } else if (name == "Locked") {
      cur.locked = cur.locked || kb(value) != 0;
    } else if (name == "VmFlags") {
      std::string_view flags = value;
      for (std::string_view f = next_field(flags); !f.empty(); f = next_field(flags)) {
        if (f == "lo") cur.locked = true;
      }
    }
  });
  // Loaded ELF objects: the files with an executable mapping.
  std::set<std::string, std::less<>> objects;
  for (const Mapping& m : maps) {
    if (!m.path.empty() && m.path.front() == '/' && m.perms[2] == 'x') objects.insert(m.path);
  }
  std::vector<PageRange> out;
  for (const Mapping& m : maps) {
    if (!objects.contains(m.path) || m.perms[1] == 'w' || m.anonymous_pages || m.locked ||
        m.range.resident_kb == 0 || m.range.end <= m.range.begin) {
      continue;
    }
    out.push_back(m.range);
  }
  return out;
}

std::mutex& object_map_mutex() {
  static std::mutex m;
  return m;
}

TrimResult release_startup_pages(const std::filesystem::path& smaps) {
  TrimResult r;
  // Not waited for: a dlopen can hang in a broken driver's constructor.
  const std::unique_lock lock(object_map_mutex(), std::try_to_lock);
  if (!lock.owns_lock()) {
    r.skipped = true;
    return r;
  }
  const auto text = read_text(smaps);
  if (!text.ok()) return r;
  for (const PageRange& p : releasable_mappings(*text)) {
    // MADV_DONTNEED on a private file mapping with no copy-on-write pages drops only the
    // page-table entries: the next access maps the same page-cache page again.
    if (::madvise(reinterpret_cast<void*>(p.begin), p.end - p.begin, MADV_DONTNEED) == 0) {
      ++r.mappings;
      r.resident_kb += p.resident_kb;
    }
  }
  return r;
}

}  // namespace sonde::core
