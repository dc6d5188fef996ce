// The alert state file (`rules.state_file`): every active alert and the time of the last
// evaluation, so a restart keeps firing alerts firing. Written atomically (a temporary file in the
// same directory, fsync, rename over the old one, fsync of the directory); read strictly (a
// truncated, corrupt, foreign or wrong-version file is an error, never half a state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "rules/group.hpp"

namespace sonde::rules {

struct SavedAlert {
  std::string file;
  std::string group;
  std::string rule;
  std::string expr;  // the rule's expression as written: a changed expression drops the alert
  promql::Labels labels;
  AlertState state = AlertState::pending;
  std::int64_t active_at_ms = 0;
  std::int64_t fired_at_ms = 0;
  std::int64_t keep_firing_since_ms = 0;
  /// A resolved alert (state inactive), kept for 15 minutes so the notifiers can be told.
  std::int64_t resolved_at_ms = 0;
  double value = 0;
};

struct SavedState {
  std::int64_t last_evaluation_ms = 0;
  std::vector<SavedAlert> alerts;
};

/// The file's text: one JSON object with "format": "sonde-rules-state" and "version": 1.
std::string encode_state(const SavedState& state);
/// Parses a state file's text; any problem (not JSON, another format or version, a missing or
/// mistyped field) is an error naming it.
core::Result<SavedState> decode_state(std::string_view text);

/// The steps of an atomic write, as a seam so tests can fail each one.
class FileSteps {
 public:
  virtual ~FileSteps() = default;
  /// Opens `path` for writing (created, truncated, mode 0600); -1 with errno on failure.
  virtual int open(const std::filesystem::path& path);
  virtual bool write(int fd, std::string_view data);
  virtual bool fsync(int fd);
  virtual bool close(int fd);
  virtual bool rename(const std::filesystem::path& from, const std::filesystem::path& to);
  /// fsync of the directory holding the renamed file.
  virtual bool fsync_dir(const std::filesystem::path& dir);
  virtual void remove(const std::filesystem::path& path);
};

/// Writes `data` to `path` atomically: `path`.tmp, fsync, rename, fsync of the directory. On a
/// failure at any step the temporary file is removed and `path` is left as it was.
core::Status write_atomically(const std::filesystem::path& path, std::string_view data,
                              FileSteps& steps);

}  // namespace sonde::rules
