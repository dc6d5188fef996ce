#include "http/security.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "net/openssl_error.hpp"

namespace sonde::http {
namespace {

using net::openssl_errors;

/// One Go base64.StdEncoding.DecodeString: padding required, '\r' and '\n' skipped.
std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  clean.reserve(in.size());
  for (const char c : in) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  for (std::size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = clean[i + j];
      if (c == '=') {
        // Padding only at the very end, in the last one or two places.
        if (i + 4 != clean.size() || j < 2) return std::nullopt;
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after '='
      v[j] = value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const unsigned bits =
        (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out.push_back(static_cast<char>((bits >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((bits >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(bits & 0xff));
  }
  return out;
}

std::optional<std::string> read_small_file(const std::filesystem::path& p, std::string& err) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    err = "open " + p.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  constexpr std::size_t kMax = 1 << 20;  // a CA bundle of a few hundred certificates
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMax) {
      err = "read " + p.string() + ": larger than 1 MiB";
      return std::nullopt;
    }
  }
  return data;
}

// A client certificate accepted without verification (RequestClientCert, RequireAnyClientCert).
int accept_any(int /*preverify*/, X509_STORE_CTX* /*ctx*/) { return 1; }

// Never prompt on the terminal for an encrypted key's passphrase: such a key fails to load.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

// HTTP/1.1 is the only protocol sonde speaks; a client offering h2 and http/1.1 gets http/1.1,
// one offering only h2 gets no ALPN at all (and may still speak HTTP/1.1).
int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
                const unsigned char* in, unsigned int inlen, void* /*arg*/) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.size() < kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    const char a = header[i];
    const char lower = (a >= 'A' && a <= 'Z') ? static_cast<char>(a - 'A' + 'a') : a;
    const char want = kPrefix[i];
    const char want_lower =
        (want >= 'A' && want <= 'Z') ? static_cast<char>(want - 'A' + 'a') : want;
    if (lower != want_lower) return std::nullopt;
  }
  auto decoded = base64_decode(header.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  // crypt_data is 32 KiB: on the heap, one per call (calls run on worker threads).
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') return false;
  const std::size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

std::size_t Authenticator::KeyHash::operator()(const Key& k) const {
  std::size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);  // already a cryptographic hash
  return h;
}

Authenticator::Key Authenticator::key(const BasicCredentials& c, std::string_view hash) const {
  // Length-prefixed fields, so ("a:b", "c") and ("a", "b:c") differ.
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Key out{};
  unsigned int len = 0;
  auto add = [md](std::string_view s) {
    const std::uint64_t n = s.size();
    EVP_DigestUpdate(md, &n, sizeof n);
    EVP_DigestUpdate(md, s.data(), s.size());
  };
  if (md != nullptr && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1) {
    add(c.user);
    add(hash);
    add(c.password);
    EVP_DigestFinal_ex(md, out.data(), &len);
  }
  EVP_MD_CTX_free(md);
  return out;
}

std::string_view Authenticator::hash_of(const std::string& user) const {
  const auto it = users_.find(user);
  return it == users_.end() ? kDummyHash : std::string_view(it->second);
}

std::optional<bool> Authenticator::cached(const BasicCredentials& c) const {
  const Key k = key(c, hash_of(c.user));
  std::lock_guard lock(mu_);
  const auto it = cache_.find(k);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

bool Authenticator::verify(const BasicCredentials& c) {
  const bool known = users_.count(c.user) != 0;
  const std::string hash(hash_of(c.user));
  const bool ok = bcrypt_matches(c.password, hash) && known;
  const Key k = key(c, hash);
  std::lock_guard lock(mu_);
  if (cache_.emplace(k, ok).second) {
    order_.push_back(k);
    while (order_.size() > kCacheEntries) {
      cache_.erase(order_.front());
      order_.pop_front();
    }
  }
  return ok;
}

std::size_t Authenticator::cache_size() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

Security::~Security() { SSL_CTX_free(ctx_); }

std::vector<std::filesystem::path> Security::watched_files() const {
  std::vector<std::filesystem::path> out;
  for (const auto* p :
       {&spec_.file, &spec_.tls.cert_file, &spec_.tls.key_file, &spec_.tls.client_ca_file}) {
    if (!p->empty()) out.push_back(*p);
  }
  return out;
}

core::Result<std::shared_ptr<const Security>> build_security(const WebConfigSpec& spec) {
  std::shared_ptr<Security> s(new Security(spec));
  if (!spec.tls_enabled()) return std::shared_ptr<const Security>(std::move(s));

  const TlsServerSpec& t = spec.tls;
  if (t.cert_file.empty()) return core::error("missing cert_file");
  if (t.key_file.empty()) return core::error("missing key_file");
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return core::error("cannot create a TLS context: " + openssl_errors());
  s->ctx_ = ctx;
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, t.cert_file.c_str()) != 1) {
    return core::error("failed to load X509KeyPair: certificate " + t.cert_file.string() + ": " +
                       openssl_errors());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, t.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return core::error("failed to load X509KeyPair: key " + t.key_file.string() + ": " +
                       openssl_errors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return core::error("failed to load X509KeyPair: private key " + t.key_file.string() +
                       " does not match the certificate in " + t.cert_file.string() + ": " +
                       openssl_errors());
  }

  SSL_CTX_set_min_proto_version(ctx, t.min_version);
  SSL_CTX_set_max_proto_version(ctx, t.max_version);
  std::uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (t.prefer_server_cipher_suites) opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, opts);
  std::string ciphers;
  for (const auto& name : t.cipher_suites) {
    for (const auto& c : kCipherNames) {
      // TLS 1.3 suites: Go ignores the list for TLS 1.3, and so does sonde.
      if (c.go == name && !c.openssl.empty()) {
        if (!ciphers.empty()) ciphers += ':';
        ciphers += c.openssl;
      }
    }
  }
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    return core::error("cipher_suites: OpenSSL accepts none of " + ciphers + ": " +
                       openssl_errors());
  }
  std::string groups;
  for (const auto& name : t.curve_preferences) {
    for (const auto& [go, openssl] : kCurveNames) {
      if (go == name) {
        if (!groups.empty()) groups += ':';
        groups += openssl;
      }
    }
  }
  if (!groups.empty() && SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
    return core::error("curve_preferences: OpenSSL rejects " + groups + ": " + openssl_errors());
  }

