// The remote write queues' settings from the configuration (internal to daemon/).
#pragma once

#include <filesystem>
#include <vector>

#include "config/config.hpp"
#include "remote/queue.hpp"

namespace sonde::daemon {

/// One QueueSettings per remote_write entry: the entry, with `series_labels` (global's, defaults
/// filled in) and global.external_labels for its label rules, and its buffer directory resolved:
/// by default remote-write/<name> in `state_dir` (with no state directory, empty: the buffer is
/// memory only).
std::vector<remote::QueueSettings> remote_settings(const config::Config& config,
                                                   const core::LabelPairs& series_labels,
                                                   const std::filesystem::path& state_dir);

}  // namespace sonde::daemon
