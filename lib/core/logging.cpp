#include "core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>

#include "core/utf8.hpp"

namespace sonde::core {

namespace {

/// `%*` in a pattern: the message as the inside of a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    append_json_string_body(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

void append_json_string_body(std::string_view text, spdlog::memory_buf_t& dest) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto put = [&dest](std::string_view s) { dest.append(s.data(), s.data() + s.size()); };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        put("\\ufffd");
        ++i;
      } else {
        put(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        put("\\\"");
        break;
      case '\\':
        put("\\\\");
        break;
      case '\n':
        put("\\n");
        break;
      case '\r':
        put("\\r");
        break;
      case '\t':
        put("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          dest.append(esc, esc + sizeof esc);
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void apply_log_options(const LogOptions& options) {
  auto logger = spdlog::default_logger();
  if (options.format == LogFormat::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  switch (options.level) {
    case LogLevel::debug:
      logger->set_level(spdlog::level::debug);
      break;
    case LogLevel::info:
      logger->set_level(spdlog::level::info);
      break;
    case LogLevel::warn:
      logger->set_level(spdlog::level::warn);
      break;
    case LogLevel::error:
      logger->set_level(spdlog::level::err);
      break;
  }
  logger->flush_on(spdlog::level::info);
}

}  // namespace sonde::core
