// Reading an exporter-toolkit web config file (`web.config_file`, `--web.config.file`) into
// http::WebConfigSpec, with the toolkit's strictness (yaml.v2 UnmarshalStrict: unknown and
// duplicate keys are errors) and its checks that need no file: header names and values, bcrypt
// hash format, cipher, curve, TLS version and client auth names. Errors carry file:line:column.
// What needs the certificate files (they load, the key matches) is http::build_security's.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.hpp"
#include "http/web_config_spec.hpp"

namespace sonde::config {

/// The same file checks as load_file (regular file, at most kMaxConfigBytes). Relative
/// cert_file, key_file and client_ca_file resolve against the file's directory. Never throws.
core::Result<http::WebConfigSpec, core::Errors> load_web_config_file(
    const std::filesystem::path& path);
/// `name` is the file in errors and in the spec; relative paths resolve against `dir`.
core::Result<http::WebConfigSpec, core::Errors> load_web_config_string(
    std::string_view yaml, std::string_view name, const std::filesystem::path& dir);

}  // namespace sonde::config
