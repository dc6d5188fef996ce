#include "collectors/tapestats.hpp"

#include <cerrno>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

bool is_tape_name(std::string_view n) {  // ^st[0-9]+$
  if (n.size() < 3 || !n.starts_with("st")) return false;
  for (const char c : n.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

core::Result<std::optional<std::vector<TapeStats>>> read_tapestats(
    const std::filesystem::path& sysfs) {
  using Out = std::optional<std::vector<TapeStats>>;
  const auto root = sysfs / "class" / "scsi_tape";
  auto listing = sysfs::list_dir(root);
  if (listing.err == ENOENT) return Out();
  if (!listing.ok()) return core::error(sysfs::describe(root, listing.err));
  std::vector<TapeStats> out;
  for (const auto& e : listing.entries) {
    if (!is_tape_name(e.name)) continue;
    TapeStats t;
    t.name = e.name;
    const auto dir = root / e.name / "stats";
    auto files = sysfs::list_dir(dir);
    if (files.err == ENOENT) return Out();  // procfs returns it unwrapped: ErrNoData
    if (!files.ok()) return core::error(sysfs::describe(dir, files.err));
    const std::pair<std::string_view, std::uint64_t*> known[] = {
        {"in_flight", &t.in_flight}, {"io_ns", &t.io_ns},
        {"other_cnt", &t.other_cnt}, {"read_byte_cnt", &t.read_byte_cnt},
        {"read_cnt", &t.read_cnt},   {"read_ns", &t.read_ns},
        {"resid_cnt", &t.resid_cnt}, {"write_byte_cnt", &t.write_byte_cnt},
        {"write_cnt", &t.write_cnt}, {"write_ns", &t.write_ns}};
    for (const auto& f : files.entries) {
      const auto path = dir / f.name;
      auto r = sysfs::read_trimmed(path);
      if (!r.ok()) return core::error("failed to read file " + sysfs::describe(path, r.err));
      for (const auto& [name, into] : known) {
        if (f.name != name) continue;
        const auto v = text::parse_u64_base0(r.value);
        if (!v) return core::error("bad value \"" + r.value + "\" in " + path.string());
        *into = *v;
      }
    }
    out.push_back(std::move(t));
  }
  return Out(std::move(out));
}

core::Status TapestatsCollector::collect(core::SampleSink& out) {
  if (auto v = exclude_.valid(); !v.ok()) return v;
  auto tapes = read_tapestats(paths_.sys);
  if (!tapes) return core::error("error obtaining SCSITape class info: " + tapes.message());
  if (!*tapes) return core::ok();  // no SCSI tape driver
  for (const TapeStats& t : **tapes) {
    if (exclude_.search(t.name)) continue;
    const core::Label labels[] = {{"device", t.name}};
    const auto c = [&](const char* name, const char* help, double v) {
      out.counter(name, help, labels, v);
    };
    // node_exporter v1.5.0 collector/tapestats_linux.go: names, help texts (typos included).
    out.gauge("node_tape_io_now", "The number of I/Os currently outstanding to this device.",
              labels, static_cast<double>(t.in_flight));
    c("node_tape_io_time_seconds_total",
      "The amount of time spent waiting for all I/O to complete (including read and write). This "
      "includes tape movement commands such as seeking between file or set marks and implicit "
      "tape movement such as when rewind on close tape devices are used.",
      static_cast<double>(t.io_ns) * 0.000000001);
    c("node_tape_io_others_total",
      "The number of I/Os issued to the tape drive other than read or write commands. The time "
      "taken to complete these commands uses the following calculation "
      "io_time_seconds_total-read_time_seconds_total-write_time_seconds_total",
      static_cast<double>(t.other_cnt));
    c("node_tape_read_bytes_total", "The number of bytes read from the tape drive.",
      static_cast<double>(t.read_byte_cnt));
    c("node_tape_reads_completed_total", "The number of read requests issued to the tape drive.",
      static_cast<double>(t.read_cnt));
    c("node_tape_read_time_seconds_total",
      "The amount of time spent waiting for read requests to complete.",
      static_cast<double>(t.read_ns) * 0.000000001);
    c("node_tape_residual_total",
      "The number of times during a read or write we found the residual amount to be non-zero. "
      "This should mean that a program is issuing a read larger thean the block size on tape. "
      "For write not all data made it to tape.",
      static_cast<double>(t.resid_cnt));
    c("node_tape_written_bytes_total", "The number of bytes written to the tape drive.",
      static_cast<double>(t.write_byte_cnt));
    c("node_tape_writes_completed_total", "The number of write requests issued to the tape drive.",
      static_cast<double>(t.write_cnt));
    c("node_tape_write_time_seconds_total",
      "The amount of time spent waiting for write requests to complete.",
      static_cast<double>(t.write_ns) * 0.000000001);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_tapestats(const CollectorContext& ctx) {
  return std::make_unique<TapestatsCollector>(ctx.paths, ctx.options.tapestats);
}

}  // namespace sonde::collectors
