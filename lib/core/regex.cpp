#include "core/regex.hpp"

#include <re2/re2.h>

namespace sonde::core {

namespace {

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);  // errors are returned, never written to stderr
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_max_mem(8 << 20);  // a pattern whose program needs more fails to compile
  return o;
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern, Anchor anchor) {
  std::string text =
      anchor == Anchor::full ? "^(?:" + std::string(pattern) + ")$" : std::string(pattern);
  auto re = std::make_shared<const RE2>(text, options());
  if (!re->ok())
    return error("invalid regular expression \"" + std::string(pattern) + "\": " + re->error());
  return Regex(std::move(re), std::string(pattern), anchor);
}

Regex::Regex() : Regex(*compile(".*")) {}

bool Regex::matches(std::string_view subject) const {
  const re2::StringPiece s(subject.data(), subject.size());
  return anchor_ == Anchor::full ? RE2::FullMatch(s, *re_) : RE2::PartialMatch(s, *re_);
}

int Regex::groups() const { return re_->NumberOfCapturingGroups(); }

}  // namespace sonde::core
