#include "collectors/os_release.hpp"

#include <cerrno>
#include <cstring>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

struct Line {
  std::string key, value;
  std::string error;  // empty: ok
};

void append_utf8(std::string& out, std::uint32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;  // as utf8.EncodeRune
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

std::optional<std::uint32_t> hex4(std::string_view s) {
  if (s.size() < 4) return std::nullopt;
  const auto v = text::parse_u64_base(s.substr(0, 4), 16);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

bool key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool key_char(char c) { return key_start(c) || c == '.' || c == '/' || (c >= '0' && c <= '9'); }

// go-envparse's parseLine.
Line parse_line(std::string_view ln) {
  Line out;
  ln = text::trim(ln);
  if (ln.empty() || ln.front() == '#') return out;
  const auto eq = ln.find('=');
  if (eq == std::string_view::npos) {
    out.error = "missing =";
    return out;
  }
  std::string_view key = text::trim(ln.substr(0, eq));
  const std::string_view value = text::trim(ln.substr(eq + 1));
  constexpr std::string_view kExport = "export ";
  if (key.size() > kExport.size() && key.substr(0, kExport.size()) == kExport) {
    key.remove_prefix(kExport.size());
  }
  if (key.empty()) {
    out.error = "empty key";
    return out;
  }
  if (!key_start(key.front())) {
    out.error = "key must start with [A-Za-z_]";
    return out;
  }
  for (const char c : key.substr(1)) {
    if (!key_char(c)) {
      out.error = "key characters must be [A-Za-z0-9/_.]";
      return out;
    }
  }
  out.key = std::string(key);
  enum class Mode { normal, dquote, squote, escape } mode = Mode::normal;
  std::string v;
  std::size_t last_sig = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const auto u = static_cast<unsigned char>(c);
    if (u < 32) {
      out.error = "invalid value character";
      return out;
    }
    if (u > 127) {
      if (mode == Mode::escape) {
        out.error = "multibyte characters disallowed in escape sequences";
        return out;
      }
      v += c;
      last_sig = v.size();
      continue;
    }
    switch (mode) {
      case Mode::normal:
        if (c == '"') {
          mode = Mode::dquote;
        } else if (c == '\'') {
          mode = Mode::squote;
        } else if (c == '#') {
          v.resize(last_sig);
          out.value = std::move(v);
          return out;
        } else {
          v += c;
          if (c != ' ' && c != '\t') last_sig = v.size();
        }
        break;
      case Mode::dquote:
        if (c == '"') {
          mode = Mode::normal;
        } else if (c == '\\') {
          mode = Mode::escape;
        } else {
          v += c;
          last_sig = v.size();
        }
        break;
      case Mode::escape: {
        switch (c) {
          case '"':
          case '\\':
          case '/':
            v += c;
            break;
          case 'b':
            v += '\b';
            break;
          case 'f':
            v += '\f';
            break;
          case 'r':
            v += '\r';
            break;
          case 'n':
            v += '\n';
            break;
          case 't':
            v += '\t';
            break;
          case 'u': {
            auto r = hex4(value.substr(i + 1));
            if (!r) {
              out.error = "incomplete or invalid hex sequence";
              return out;
            }
            i += 4;
            if (*r >= 0xD800 && *r <= 0xDFFF) {
              if (value.size() < i + 7 || value[i + 1] != '\\' || value[i + 2] != 'u') {
                out.error = "incomplete Unicode surrogate pair";
                return out;
              }
              const auto r2 = hex4(value.substr(i + 3));
              if (!r2) {
                out.error = "incomplete or invalid hex sequence";
                return out;
              }
              i += 6;
              // utf16.DecodeRune: a valid pair, else U+FFFD.
              if (*r < 0xDC00 && *r2 >= 0xDC00 && *r2 <= 0xDFFF) {
                *r = 0x10000 + ((*r - 0xD800) << 10) + (*r2 - 0xDC00);
              } else {
                *r = 0xFFFD;
              }
            }
            append_utf8(v, *r);
            break;
          }
          default:
            out.error = "invalid escape sequence";
            return out;
        }
        last_sig = v.size();
        mode = Mode::dquote;
        break;
      }
      case Mode::squote:
        if (c == '\'') {
          mode = Mode::normal;
        } else {
          v += c;
          last_sig = v.size();
        }
        break;
    }
  }
  switch (mode) {
    case Mode::normal:
      out.value = std::move(v);
      return out;
    case Mode::dquote:
      out.error = "unmatched \"";
      return out;
    case Mode::squote:
      out.error = "unmatched '";
      return out;
    case Mode::escape:
      out.error = "incomplete escape sequence";
      return out;
  }
  return out;
}

}  // namespace

