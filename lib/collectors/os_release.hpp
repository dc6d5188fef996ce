// The os collector: node_exporter 1.5.0's node_os_info{build_id,id,id_like,image_id,
// image_version,name,pretty_name,variant,variant_id,version,version_codename,version_id} and
// node_os_version{id,id_like,name} (VERSION_ID's major.minor) from <rootfs>/etc/os-release, or
// <rootfs>/usr/lib/os-release when that does not exist (os-release(5)).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// os-release as hashicorp/go-envparse (node_exporter's parser) reads it: KEY=VALUE lines,
/// blank lines and '#' comments skipped, an optional "export " prefix, values unquoted, in
/// single quotes (literal) or double quotes (with \" \\ \/ \b \f \r \n \t \uXXXX escapes), a
/// '#' outside quotes starting a comment. Keys with empty values are left out. Any malformed line
/// (no '=', a bad key, an unmatched quote, a control character) makes the whole file an error,
/// with its line number.
core::Result<std::map<std::string, std::string>> parse_os_release(std::string_view text);

/// The number node_os_version publishes: the leading `[0-9]+\.?[0-9]*` of VERSION_ID, or 0.
double os_version_number(std::string_view version_id);

class OsCollector final : public Collector {
 public:
  explicit OsCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "os"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_os(const CollectorContext& ctx);

}  // namespace sonde::collectors
