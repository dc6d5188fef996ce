// spdlog's default logger sent to a string for the life of the object (tests that check what
// sonde logs).
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace sonde::test {

class CapturedLog {
 public:
  /// `pattern` empty: the logger keeps spdlog's default (for a test that sets its own).
  explicit CapturedLog(const std::string& pattern = "%l %v", const std::string& name = "sonde")
      : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    if (!pattern.empty()) logger->set_pattern(pattern);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace sonde::test
