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

core::Result<std::size_t> publish_number_files(const std::filesystem::path& dir,
                                               std::span<const NumberFile> files,
                                               core::SampleSink& out) {
  std::size_t absent = 0;
  for (const NumberFile& f : files) {
    auto text = read_if_present(dir / f.file, 4096);
    if (!text) return text.error();
    if (!*text) {
      ++absent;
      continue;
    }
    auto v = parse_proc_uint(**text);
    if (!v) return core::error(v.message() + " in " + (dir / f.file).string());
    out.gauge(f.name, f.help, {}, static_cast<double>(*v));
  }
  return absent;
}

core::Status EntropyCollector::collect(core::SampleSink& out) {
  // An absent file (no /proc/sys/kernel/random here) publishes nothing.
  static constexpr NumberFile kFiles[] = {
      {"entropy_avail", "node_entropy_available_bits", "Bits of available entropy."},
      {"poolsize", "node_entropy_pool_size_bits", "Bits of entropy pool."},
  };
  auto absent = publish_number_files(paths_.proc / "sys" / "kernel" / "random", kFiles, out);
  if (!absent) return absent.status();
  return core::ok();
}

std::unique_ptr<Collector> make_entropy(const CollectorContext& ctx) {
  return std::make_unique<EntropyCollector>(ctx.paths);
}

}  // namespace sonde::collectors
