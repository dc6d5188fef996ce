// The exporter-toolkit web config file (`--web.config.file`, as node_exporter 1.5 and Prometheus
// 2.42 take it: exporter-toolkit v0.8/v0.9, web/tls_config.go and web/handler.go) as plain
// structures. lib/config reads the YAML into them (config/web_config.cpp); http::build_security
// loads the certificates and keys they name. Header-only.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sonde::http {

/// tls_server_config.client_auth_type: Go's tls.ClientAuthType under the toolkit's names.
enum class ClientAuth : std::uint8_t {
  none,             // "" or NoClientCert
  request,          // RequestClientCert: asked for, not required, not verified
  require_any,      // RequireAnyClientCert (or the old RequireClientCert): required, not verified
  verify_if_given,  // VerifyClientCertIfGiven
  require_and_verify,  // RequireAndVerifyClientCert
};
inline constexpr std::array<std::pair<std::string_view, ClientAuth>, 7> kClientAuthNames{{
    {"", ClientAuth::none},
    {"NoClientCert", ClientAuth::none},
    {"RequestClientCert", ClientAuth::request},
    {"RequireAnyClientCert", ClientAuth::require_any},
    {"RequireClientCert", ClientAuth::require_any},  // kept by the toolkit for compatibility
    {"VerifyClientCertIfGiven", ClientAuth::verify_if_given},
    {"RequireAndVerifyClientCert", ClientAuth::require_and_verify},
}};

/// min_version / max_version: the wire numbers (TLS 1.0 = 0x0301 ... TLS 1.3 = 0x0304).
inline constexpr std::array<std::pair<std::string_view, std::uint16_t>, 4> kTlsVersionNames{{
    {"TLS10", 0x0301},
    {"TLS11", 0x0302},
    {"TLS12", 0x0303},
    {"TLS13", 0x0304},
}};

/// cipher_suites: the names Go 1.19's tls.CipherSuites() lists (the toolkit accepts no others;
/// Go's "insecure" suites are unknown ciphers), with OpenSSL's name for each. Go never applies
/// the list to TLS 1.3, whose three suites are accepted and ignored (empty OpenSSL name).
struct CipherName {
  std::string_view go;
  std::string_view openssl;
};
inline constexpr std::array<CipherName, 17> kCipherNames{{
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};

/// curve_preferences: the toolkit's four names, with OpenSSL's group name for each.
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kCurveNames{{
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
    {"X25519", "X25519"},
}};

/// http_server_config.headers: the only headers the toolkit lets a file set, and for two of them
/// the only values (compared exactly, case included). An empty list allows any value.
struct AllowedHeader {
  std::string_view name;
  std::array<std::string_view, 2> values;  // empty strings: unused slots
};
inline constexpr std::array<AllowedHeader, 5> kAllowedHeaders{{
    {"Strict-Transport-Security", {}},
    {"X-Content-Type-Options", {"nosniff", ""}},
    {"X-Frame-Options", {"deny", "sameorigin"}},
    {"X-XSS-Protection", {}},
    {"Content-Security-Policy", {}},
}};

/// Why `name: value` may not be set (the toolkit's validateHeaderConfig messages), or nullopt.
inline std::optional<std::string> header_error(std::string_view name, std::string_view value) {
  for (const auto& h : kAllowedHeaders) {
    if (h.name != name) continue;
    if (h.values[0].empty()) return std::nullopt;
    std::string expected = "[";
    for (const auto v : h.values) {
      if (v.empty()) continue;
      if (v == value) return std::nullopt;
      expected += (expected.size() > 1 ? " \"" : "\"") + std::string(v) + "\"";
    }
    return "invalid value for " + std::string(name) + ". Expected one of: " + expected +
           "], but got: \"" + std::string(value) + "\"";
  }
  return "HTTP header \"" + std::string(name) + "\" can not be configured";
}

/// Why `hash` is not a bcrypt hash as Go's bcrypt.Cost reads one (the toolkit checks every
/// user's hash this way), or nullopt. Like Go, it checks the length, the "$2" prefix and version
/// and the cost (4..31), not the salt or hash characters.
inline std::optional<std::string> bcrypt_hash_error(std::string_view hash) {
  constexpr std::size_t kMinHashSize = 59;
  if (hash.size() < kMinHashSize) {
    return std::string("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  }
  if (hash[0] != '$') {
    return "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '" +
           std::string(1, hash[0]) + "'";
  }
  if (hash[1] > '2') {
    return "crypto/bcrypt: bcrypt algorithm version '" + std::string(1, hash[1]) +
           "' requested is newer than current version '2'";
  }
  std::size_t n = hash[2] == '$' ? 3 : 4;  // a minor version letter, or none
  // Go's strconv.Atoi over the two cost characters: an optional sign, then digits.
  std::string_view cost_text = hash.substr(n, 2);
  std::string_view digits = cost_text;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  int cost = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cost);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return "strconv.Atoi: parsing \"" + std::string(cost_text) + "\": invalid syntax";
  }
  if (cost_text[0] == '-') cost = -cost;
  if (cost < 4 || cost > 31) {
    return "crypto/bcrypt: cost " + std::to_string(cost) + " is outside allowed range (4,31)";
  }
  return std::nullopt;
}

struct TlsServerSpec {
  std::filesystem::path cert_file;  // relative paths already resolved against the file's dir
  std::filesystem::path key_file;
  ClientAuth client_auth = ClientAuth::none;
  std::filesystem::path client_ca_file;
  std::vector<std::string> cipher_suites;      // Go names, from kCipherNames
  std::vector<std::string> curve_preferences;  // toolkit names, from kCurveNames
  std::uint16_t min_version = 0x0303;          // TLS12, the toolkit's default
  std::uint16_t max_version = 0x0304;          // TLS13
  bool prefer_server_cipher_suites = true;
  /// client_auth_type was given as a non-empty text (even NoClientCert): the toolkit's test
  /// for "is there a TLS config at all" looks at the text.
  bool client_auth_set = false;
  bool operator==(const TlsServerSpec&) const = default;
};

struct WebConfigSpec {
  std::filesystem::path file;  // where it was read from; empty: no web config
  TlsServerSpec tls;
  bool http2 = true;  // accepted; sonde serves HTTP/1.1 only
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> users;  // user name -> bcrypt hash

  /// The toolkit serves TLS when any of these four is set (ConfigToTLSConfig's errNoTLSConfig
  /// test); then cert_file and key_file are both required.
  bool tls_enabled() const {
    return !tls.cert_file.empty() || !tls.key_file.empty() || tls.client_auth_set ||
           !tls.client_ca_file.empty();
  }
  bool operator==(const WebConfigSpec&) const = default;
};

}  // namespace sonde::http
