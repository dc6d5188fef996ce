#include "collectors/mdadm.hpp"

#include <re2/re2.h>

#include <cassert>
#include <optional>
#include <unordered_set>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"
#include "core/regex.hpp"

namespace sonde::collectors {

namespace {

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

std::int64_t count(std::string_view s, std::string_view what) {
  std::int64_t n = 0;
  for (auto at = s.find(what); at != std::string_view::npos; at = s.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

/// procfs 0.8.0's regular expressions (Go's RE2 syntax and leftmost-first semantics, as RE2's).
/// Callers keep the result in a static: compiled once; these literals always compile.
core::Regex compiled(const char* pattern) {
  auto r = core::Regex::compile(pattern, core::Regex::Anchor::none);
  assert(r.ok());
  return std::move(*r);
}

std::string quote(std::string_view line) { return "\"" + std::string(line.substr(0, 80)) + "\""; }

struct StatusLine {
  std::int64_t active = 0, total = 0, size = 0;
};

core::Result<StatusLine> eval_status_line(std::string_view device_line,
                                          std::string_view status_line) {
  static const core::Regex kStatus = compiled(R"((\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\])");
  std::string_view rest = status_line;
  const auto size = text::parse_go_int(text::next_field(rest));
  if (!size) return core::error("unexpected status line " + quote(status_line));
  StatusLine out;
  out.size = *size;
  if (contains(device_line, "raid0") || contains(device_line, "linear")) {
    // Only the disks carry a number in [] on these device lines.
    out.total = out.active = count(device_line, "[");
    return out;
  }
  if (contains(device_line, "inactive")) return out;
  re2::StringPiece total, active;
  if (!re2::RE2::PartialMatch(re2::StringPiece(status_line.data(), status_line.size()),
                              kStatus.re2(), nullptr, &total, &active)) {
    return core::error("no [total/active] [U_] in status line " + quote(status_line));
  }
  const auto t = text::parse_go_int(std::string_view(total.data(), total.size()));
  const auto a = text::parse_go_int(std::string_view(active.data(), active.size()));
  if (!t || !a) return core::error("unexpected status line " + quote(status_line));
  out.total = *t;
  out.active = *a;
  return out;
}

/// The synced blocks of a recovery/resync/check line; its percentage, finish time and speed must
/// parse too, as procfs requires.
core::Result<std::int64_t> eval_recovery_line(std::string_view line) {
  static const core::Regex kBlocks = compiled(R"(\((\d+)/\d+\))");
  static const core::Regex kPct = compiled(R"(= (.+)%)");
  static const core::Regex kFinish = compiled(R"(finish=(.+)min)");
  static const core::Regex kSpeed = compiled(R"(speed=(.+)[A-Z])");
  const re2::StringPiece subject(line.data(), line.size());
  re2::StringPiece m;
  if (!re2::RE2::PartialMatch(subject, kBlocks.re2(), &m)) {
    return core::error("unexpected recovery line " + quote(line));
  }
  const auto synced = text::parse_go_int(std::string_view(m.data(), m.size()));
  if (!synced) return core::error("bad synced blocks in recovery line " + quote(line));
  const struct {
    const re2::RE2& re;
    bool trim;
    const char* what;
  } floats[] = {{kPct.re2(), true, "percentage"},
                {kFinish.re2(), false, "finish time"},
                {kSpeed.re2(), false, "speed"}};
  for (const auto& f : floats) {
    if (!re2::RE2::PartialMatch(subject, f.re, &m)) {
      return core::error(std::string("no ") + f.what + " in recovery line " + quote(line));
    }
    std::string_view v(m.data(), m.size());
    if (f.trim) v = text::trim(v);
    if (!text::parse_go_float(v)) {
      return core::error(std::string("bad ") + f.what + " in recovery line " + quote(line));
    }
  }
  return *synced;
}

}  // namespace

core::Result<std::vector<MdDevice>> parse_mdstat(std::string_view text) {
  // strings.Split(data, "\n"): a trailing newline leaves one empty last line, which counts in
  // procfs's "too few lines" check.
  std::vector<std::string_view> lines;
  core::for_each_line(text, [&](std::string_view l) { lines.push_back(l); });
  if (!text.empty() && text.back() == '\n') lines.emplace_back();
  if (text.empty()) lines.emplace_back();

  std::vector<MdDevice> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (text::trim(line).empty() || line[0] == ' ' || line.starts_with("Personalities") ||
        line.starts_with("unused")) {
      continue;
    }
    std::vector<std::string_view> fields;
    for (std::string_view rest = line, f = text::next_field(rest); !f.empty();
         f = text::next_field(rest)) {
      fields.push_back(f);
    }
    if (fields.size() < 3) {
      return core::error("not enough fields in md line (expected at least 3): " + quote(line));
    }
    MdDevice d;
    d.name = std::string(fields[0]);
    d.state = std::string(fields[2]);
    if (lines.size() <= i + 3) return core::error("too few lines for md device " + d.name);
    d.disks_failed = count(line, "(F)");
    d.disks_spare = count(line, "(S)");
    auto status = eval_status_line(line, lines[i + 1]);
    if (!status) return core::error(status.message() + " of md device " + d.name);
    d.disks_active = status->active;
    d.disks_total = status->total;
    d.blocks_total = d.blocks_synced = status->size;

    const std::string_view sync = lines[contains(lines[i + 2], "bitmap") ? i + 3 : i + 2];
    const bool recovering = contains(sync, "recovery");
    const bool resyncing = contains(sync, "resync");
    const bool checking = contains(sync, "check");
    if (recovering || resyncing || checking) {
      d.state = recovering ? "recovering" : checking ? "checking" : "resyncing";
      if (contains(sync, "PENDING") || contains(sync, "DELAYED")) {
        d.blocks_synced = 0;
      } else {
        auto synced = eval_recovery_line(sync);
        if (!synced) return core::error(synced.message() + " of md device " + d.name);
        d.blocks_synced = *synced;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

core::Status MdadmCollector::collect(core::SampleSink& out) {
  const auto path = paths_.proc / "mdstat";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no md driver loaded
  auto devices = parse_mdstat(**text);
  if (!devices) return core::error(devices.message() + " in " + path.string());
  std::unordered_set<std::string> seen;
  for (const MdDevice& d : *devices) {
    // A repeated name would repeat series; node_exporter's registry drops the repeats too.
    if (!seen.insert(d.name).second) {
      out.parse_errors(1);
      continue;
    }
    const auto g = [&](const char* name, const char* help, std::int64_t v,
                       std::string_view state = {}) {
      if (state.empty()) {
        out.gauge(name, help, {{"device", d.name}}, static_cast<double>(v));
      } else {
        out.gauge(name, help, {{"device", d.name}, {"state", state}}, static_cast<double>(v));
      }
    };
    // node_exporter v1.5.0 collector/mdadm_linux.go: names, help, and its state label values.
    g("node_md_disks_required", "Total number of disks of device.", d.disks_total);
    constexpr const char* kDisks = "Number of active/failed/spare disks of device.";
    g("node_md_disks", kDisks, d.disks_active, "active");
    g("node_md_disks", kDisks, d.disks_failed, "failed");
    g("node_md_disks", kDisks, d.disks_spare, "spare");
    constexpr const char* kState = "Indicates the state of md-device.";
    const struct {
      const char* label;
      const char* state;
    } states[] = {{"active", "active"},
                  {"inactive", "inactive"},
                  {"recovering", "recovering"},
                  {"resync", "resyncing"},
                  {"check", "checking"}};
    for (const auto& s : states) g("node_md_state", kState, d.state == s.state ? 1 : 0, s.label);
    g("node_md_blocks", "Total number of blocks on device.", d.blocks_total);
    g("node_md_blocks_synced", "Number of blocks synced on device.", d.blocks_synced);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_mdadm(const CollectorContext& ctx) {
  return std::make_unique<MdadmCollector>(ctx.paths);
}

}  // namespace sonde::collectors
