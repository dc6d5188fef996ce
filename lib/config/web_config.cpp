// The web config file, read as exporter-toolkit v0.8/v0.9 reads it (yaml.v2 UnmarshalStrict into
// web.Config, then validateUsers and validateHeaderConfig). Where yaml.v2 and sonde's own config
// differ on purpose (booleans), this file follows yaml.v2: the same file must mean the same thing
// to sonde as to node_exporter and promtool.
#include "config/web_config.hpp"

#include <algorithm>
#include <string>

#include "config/file.hpp"
#include "config/reader.hpp"

namespace sonde::config {
namespace {

using http::WebConfigSpec;

/// yaml.v2's YAML 1.1 booleans (the toolkit's files are read with it).
std::optional<bool> yaml11_bool(const std::string& s) {
  for (const char* t : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) {
    if (s == t) return true;
  }
  for (const char* f :
       {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

/// The value under `key` of a map, or nullopt when absent (Reader::child cannot tell an absent
/// key from an empty value, which yaml.v2 reads differently).
std::optional<YAML::Node> lookup(const YAML::Node& map, std::string_view key) {
  try {
    if (!map.IsMap()) return std::nullopt;
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) return YAML::Node(entry.second);
    }
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

class WebReader {
 public:
  WebReader(Reader& r, std::filesystem::path dir) : r_(r), dir_(std::move(dir)) {}

  void file(const YAML::Node& root, WebConfigSpec& out) {
    if (!r_.only_keys(root, "", {"tls_server_config", "http_server_config", "basic_auth_users"})) {
      return;
    }
    tls(r_.child(root, "tls_server_config"), "tls_server_config", out.tls);
    http(r_.child(root, "http_server_config"), "http_server_config", out);
    users(r_.child(root, "basic_auth_users"), "basic_auth_users", out.users);
  }

 private:
  /// A scalar as yaml.v2 gives it to a string field (any scalar; an empty value is "").
  std::optional<std::string> text(const YAML::Node& n, const std::string& path) {
    if (!n || n.IsNull()) return std::string();
    if (!n.IsScalar()) {
      r_.fail(n, path, "expected a string, got " + describe(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::string> text_at(const YAML::Node& map, const std::string& path,
                                     std::string_view key) {
    const auto n = lookup(map, key);
    if (!n) return std::nullopt;
    return text(*n, join(path, key));
  }

  /// The toolkit's SetDirectory (config_util.JoinDir): relative paths hang off the file's
  /// directory; an empty one stays empty.
  void file_path(const YAML::Node& map, const std::string& path, std::string_view key,
                 std::filesystem::path& out) {
    auto t = text_at(map, path, key);
    if (!t || t->empty()) return;
    const std::filesystem::path p(*t);
    out = p.is_absolute() || dir_.empty() ? p : dir_ / p;
  }

  void boolean(const YAML::Node& map, const std::string& path, std::string_view key, bool& out) {
    const auto found = lookup(map, key);
    if (!found) return;
    const YAML::Node n = *found;
    if (n.IsNull()) {
      out = false;  // yaml.v2 gives an empty value the zero value
      return;
    }
    const auto b = n.IsScalar() && is_plain(n) ? yaml11_bool(n.Scalar()) : std::nullopt;
    if (!b) {
      r_.fail(n, join(path, key), "expected true or false, got " + describe(n));
      return;
    }
    out = *b;
  }

  std::uint16_t version(const YAML::Node& map, const std::string& path, std::string_view key,
                        std::uint16_t fallback) {
    const auto found = lookup(map, key);
    if (!found) return fallback;
    const YAML::Node n = *found;
    // yaml.v2 never calls the unmarshaler for an empty value: the field becomes 0, which Go's
    // crypto/tls reads as its own default (TLS 1.0 as a server's minimum, 1.3 as maximum).
    if (n.IsNull()) return key == "min_version" ? 0x0301 : 0x0304;
    auto t = text(n, join(path, key));
    if (!t) return fallback;
    for (const auto& [name, v] : http::kTlsVersionNames) {
      if (name == *t) return v;
    }
    r_.fail(n, join(path, key), "unknown TLS version: " + *t);
    return fallback;
  }

  /// A list of names from `known` (cipher_suites, curve_preferences).
  template <class Names, class Name>
  void names(const YAML::Node& map, const std::string& path, std::string_view key,
             const Names& known, Name name_of, std::string_view what,
             std::vector<std::string>& out) {
    const auto found = lookup(map, key);
    if (!found || found->IsNull()) return;
    const YAML::Node n = *found;
    const std::string p = join(path, key);
    if (!n.IsSequence()) {
      r_.fail(n, p, "expected a list, got " + describe(n));
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string ip = p + "[" + std::to_string(i) + "]";
      auto t = text(item, ip);
      if (!t) continue;
      const bool ok =
          std::any_of(known.begin(), known.end(), [&](const auto& k) { return name_of(k) == *t; });
      if (!ok) {
        r_.fail(item, ip, "unknown " + std::string(what) + ": " + *t);
        continue;
      }
      out.push_back(*t);
    }
  }

  void tls(const YAML::Node& n, const std::string& p, http::TlsServerSpec& out) {
    if (!r_.only_keys(
            n, p,
            {"cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
             "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites"})) {
      return;
    }
    file_path(n, p, "cert_file", out.cert_file);
    file_path(n, p, "key_file", out.key_file);
    file_path(n, p, "client_ca_file", out.client_ca_file);
    if (auto t = text_at(n, p, "client_auth_type")) {
      const auto& names = http::kClientAuthNames;
      const auto it =
          std::find_if(names.begin(), names.end(), [&](const auto& e) { return e.first == *t; });
      if (it == names.end()) {
        // The toolkit's own message (ConfigToTLSConfig).
        r_.fail(*lookup(n, "client_auth_type"), join(p, "client_auth_type"),
                "Invalid ClientAuth: " + *t);
      } else {
        out.client_auth = it->second;
        out.client_auth_set = !t->empty();
      }
    }
    names(
        n, p, "cipher_suites", http::kCipherNames, [](const http::CipherName& c) { return c.go; },
        "cipher", out.cipher_suites);
    names(
        n, p, "curve_preferences", http::kCurveNames, [](const auto& c) { return c.first; },
        "curve", out.curve_preferences);
    out.min_version = version(n, p, "min_version", out.min_version);
    out.max_version = version(n, p, "max_version", out.max_version);
    boolean(n, p, "prefer_server_cipher_suites", out.prefer_server_cipher_suites);
  }

  void http(const YAML::Node& n, const std::string& p, WebConfigSpec& out) {
    if (!r_.only_keys(n, p, {"http2", "headers"})) return;
    boolean(n, p, "http2", out.http2);
    string_map(r_.child(n, "headers"), join(p, "headers"), out.headers,
               [this](const YAML::Node& at, const std::string& path, const std::string& name,
                      const std::string& value) {
                 if (auto e = http::header_error(name, value)) r_.fail(at, path, *e);
               });
  }

  void users(const YAML::Node& n, const std::string& p, std::map<std::string, std::string>& out) {
    string_map(n, p, out,
               [this](const YAML::Node& at, const std::string& path, const std::string&,
                      const std::string& hash) {
                 if (auto e = http::bcrypt_hash_error(hash)) r_.fail(at, path, *e);
               });
  }

  /// A map of string to string (yaml.v2 takes any scalar for either), each key once.
  template <class Check>
  void string_map(const YAML::Node& n, const std::string& p,
                  std::map<std::string, std::string>& out, Check check) {
    if (!n || n.IsNull()) return;
    if (!n.IsMap()) {
      r_.fail(n, p, "expected a map, got " + describe(n));
      return;
    }
    for (const auto& entry : n) {
      const YAML::Node key = entry.first;
      const YAML::Node value = entry.second;
      if (r_.full()) {
        r_.count_more();
        continue;
      }
      auto k = text(key, p);
      if (!k) continue;
      const std::string kp = join(p, *k);
      auto v = text(value, kp);
      if (!v) continue;
      if (out.count(*k) != 0) {
        r_.fail(key, kp, "key " + quote(*k) + " already set in map");
        continue;
      }
      check(value && !value.IsNull() ? value : key, kp, *k, *v);
      out.emplace(*k, *v);
    }
  }

  Reader& r_;
  std::filesystem::path dir_;
};

}  // namespace

core::Result<http::WebConfigSpec, core::Errors> load_web_config_string(
    std::string_view yaml, std::string_view name, const std::filesystem::path& dir) {
  Reader r{std::string(name)};
  WebReader w(r, dir);
  WebConfigSpec spec;
  spec.file = std::string(name);
  parse_yaml(r, yaml, [&](const YAML::Node& root) { w.file(root, spec); });
  core::Errors errors = r.take_errors();
  if (!errors.empty()) return errors;
  return spec;
}

core::Result<http::WebConfigSpec, core::Errors> load_web_config_file(
    const std::filesystem::path& path) {
  auto text = read_config_file(path);
  if (!text.ok()) {
    core::Errors errors;
    errors.add(text.error());
    return errors;
  }
  return load_web_config_string(*text, path.string(), path.parent_path());
}

}  // namespace sonde::config
