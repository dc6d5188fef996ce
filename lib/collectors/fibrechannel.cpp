#include "collectors/fibrechannel.hpp"

#include <cerrno>
#include <limits>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

core::Result<std::optional<std::vector<FibreChannelHost>>> read_fibrechannel(
    const std::filesystem::path& sysfs) {
  using Out = std::optional<std::vector<FibreChannelHost>>;
  const auto root = sysfs / "class" / "fc_host";
  auto listing = sysfs::list_dir(root);
  if (listing.err == ENOENT) return Out();
  if (!listing.ok()) return core::error(sysfs::describe(root, listing.err));
  std::vector<FibreChannelHost> out;
  for (const auto& e : listing.entries) {
    FibreChannelHost h;
    h.name = e.name;
    const struct {
      const char* file;
      std::string* into;
      bool strip_prefix;
    } attributes[] = {{"speed", &h.speed, false},
                      {"port_state", &h.port_state, false},
                      {"port_type", &h.port_type, false},
                      {"node_name", &h.node_name, true},
                      {"port_id", &h.port_id, true},
                      {"port_name", &h.port_name, true},
                      {"fabric_name", &h.fabric_name, true},
                      {"dev_loss_tmo", &h.dev_loss_tmo, false},
                      {"symbolic_name", &h.symbolic_name, false},
                      {"supported_classes", &h.supported_classes, false},
                      {"supported_speeds", &h.supported_speeds, false}};
    for (const auto& a : attributes) {
      const auto path = root / e.name / a.file;
      auto r = sysfs::read_trimmed(path);
      if (!r.ok()) return core::error("failed to read file " + sysfs::describe(path, r.err));
      if (a.strip_prefix && r.value.size() > 2) r.value.erase(0, 2);
      *a.into = std::move(r.value);
    }
    const auto dir = root / e.name / "statistics";
    auto files = sysfs::list_dir(dir);
    if (files.err == ENOENT) return Out();
    if (!files.ok()) return core::error(sysfs::describe(dir, files.err));
    const std::pair<std::string_view, std::uint64_t*> known[] = {
        {"dumped_frames", &h.dumped_frames},
        {"error_frames", &h.error_frames},
        {"fcp_packet_aborts", &h.fcp_packet_aborts},
        {"invalid_tx_word_count", &h.invalid_tx_word_count},
        {"invalid_crc_count", &h.invalid_crc_count},
        {"link_failure_count", &h.link_failure_count},
        {"loss_of_signal_count", &h.loss_of_signal_count},
        {"loss_of_sync_count", &h.loss_of_sync_count},
        {"nos_count", &h.nos_count},
        {"rx_frames", &h.rx_frames},
        {"rx_words", &h.rx_words},
        {"seconds_since_last_reset", &h.seconds_since_last_reset},
        {"tx_frames", &h.tx_frames},
        {"tx_words", &h.tx_words}};
    for (const auto& f : files.entries) {
      if (f.type != sysfs::EntryType::regular || f.name == "reset_statistics") continue;
      const auto path = dir / f.name;
      auto r = sysfs::read_trimmed(path);
      if (!r.ok()) {
        if (r.err == ENOENT || (r.in_read && (r.err == EOPNOTSUPP || r.err == EINVAL))) continue;
        return core::error("failed to read file " + sysfs::describe(path, r.err));
      }
      for (const auto& [name, into] : known) {
        if (f.name != name) continue;
        const auto v = text::parse_u64_base0(r.value);
        // node_exporter 1.5 crashes on this one (a nil pointer); sonde fails the attempt.
        if (!v) return core::error("bad value \"" + r.value + "\" in " + path.string());
        *into = *v;
      }
    }
    out.push_back(std::move(h));
  }
  return Out(std::move(out));
}

core::Status FibrechannelCollector::collect(core::SampleSink& out) {
  auto hosts = read_fibrechannel(paths_.sys);
  if (!hosts) return core::error("error obtaining FibreChannel class info: " + hosts.message());
  if (!*hosts) return core::ok();  // no Fibre Channel HBA
  for (const FibreChannelHost& h : **hosts) {
    out.gauge("node_fibrechannel_info",
              "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.",
              {{"dev_loss_tmo", h.dev_loss_tmo},
               {"fabric_name", h.fabric_name},
               {"fc_host", h.name},
               {"port_id", h.port_id},
               {"port_name", h.port_name},
               {"port_state", h.port_state},
               {"port_type", h.port_type},
               {"speed", h.speed},
               {"supported_classes", h.supported_classes},
               {"supported_speeds", h.supported_speeds},
               {"symbolic_name", h.symbolic_name}},
              1);
    // node_exporter v1.5.0 collector/fibrechannel_linux.go: a counter at UINT64_MAX is left out.
    const auto c = [&](const char* name, const char* help, std::uint64_t v) {
      if (v == std::numeric_limits<std::uint64_t>::max()) return;
      out.counter(name, help, {{"fc_host", h.name}}, static_cast<double>(v));
    };
    c("node_fibrechannel_dumped_frames_total", "Number of dumped frames", h.dumped_frames);
    c("node_fibrechannel_error_frames_total", "Number of errors in frames", h.error_frames);
    c("node_fibrechannel_invalid_crc_total", "Invalid Cyclic Redundancy Check count",
      h.invalid_crc_count);
    c("node_fibrechannel_rx_frames_total", "Number of frames received", h.rx_frames);
    c("node_fibrechannel_rx_words_total", "Number of words received by host port", h.rx_words);
    c("node_fibrechannel_tx_frames_total", "Number of frames transmitted by host port",
      h.tx_frames);
    c("node_fibrechannel_tx_words_total", "Number of words transmitted by host port", h.tx_words);
    c("node_fibrechannel_seconds_since_last_reset_total",
      "Number of seconds since last host port reset", h.seconds_since_last_reset);
    c("node_fibrechannel_invalid_tx_words_total",
      "Number of invalid words transmitted by host port", h.invalid_tx_word_count);
    c("node_fibrechannel_link_failure_total", "Number of times the host port link has failed",
      h.link_failure_count);
    c("node_fibrechannel_loss_of_sync_total",
      "Number of failures on either bit or transmission word boundaries", h.loss_of_sync_count);
    c("node_fibrechannel_loss_of_signal_total", "Number of times signal has been lost",
      h.loss_of_signal_count);
    c("node_fibrechannel_nos_total",
      "Number Not_Operational Primitive Sequence received by host port", h.nos_count);
    c("node_fibrechannel_fcp_packet_aborts_total", "Number of aborted packets",
      h.fcp_packet_aborts);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_fibrechannel(const CollectorContext& ctx) {
  return std::make_unique<FibrechannelCollector>(ctx.paths);
}

}  // namespace sonde::collectors
