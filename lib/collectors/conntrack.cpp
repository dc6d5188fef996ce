#include "collectors/conntrack.hpp"

#include <array>
#include <optional>
#include <string>

#include "collectors/entropy.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

// Format (net/netfilter/nf_conntrack_standalone.c, ct_cpu_seq_show): "entries clashres found new
// invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error
// expect_new expect_create expect_delete search_restart", then "%08x" fields per CPU.
core::Result<ConntrackStat> parse_conntrack_stat(std::string_view text) {
  ConntrackStat s;
  std::optional<core::Error> err;
  bool header = true;
  std::size_t line_no = 0;
  core::for_each_line(text, [&](std::string_view line) {
    ++line_no;
    if (err) return;
    if (header) {
      header = false;
      return;
    }
    std::array<std::uint64_t, 17> f{};
    std::size_t n = 0;
    for (std::string_view rest = line;;) {
      const std::string_view field = text::next_field(rest);
      if (field.empty()) break;
      if (n == f.size()) {
        ++n;
        break;
      }
      const auto v = text::parse_u64_base(field, 16);
      if (!v) {
        err = core::error("nf_conntrack: field \"" + std::string(field.substr(0, 20)) +
                          "\" is not hexadecimal at line " + std::to_string(line_no));
        return;
      }
      f[n++] = *v;
    }
    if (n != f.size()) {
      err =
          core::error("nf_conntrack: line " + std::to_string(line_no) + " does not have 17 fields");
      return;
    }
    s.found += f[2];
    s.invalid += f[4];
    s.ignore += f[5];
    s.insert += f[8];
    s.insert_failed += f[9];
    s.drop += f[10];
    s.early_drop += f[11];
    s.search_restart += f[16];
  });
  if (err) return *err;
  return s;
}

core::Status ConntrackCollector::collect(core::SampleSink& out) {
  static constexpr NumberFile kFiles[] = {
      {"nf_conntrack_count", "node_nf_conntrack_entries",
       "Number of currently allocated flow entries for connection tracking."},
      {"nf_conntrack_max", "node_nf_conntrack_entries_limit",
       "Maximum size of connection tracking table."},
  };
  auto absent = publish_number_files(paths_.proc / "sys" / "net" / "netfilter", kFiles, out);
  if (!absent) return absent.status();
  if (*absent > 0) return core::ok();  // nf_conntrack not loaded: nothing (more) to publish
  const auto stat_path = paths_.proc / "net" / "stat" / "nf_conntrack";
  auto text = read_if_present(stat_path);
  if (!text) return text.status();
  if (!*text) return core::ok();
  auto s = parse_conntrack_stat(**text);
  if (!s) return core::error(s.message() + " in " + stat_path.string());
  const auto g = [&](const char* name, const char* help, std::uint64_t v) {
    out.gauge(name, help, {}, static_cast<double>(v));
  };
  g("node_nf_conntrack_stat_found", "Number of searched entries which were successful.", s->found);
  g("node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.",
    s->invalid);
  g("node_nf_conntrack_stat_ignore",
    "Number of packets seen which are already connected to a conntrack entry.", s->ignore);
  g("node_nf_conntrack_stat_insert", "Number of entries inserted into the list.", s->insert);
  g("node_nf_conntrack_stat_insert_failed",
    "Number of entries for which list insertion was attempted but failed.", s->insert_failed);
  g("node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.", s->drop);
  g("node_nf_conntrack_stat_early_drop",
    "Number of dropped conntrack entries to make room for new ones, if maximum table size was "
    "reached.",
    s->early_drop);
  g("node_nf_conntrack_stat_search_restart",
    "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
    s->search_restart);
  return core::ok();
}

std::unique_ptr<Collector> make_conntrack(const CollectorContext& ctx) {
  return std::make_unique<ConntrackCollector>(ctx.paths);
}

}  // namespace sonde::collectors
