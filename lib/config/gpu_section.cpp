#include "config/gpu_section.hpp"

#include <chrono>

#include "core/relabel.hpp"

namespace sonde::config {

void read_gpu(Reader& r, const YAML::Node& n, const std::string& p, gpu::GpuOptions& out) {
  using namespace std::chrono_literals;
  if (!r.only_keys(n, p,
                   {"enabled", "interval", "nvml_library", "hostname_label", "max_processes",
                    "call_timeout", "fields"})) {
    return;
  }
  r.boolean(n, p, "enabled", out.enabled);
  r.duration(n, p, "interval", out.interval, 1s);
  if (auto lib = r.string(n, p, "nvml_library", "a library name or path")) {
    if (lib->value.empty()) {
      r.fail(lib->node, join(p, "nvml_library"), "must not be empty");
    } else {
      out.nvml_library = lib->value;
    }
  }
  if (auto label = r.string(n, p, "hostname_label", "a label name")) {
    if (!core::is_label_name(label->value) || label->value.rfind("__", 0) == 0) {
      r.fail(label->node, join(p, "hostname_label"),
             "expected a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __), "
             "got " +
                 describe(label->node));
    } else {
      out.hostname_label = label->value;
    }
  }
  r.integer(n, p, "max_processes", out.max_processes, 0, 100'000);
  r.duration(n, p, "call_timeout", out.call_timeout, 10ms);
  r.regex(n, p, "fields", out.fields);
}

}  // namespace sonde::config
