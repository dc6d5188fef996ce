// What a web config file turns into for the server: a TLS context (OpenSSL) with the certificate
// and key loaded, the basic-auth users and the extra response headers; and the Authenticator that
// checks credentials against the users, with its cache. A Security is built once per load of the
// file (start, SIGHUP, a changed file) and immutable after that, so connections share it without
// locks.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/web_config_spec.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace sonde::http {

/// The user and password of an `Authorization: Basic ...` header, as Go's Request.BasicAuth
/// reads it: the scheme case-insensitively, standard base64 with padding, split at the first
/// ':'. nullopt for anything else (no header, another scheme, bad base64, no ':').
struct BasicCredentials {
  std::string user;
  std::string password;
};
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

/// Whether `password` matches the bcrypt `hash` (libcrypt's crypt_rn; $2a$, $2b$, $2y$). A
/// hash libcrypt cannot read never matches. Slow on purpose (cost 10: ~50 ms): never call it on
/// an I/O thread.
bool bcrypt_matches(std::string_view password, const std::string& hash);

/// basic_auth_users and the cache of checks already made, keyed by a SHA-256 of (user, hash,
/// password), never the password itself. Bounded: past kCacheEntries the oldest entry goes.
class Authenticator {
 public:
  static constexpr std::size_t kCacheEntries = 256;
  /// The toolkit's bcrypt of "fakepassword": an unknown user costs the same check as a known
  /// one, so user names cannot be found by timing.
  static constexpr std::string_view kDummyHash =
      "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

  explicit Authenticator(std::map<std::string, std::string> users) : users_(std::move(users)) {}

  const std::map<std::string, std::string>& users() const { return users_; }
  /// The answer for these credentials if it is cached.
  std::optional<bool> cached(const BasicCredentials& c) const;
  /// Runs bcrypt (against the dummy hash for an unknown user), caches and returns the answer.
  bool verify(const BasicCredentials& c);
  std::size_t cache_size() const;

 private:
  using Key = std::array<unsigned char, 32>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  Key key(const BasicCredentials& c, std::string_view hash) const;
  std::string_view hash_of(const std::string& user) const;

  const std::map<std::string, std::string> users_;
  mutable std::mutex mu_;
  std::unordered_map<Key, bool, KeyHash> cache_;  // under mu_
  std::deque<Key> order_;                         // insertion order, for eviction; under mu_
};

/// A web config made ready to serve.
class Security {
 public:
  ~Security();
  Security(const Security&) = delete;
  Security& operator=(const Security&) = delete;

  const WebConfigSpec& spec() const { return spec_; }
  /// The TLS context, or null for plain HTTP (no TLS settings in the file).
  ssl_ctx_st* tls_context() const { return ctx_; }
  const std::map<std::string, std::string>& headers() const { return spec_.headers; }
  /// The files whose change means the web config must be read again (the file itself, the
  /// certificate, key and client CA file).
  std::vector<std::filesystem::path> watched_files() const;

 private:
  friend core::Result<std::shared_ptr<const Security>> build_security(const WebConfigSpec&);
  explicit Security(WebConfigSpec spec) : spec_(std::move(spec)) {}
  WebConfigSpec spec_;
  ssl_ctx_st* ctx_ = nullptr;  // owned
};

/// Loads what `spec` names, as the toolkit's ConfigToTLSConfig checks it: cert_file and
/// key_file both required once any TLS setting is given, the pair must load and match, a
/// client_ca_file must be readable, and client_ca_file needs a client_auth_type that asks for
/// certificates. An error message names the file. The users' Authenticator (and its cache) is
/// the server's: Server::set_security keeps it while the users stay the same.
core::Result<std::shared_ptr<const Security>> build_security(const WebConfigSpec& spec);

}  // namespace sonde::http
