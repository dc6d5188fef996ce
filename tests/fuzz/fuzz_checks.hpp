// Checks shared by the libFuzzer targets of lib/config's readers.
#pragma once

#include "core/result.hpp"

namespace sonde::fuzz {

/// A rejected input must say why: at least one error, at most Errors::kMax held, no empty line.
inline void check_errors(const core::Errors& errors) {
  if (errors.empty() || errors.list().size() > core::Errors::kMax) __builtin_trap();
  for (const auto& line : errors.lines()) {
    if (line.empty()) __builtin_trap();
  }
}

}  // namespace sonde::fuzz
