#include "daemon/remote_settings.hpp"

namespace sonde::daemon {

std::vector<remote::QueueSettings> remote_settings(const config::Config& config,
                                                   const core::LabelPairs& series_labels,
                                                   const std::filesystem::path& state_dir) {
  std::vector<remote::QueueSettings> out;
  for (const auto& entry : config.remote_write) {
    remote::QueueSettings s;
    s.options = entry;
    if (s.options.buffer.directory.empty() && !state_dir.empty()) {
      s.options.buffer.directory = state_dir / "remote-write" / entry.name;
    }
    s.rules.series_labels = series_labels;
    s.rules.external_labels = config.global.external_labels;
    s.rules.relabel = entry.write_relabel_configs;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sonde::daemon
