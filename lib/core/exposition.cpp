#include "core/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace sonde::core {

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void write_text(std::span<const SnapshotPtr> snapshots, std::string& out) {
  std::vector<const Family*> fams;
  std::size_t bytes = 0;
  for (const auto& s : snapshots) {
    if (!s) continue;
    for (const auto& f : s->families) {
      if (f.samples.empty()) continue;
      fams.push_back(&f);
      bytes += f.name.size() * 2 + f.help.size() + 24;
      for (const auto& smp : f.samples) bytes += smp.series.size() + 24;
    }
  }
  std::stable_sort(fams.begin(), fams.end(),
                   [](const Family* a, const Family* b) { return a->name < b->name; });
  out.reserve(out.size() + bytes);
  for (std::size_t i = 0; i < fams.size(); ++i) {
    const Family& f = *fams[i];
    if (i == 0 || fams[i - 1]->name != f.name) {
      out += "# HELP ";
      out += f.name;
      out += ' ';
      append_escaped_help(out, f.help);
      out += "\n# TYPE ";
      out += f.name;
      out += ' ';
      out += type_name(f.type);
      out += '\n';
    }
    for (const auto& smp : f.samples) {
      out += smp.series;
      out += ' ';
      append_value(out, smp.value);
      out += '\n';
    }
  }
}

}  // namespace sonde::core
