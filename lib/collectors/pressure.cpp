#include "collectors/pressure.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

// Format (Documentation/accounting/psi.rst):
//   some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
// total is the cumulative stall time in microseconds. Only totals are used, as in node_exporter
// (the averages can be computed from the counter by Prometheus).
core::Result<PressureTotals> parse_pressure(std::string_view text, std::size_t* errors) {
  PressureTotals out;
  std::size_t bad = 0;
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view kind = text::next_field(rest);
    if (kind.empty()) return;
    std::optional<std::uint64_t>* slot = kind == "some"   ? &out.some
                                         : kind == "full" ? &out.full
                                                          : nullptr;
    std::optional<std::uint64_t> total;
    for (std::string_view f = text::next_field(rest); !f.empty(); f = text::next_field(rest)) {
      if (f.substr(0, 6) == "total=") total = text::parse_u64(f.substr(6));
    }
    if (slot == nullptr || !total || slot->has_value()) {
      ++bad;
      return;
    }
    *slot = *total;
  });
  if (errors != nullptr) *errors = bad;
  if (!out.some) return core::error("pressure: no \"some ... total=N\" line");
  return out;
}

namespace {

struct Series {
  const char* name;
  const char* help;
};

// node_exporter 1.5.0's families. It ignores cpu's "full" line (node_pressure_cpu_stalled_
// seconds_total came in a later release), and so does sonde.
constexpr Series kCpuSome = {"node_pressure_cpu_waiting_seconds_total",
                             "Total time in seconds that processes have waited for CPU time"};
constexpr Series kIoSome = {
    "node_pressure_io_waiting_seconds_total",
    "Total time in seconds that processes have waited due to IO congestion"};
constexpr Series kIoFull = {
    "node_pressure_io_stalled_seconds_total",
    "Total time in seconds no process could make progress due to IO congestion"};
constexpr Series kMemSome = {"node_pressure_memory_waiting_seconds_total",
                             "Total time in seconds that processes have waited for memory"};
constexpr Series kMemFull = {
    "node_pressure_memory_stalled_seconds_total",
    "Total time in seconds no process could make progress due to memory congestion"};

// node_exporter divides twice (float64(total) / 1000.0 / 1000.0); so does sonde, to give the
// same doubles (14036781 µs is 14.036781000000001 this way, 14.036781 with one division).
double micros_to_seconds(std::uint64_t us) { return static_cast<double>(us) / 1000.0 / 1000.0; }

}  // namespace

core::Status PressureCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.proc / "pressure";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    if (!said_absent_) {
      spdlog::info(
          "pressure: {} is absent (needs Linux >= 4.20 with CONFIG_PSI, or psi=1 on the kernel "
          "command line); publishing no pressure series",
          dir.string());
      said_absent_ = true;
    }
    return core::ok();
  }
  struct Resource {
    const char* file;
    const Series* some;
    const Series* full;
  };
  const Resource resources[] = {
      {"cpu", &kCpuSome, nullptr}, {"io", &kIoSome, &kIoFull}, {"memory", &kMemSome, &kMemFull}};
  for (const Resource& r : resources) {
    auto text = core::read_text(dir / r.file);
    if (!text) return text.status();
    std::size_t errors = 0;
    auto totals = parse_pressure(*text, &errors);
    if (errors > 0) out.parse_errors(errors);
    if (!totals) return core::error(totals.message() + " in " + (dir / r.file).string());
    out.counter(r.some->name, r.some->help, {}, micros_to_seconds(*totals->some));
    if (r.full != nullptr) {
      if (!totals->full) {
        return core::error("pressure: no \"full ... total=N\" line in " + (dir / r.file).string());
      }
      out.counter(r.full->name, r.full->help, {}, micros_to_seconds(*totals->full));
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_pressure(const CollectorContext& ctx) {
  return std::make_unique<PressureCollector>(ctx.paths);
}

}  // namespace sonde::collectors