  if (!t.client_ca_file.empty()) {
    std::string err;
    auto pem = read_small_file(t.client_ca_file, err);
    if (!pem) return core::error(err);
    // As Go's AppendCertsFromPEM: every certificate in the file, anything else skipped (a file
    // with none is accepted, and then verifies nobody).
    BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, no_passphrase, nullptr)) {
      X509_STORE_add_cert(store, cert);
      SSL_CTX_add_client_CA(ctx, cert);
      X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();
  }
  int mode = SSL_VERIFY_NONE;
  SSL_verify_cb cb = nullptr;
  switch (t.client_auth) {
    case ClientAuth::none:
      break;
    case ClientAuth::request:
      mode = SSL_VERIFY_PEER;
      cb = accept_any;
      break;
    case ClientAuth::require_any:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      cb = accept_any;
      break;
    case ClientAuth::verify_if_given:
      mode = SSL_VERIFY_PEER;
      break;
    case ClientAuth::require_and_verify:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
  }
  if (!t.client_ca_file.empty() && t.client_auth == ClientAuth::none) {
    return core::error("Client CA's have been configured without a Client Auth Policy");
  }
  if (t.client_ca_file.empty() && cb == nullptr && mode != SSL_VERIFY_NONE) {
    // Go verifies against the system roots when no client CA file is given.
    SSL_CTX_set_default_verify_paths(ctx);
  }
  SSL_CTX_set_verify(ctx, mode, cb);
  static const unsigned char kSessionContext[] = "sonde";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  return std::shared_ptr<const Security>(std::move(s));
}

}  // namespace sonde::http
