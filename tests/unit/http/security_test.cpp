// The web config's pieces that need no socket: the Authorization header, bcrypt checks, the
// verification cache, the toolkit's header and hash rules, and build_security's file checks.
#include "http/security.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "http/web_config_spec.hpp"

namespace sonde::http {
namespace {

// The toolkit's dummy hash is bcrypt("fakepassword", cost 10).
const std::string kHash(Authenticator::kDummyHash);

TEST_CASE("parse_basic_authorization reads what Go's Request.BasicAuth reads", "[http][auth]") {
  auto c = parse_basic_authorization("Basic dXNlcjpwYXNzOndvcmQ=");  // user:pass:word
  REQUIRE(c);
  CHECK(c->user == "user");
  CHECK(c->password == "pass:word");                // split at the first ':'
  c = parse_basic_authorization("bAsIc dXNlcjo=");  // scheme case-insensitive; empty password
  REQUIRE(c);
  CHECK(c->user == "user");
  CHECK(c->password.empty());
  CHECK(parse_basic_authorization("Basic Og==")->user.empty());  // ":"
  for (const char* bad : {"", "Basic", "Basic ", "Bearer dXNlcjpwYXNz", "Basic dXNlcg==",
                          "Basic dXNlcjpwYXNz=", "Basic dXNlcjpwYXN", "Basic dXNlc!pwYXNz",
                          "Basic =XNlcjpwYXNz", "Basic dXNlcjpw=XNz", "Basicx dXNlcjpwYXNz"}) {
    INFO(bad);
    CHECK_FALSE(parse_basic_authorization(bad));
  }
}

TEST_CASE("bcrypt_matches through libcrypt", "[http][auth]") {
  CHECK(bcrypt_matches("fakepassword", kHash));
  CHECK_FALSE(bcrypt_matches("fakepassword2", kHash));
  CHECK_FALSE(bcrypt_matches("", kHash));
  std::string b = kHash;
  b[2] = 'b';  // $2b$: the same algorithm
  CHECK(bcrypt_matches("fakepassword", b));
  CHECK_FALSE(bcrypt_matches("fakepassword", "not a hash"));
  CHECK_FALSE(bcrypt_matches("x", ""));
}

TEST_CASE("Authenticator: unknown users cost a check and fail; answers are cached, bounded",
          "[http][auth]") {
  Authenticator a(std::map<std::string, std::string>{{"prometheus", kHash}});
  const BasicCredentials good{"prometheus", "fakepassword"};
  const BasicCredentials unknown{"nobody", "fakepassword"};  // the dummy hash's own password
  CHECK_FALSE(a.cached(good));
  CHECK(a.verify(good));
  CHECK(a.cached(good) == std::optional<bool>(true));
  CHECK_FALSE(a.verify(unknown));
  CHECK(a.cached(unknown) == std::optional<bool>(false));
  CHECK(a.cache_size() == 2);
  // Fill past the bound with cheap (cost 4) entries: the oldest go, the size stays bounded.
  // bcrypt("x", cost 4)
  Authenticator cheap(std::map<std::string, std::string>{
      {"u", "$2b$04$abcdefghijklmnopqrstuuPp7HPfoAs8I2dCQCQ/fW7zEJv8I8C8e"}});
  for (std::size_t i = 0; i < Authenticator::kCacheEntries + 10; ++i) {
    cheap.verify({"u", "p" + std::to_string(i)});
  }
  CHECK(cheap.cache_size() == Authenticator::kCacheEntries);
  CHECK_FALSE(cheap.cached({"u", "p0"}));
  CHECK(cheap.cached({"u", "p" + std::to_string(Authenticator::kCacheEntries + 9)}));
}

TEST_CASE("bcrypt_hash_error as Go's bcrypt.Cost", "[http][auth]") {
  CHECK_FALSE(bcrypt_hash_error(kHash));
  CHECK(bcrypt_hash_error("secret") ==
        "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  std::string h = kHash;
  h[0] = 'x';
  CHECK(bcrypt_hash_error(h)->find("must start with '$'") != std::string::npos);
  h = kHash;
  h[1] = '3';
  CHECK(bcrypt_hash_error(h)->find("version '3'") != std::string::npos);
  h = kHash;
  h.replace(4, 2, "03");
  CHECK(bcrypt_hash_error(h) == "crypto/bcrypt: cost 3 is outside allowed range (4,31)");
  h.replace(4, 2, "32");
  CHECK(bcrypt_hash_error(h) == "crypto/bcrypt: cost 32 is outside allowed range (4,31)");
  h.replace(4, 2, "1a");
  CHECK(bcrypt_hash_error(h) == "strconv.Atoi: parsing \"1a\": invalid syntax");
  h.replace(4, 2, "+5");
  CHECK_FALSE(bcrypt_hash_error(h));
  h.replace(4, 2, "-5");
  CHECK(bcrypt_hash_error(h) == "crypto/bcrypt: cost -5 is outside allowed range (4,31)");
}

TEST_CASE("header_error allows only the toolkit's headers and values", "[http][auth]") {
  CHECK_FALSE(header_error("X-Frame-Options", "deny"));
  CHECK_FALSE(header_error("X-Frame-Options", "sameorigin"));
  CHECK(header_error("X-Frame-Options", "DENY") ==
        "invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: "
        "\"DENY\"");
  CHECK_FALSE(header_error("X-Content-Type-Options", "nosniff"));
  CHECK(header_error("X-Content-Type-Options", "x"));
  CHECK_FALSE(header_error("Content-Security-Policy", "default-src 'self'"));
  CHECK(header_error("x-frame-options", "deny") ==
        "HTTP header \"x-frame-options\" can not be configured");
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/sonde-sec-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

TEST_CASE("build_security: the toolkit's TLS checks", "[http][auth]") {
  WebConfigSpec spec;
  spec.file = "web.yml";
  auto plain = build_security(spec);
  REQUIRE(plain.ok());
  CHECK((*plain)->tls_context() == nullptr);

  spec.tls.client_ca_file = "/nonexistent/ca.pem";
  CHECK(build_security(spec).message() == "missing cert_file");
  spec.tls.cert_file = "/nonexistent/cert.pem";
  CHECK(build_security(spec).message() == "missing key_file");
  spec.tls.key_file = "/nonexistent/key.pem";
  CHECK(build_security(spec).message().find("failed to load X509KeyPair: certificate "
                                            "/nonexistent/cert.pem") == 0);

  TempDir dir;
  dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  spec.tls.cert_file = dir.path / "garbage.pem";
  spec.tls.client_ca_file.clear();
  CHECK(build_security(spec).message().find("failed to load X509KeyPair") == 0);
}

}  // namespace
}  // namespace sonde::http
