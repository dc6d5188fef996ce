#include "collectors/stat.hpp"

#include <utility>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

// A single-value line: its number, and whether the key appeared at all (valid or not).
struct Single {
  std::optional<std::uint64_t> value;
  bool seen = false;
};

// Stores the line's number in `slot`; a second line with the same key or a bad number is an
// error and leaves the first value alone.
void take_single(Single& slot, std::string_view rest, std::size_t& errors) {
  const auto v = text::parse_u64(text::next_field(rest));
  if (!v || slot.seen) {
    slot.seen = true;
    ++errors;
    return;
  }
  slot = {*v, true};
}

// Moves a parsed line into the result; a line that never appeared counts as one error (a
// malformed one was already counted when it was read).
void finish(const Single& slot, std::optional<std::uint64_t>& out, std::size_t& errors) {
  if (!slot.seen) ++errors;
  out = slot.value;
}

}  // namespace

// Format (Documentation/filesystems/proc.rst, "1.8 Miscellaneous kernel statistics in
// /proc/stat"): one "key value..." line each. `intr` starts with the total number of
// interrupts serviced, then one count per IRQ number (only the total is used: the rest is
// thousands of columns). `softirq` starts with the total, then one count per vector.
ProcStat parse_stat(std::string_view text) {
  ProcStat out;
  Single btime, ctxt, processes, intr, running, blocked;
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view key = text::next_field(rest);
    if (key == "btime") {
      take_single(btime, rest, out.errors);
    } else if (key == "ctxt") {
      take_single(ctxt, rest, out.errors);
    } else if (key == "processes") {
      take_single(processes, rest, out.errors);
    } else if (key == "intr") {
      take_single(intr, rest, out.errors);
    } else if (key == "procs_running") {
      take_single(running, rest, out.errors);
    } else if (key == "procs_blocked") {
      take_single(blocked, rest, out.errors);
    } else if (key == "softirq") {
      const bool duplicate = out.softirq_seen;
      out.softirq_seen = true;
      if (duplicate || !text::parse_u64(text::next_field(rest))) {
        ++out.errors;
        return;
      }
      std::vector<std::uint64_t> vectors;
      for (std::string_view f = text::next_field(rest); !f.empty(); f = text::next_field(rest)) {
        const auto v = text::parse_u64(f);
        if (!v) {
          ++out.errors;
          return;
        }
        // A vector newer than kSoftirqVectors has no node_exporter name: leave it out.
        if (vectors.size() < kSoftirqVectors.size()) vectors.push_back(*v);
      }
      out.softirqs = std::move(vectors);
      out.has_softirq = true;
    }
  });
  finish(btime, out.boot_time, out.errors);
  finish(ctxt, out.context_switches, out.errors);
  finish(processes, out.forks, out.errors);
  finish(intr, out.interrupts, out.errors);
  finish(running, out.procs_running, out.errors);
  finish(blocked, out.procs_blocked, out.errors);
  return out;
}

core::Status StatCollector::collect(core::SampleSink& out) {
  auto text = core::read_text(paths_.proc / "stat");
  if (!text) return text.status();
  const ProcStat stat = parse_stat(*text);
  std::size_t errors = stat.errors;

  // A line that was missing or malformed (already counted by the parser) has no series.
  const auto emit = [&](const std::optional<std::uint64_t>& v, std::string_view metric,
                        core::MetricType type, std::string_view help) {
    if (!v) return;
    out.add(metric, type, help, {}, static_cast<double>(*v));
  };
  using core::MetricType;
  emit(stat.boot_time, "node_boot_time_seconds", MetricType::gauge, "Node boot time, in unixtime.");
  emit(stat.context_switches, "node_context_switches_total", MetricType::counter,
       "Total number of context switches.");
  emit(stat.forks, "node_forks_total", MetricType::counter, "Total number of forks.");
  emit(stat.interrupts, "node_intr_total", MetricType::counter,
       "Total number of interrupts serviced.");
  emit(stat.procs_running, "node_procs_running", MetricType::gauge,
       "Number of processes in runnable state.");
  emit(stat.procs_blocked, "node_procs_blocked", MetricType::gauge,
       "Number of processes blocked waiting for I/O to complete.");

  if (softirq_) {
    if (!stat.softirq_seen) ++errors;
    for (std::size_t i = 0; i < stat.softirqs.size(); ++i) {
      out.counter("node_softirqs_total", "Number of softirq calls.",
                  {{"vector", kSoftirqVectors[i]}}, static_cast<double>(stat.softirqs[i]));
    }
  }
  if (errors > 0) out.parse_errors(errors);
  return core::ok();
}

std::unique_ptr<Collector> make_stat(const CollectorContext& ctx) {
  return std::make_unique<StatCollector>(ctx.paths, ctx.options.stat.softirq);
}

}  // namespace sonde::collectors
