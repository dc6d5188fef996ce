#include "collectors/filefd.hpp"

#include <string>
#include <vector>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

// Format (Documentation/admin-guide/sysctl/fs.rst, file-max & file-nr). node_exporter trims the
// text and splits it at each tab (bytes.Split), so two tabs in a row make an empty field.
core::Result<Filefd> parse_filefd(std::string_view text) {
  std::string_view rest = text::trim(text);
  std::vector<std::string_view> parts;
  for (;;) {
    const auto tab = rest.find('\t');
    parts.push_back(rest.substr(0, tab));
    if (tab == std::string_view::npos || parts.size() > 3) break;
    rest.remove_prefix(tab + 1);
  }
  if (parts.size() < 3) return core::error("file-nr: expected 3 tab-separated fields");
  const auto allocated = text::parse_go_float(parts[0]);
  const auto maximum = text::parse_go_float(parts[2]);
  if (!allocated || !maximum) {
    return core::error("file-nr: invalid value in \"" + std::string(text.substr(0, 60)) + "\"");
  }
  return Filefd{*allocated, *maximum};
}

core::Status FilefdCollector::collect(core::SampleSink& out) {
  const auto path = paths_.proc / "sys" / "fs" / "file-nr";
  auto text = read_if_present(path, 4096);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no /proc/sys in this namespace: nothing to publish
  auto fd = parse_filefd(**text);
  if (!fd) return core::error(fd.message() + " in " + path.string());
  out.gauge("node_filefd_allocated", "File descriptor statistics: allocated.", {}, fd->allocated);
  out.gauge("node_filefd_maximum", "File descriptor statistics: maximum.", {}, fd->maximum);
  return core::ok();
}

std::unique_ptr<Collector> make_filefd(const CollectorContext& ctx) {
  return std::make_unique<FilefdCollector>(ctx.paths);
}

}  // namespace sonde::collectors
