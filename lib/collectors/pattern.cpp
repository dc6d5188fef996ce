#include "collectors/pattern.hpp"

#include <utility>

namespace sonde::collectors {

Pattern::Pattern(std::string what, const std::string& text) {
  if (text.empty()) return;
  auto re = core::Regex::compile(text, core::Regex::Anchor::none);
  if (re) {
    re_.emplace(std::move(*re));
  } else {
    error_ = what + ": " + re.message();
  }
}

core::Status Pattern::valid() const {
  if (!error_.empty()) return core::error(error_);
  return core::ok();
}

DeviceFilter::DeviceFilter(std::string_view collector, const std::string& include,
                           const std::string& exclude)
    : include_(std::string(collector) + ".device_include", include),
      exclude_(std::string(collector) + ".device_exclude", exclude) {}

core::Status DeviceFilter::valid() const {
  if (auto st = include_.valid(); !st.ok()) return st;
  return exclude_.valid();
}

bool DeviceFilter::ignored(std::string_view device) const {
  if (!include_.empty()) return !include_.search(device);
  return exclude_.search(device);
}

}  // namespace sonde::collectors