core::Result<std::map<std::string, std::string>> parse_os_release(std::string_view text) {
  std::map<std::string, std::string> env;
  std::size_t line_no = 0;
  std::string error;
  core::for_each_line(text, [&](std::string_view line) {
    ++line_no;
    if (!error.empty()) return;
    // bufio.Scanner drops a trailing \r of each line.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Line l = parse_line(line);
    if (!l.error.empty()) {
      error = "error on line " + std::to_string(line_no) + ": " + l.error;
      return;
    }
    if (!l.value.empty()) env[l.key] = std::move(l.value);
  });
  if (!error.empty()) return core::error(error);
  return env;
}

double os_version_number(std::string_view version_id) {
  std::size_t i = 0;
  while (i < version_id.size() && version_id[i] >= '0' && version_id[i] <= '9') ++i;
  if (i == 0) return 0;
  if (i < version_id.size() && version_id[i] == '.') {
    ++i;
    while (i < version_id.size() && version_id[i] >= '0' && version_id[i] <= '9') ++i;
  }
  return text::parse_go_float(version_id.substr(0, i)).value_or(0);
}

core::Status OsCollector::collect(core::SampleSink& out) {
  std::optional<std::string> text;
  std::filesystem::path used;
  for (const char* rel : {"etc/os-release", "usr/lib/os-release"}) {
    const auto path = paths_.root / rel;
    sysfs::Attr a = sysfs::read_whole(path, 64 * 1024);
    if (a.ok()) {
      text = std::move(a.value);
      used = path;
      break;
    }
    if (a.err != ENOENT) return core::error(path.string() + ": " + std::strerror(a.err));
  }
  if (!text) return core::ok();  // neither file: nothing, as node_exporter's ErrNoData
  auto env = parse_os_release(*text);
  if (!env) return core::error(used.string() + ": " + env.message());
  const auto get = [&](const char* k) {
    const auto it = env->find(k);
    return it == env->end() ? std::string() : sysfs::to_valid_utf8(it->second);
  };
  const std::string build_id = get("BUILD_ID"), id = get("ID"), id_like = get("ID_LIKE"),
                    image_id = get("IMAGE_ID"), image_version = get("IMAGE_VERSION"),
                    name = get("NAME"), pretty_name = get("PRETTY_NAME"), variant = get("VARIANT"),
                    variant_id = get("VARIANT_ID"), version = get("VERSION"),
                    version_codename = get("VERSION_CODENAME"), version_id = get("VERSION_ID");
  const core::Label info[] = {{"build_id", build_id},
                              {"id", id},
                              {"id_like", id_like},
                              {"image_id", image_id},
                              {"image_version", image_version},
                              {"name", name},
                              {"pretty_name", pretty_name},
                              {"variant", variant},
                              {"variant_id", variant_id},
                              {"version", version},
                              {"version_codename", version_codename},
                              {"version_id", version_id}};
  out.gauge("node_os_info",
            "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
            "image_version, name, pretty_name, variant, variant_id, version, version_codename, "
            "version_id.",
            info, 1);
  if (const double v = os_version_number(version_id); v > 0) {
    out.gauge("node_os_version", "Metric containing the major.minor part of the OS version.",
              {{"id", id}, {"id_like", id_like}, {"name", name}}, v);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_os(const CollectorContext& ctx) {
  return std::make_unique<OsCollector>(ctx.paths);
}

}  // namespace sonde::collectors
