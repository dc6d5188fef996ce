#include "collectors/pattern.hpp"

#include <utility>

namespace sonde::collectors {

Pattern::Pattern(std::string what, const std::string& text) : what_(std::move(what)) {
  if (text.empty()) return;
  try {
    re_.emplace(text, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::exception& e) {  // regex_error, or bad_alloc on a huge repetition
    error_ = what_ + ": invalid regular expression \"" + text + "\": " + e.what();
  }
}

core::Result<bool> Pattern::search(std::string_view s) const {
  if (!error_.empty()) return core::error(error_);
  if (!re_) return false;
  try {
    return std::regex_search(s.begin(), s.end(), *re_);
  } catch (const std::regex_error& e) {
    return core::error(what_ + ": regular expression failed: " + e.what());
  }
}

DeviceFilter::DeviceFilter(std::string_view collector, const std::string& include,
                           const std::string& exclude)
    : include_(std::string(collector) + ".device_include", include),
      exclude_(std::string(collector) + ".device_exclude", exclude) {}

core::Status DeviceFilter::valid() const {
  if (!include_.error().empty()) return core::error(include_.error());
  if (!exclude_.error().empty()) return core::error(exclude_.error());
  return core::ok();
}

core::Result<bool> DeviceFilter::ignored(std::string_view device) const {
  if (!include_.empty()) {
    auto m = include_.search(device);
    if (!m) return m;
    return !*m;
  }
  return exclude_.search(device);
}

}  // namespace sonde::collectors
