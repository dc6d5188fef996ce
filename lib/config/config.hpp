// The whole configuration: each module's options (declared by the module, header-only) and what
// they share. lib/config fills it from YAML; daemon/ hands each module its own part. A reload
// compares parts with ==, so no field can be forgotten.
#pragma once

#include "collectors/options.hpp"
#include "core/host_paths.hpp"
#include "core/options.hpp"
#include "gpu/options.hpp"
#include "http/options.hpp"
#include "ingest/options.hpp"
#include "remote/options.hpp"
#include "rules/options.hpp"

namespace sonde::config {

struct Config {
  http::WebOptions web;
  core::LogOptions log;
  core::HostPaths host;
  collectors::CollectorsOptions collectors;
  ingest::IngestOptions ingest;
  gpu::GpuOptions gpu;
  core::GlobalOptions global;
  rules::RulesOptions rules;
  remote::RemoteWriteList remote_write;
  bool operator==(const Config&) const = default;
};

}  // namespace sonde::config
