// The remote write queues' settings from the configuration (internal to daemon/).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "remote/queue.hpp"

namespace sonde::daemon {

/// One QueueSettings per remote_write entry: the entry, with `series_labels` (global's, defaults
/// filled in) and global.external_labels for its label rules.
std::vector<remote::QueueSettings> remote_settings(const config::Config& config,
                                                   const core::LabelPairs& series_labels);

}  // namespace sonde::daemon
