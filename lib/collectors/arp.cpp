#include "collectors/arp.hpp"

#include <optional>
#include <string>
#include <utility>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

// Format (net/ipv4/arp.c, arp_seq_show): "%-16s 0x%-10x0x%-10x%-17s     *        %s" per entry
// (IP address, HW type, flags, HW address, mask, device) under a header line starting "IP".
core::Result<std::vector<ArpDevice>> parse_arp(std::string_view text) {
  std::vector<ArpDevice> out;
  std::optional<core::Error> err;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    std::string_view rest = line;
    const std::string_view first = text::next_field(rest);
    std::string_view last = first;
    std::size_t n = first.empty() ? 0 : 1;
    for (std::string_view f = text::next_field(rest); !f.empty(); f = text::next_field(rest)) {
      last = f;
      ++n;
    }
    if (n < 6) {
      err = core::error("arp: unexpected ARP table format: \"" + std::string(line.substr(0, 60)) +
                        "\"");
      return;
    }
    if (first == "IP") return;
    for (ArpDevice& d : out) {
      if (d.device == last) {
        ++d.entries;
        return;
      }
    }
    out.push_back({last, 1});
  });
  if (err) return *err;
  return out;
}

ArpCollector::ArpCollector(core::HostPaths paths, const collectors::ArpOptions& options)
    : paths_(std::move(paths)), filter_("arp", options.device_include, options.device_exclude) {}

core::Status ArpCollector::collect(core::SampleSink& out) {
  if (auto st = filter_.valid(); !st.ok()) return st;
  const auto path = paths_.proc / "net" / "arp";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no IPv4: no ARP table
  auto devices = parse_arp(**text);
  if (!devices) return core::error(devices.message() + " in " + path.string());
  for (const ArpDevice& d : *devices) {
    if (filter_.ignored(d.device)) continue;
    out.gauge("node_arp_entries", "ARP entries by device", {{"device", d.device}},
              static_cast<double>(d.entries));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_arp(const CollectorContext& ctx) {
  return std::make_unique<ArpCollector>(ctx.paths, ctx.options.arp);
}

}  // namespace sonde::collectors
