#include "collectors/entropy.hpp"

#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

core::Result<std::uint64_t> parse_proc_uint(std::string_view text) {
  const std::string_view t = text::trim(text);
  const auto v = text::parse_u64(t);
  if (!v) return core::error("not an unsigned integer: \"" + std::string(t.substr(0, 40)) + "\"");
  return *v;
}

core::Status EntropyCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.proc / "sys" / "kernel" / "random";
  struct File {
    const char* file;
    const char* name;
    const char* help;
  };
  const File files[] = {
      {"entropy_avail", "node_entropy_available_bits", "Bits of available entropy."},
      {"poolsize", "node_entropy_pool_size_bits", "Bits of entropy pool."},
  };
  for (const File& f : files) {
    auto text = read_if_present(dir / f.file, 4096);
    if (!text) return text.status();
    if (!*text) continue;  // no /proc/sys/kernel/random here: nothing to publish
    auto v = parse_proc_uint(**text);
    if (!v) return core::error(v.message() + " in " + (dir / f.file).string());
    out.gauge(f.name, f.help, {}, static_cast<double>(*v));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_entropy(const CollectorContext& ctx) {
  return std::make_unique<EntropyCollector>(ctx.paths);
}

}  // namespace sonde::collectors
