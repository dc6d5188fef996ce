#include "core/rate_limit.hpp"

#include <spdlog/spdlog.h>

namespace sonde::core {

std::string with_suppressed(std::string message, std::uint64_t suppressed) {
  if (suppressed > 0) {
    message += " (";
    message += std::to_string(suppressed);
    message += suppressed == 1 ? " similar line suppressed)" : " similar lines suppressed)";
  }
  return message;
}

void RateLimitedLog::emit(const std::string& line) { spdlog::warn("{}", line); }

}  // namespace sonde::core
