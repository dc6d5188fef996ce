// Runs one section reader on a YAML text with a config::Reader, for the *_section tests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/reader.hpp"

namespace sonde::test {

using Lines = std::vector<std::string>;

/// Calls `read(reader, root)` on the parsed text with a Reader for "f.yaml"; returns the
/// reader's errors as "f.yaml:line:column: path: message" lines, in document order.
template <class Read>
Lines read_errors(const std::string& yaml, Read&& read) {
  config::Reader r("f.yaml");
  const YAML::Node root = YAML::Load(yaml);
  read(r, root);
  return r.take_errors().lines();
}

}  // namespace sonde::test
