#include "net/openssl_error.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <string>

using namespace sonde;

namespace {

TEST_CASE("openssl_errors with an empty queue says so", "[net][openssl]") {
  ERR_clear_error();
  CHECK(net::openssl_errors() == "unknown OpenSSL error");
}

TEST_CASE("openssl_errors drains the queue, oldest first, joined with '; '", "[net][openssl]") {
  ERR_clear_error();
  // Two failures that queue errors: PEM text that is not PEM, twice.
  const std::string not_pem = "not a key";
  for (int i = 0; i < 2; ++i) {
    BIO* bio = BIO_new_mem_buf(not_pem.data(), static_cast<int>(not_pem.size()));
    REQUIRE(bio != nullptr);
    CHECK(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) == nullptr);
    BIO_free(bio);
  }
  const unsigned long first = ERR_peek_error();
  REQUIRE(first != 0);
  char expected[256];
  ERR_error_string_n(first, expected, sizeof expected);
  const std::string all = net::openssl_errors();
  CHECK(all.rfind(expected, 0) == 0);  // starts with the oldest
  CHECK(all.find("; ") != std::string::npos);
  CHECK(ERR_peek_error() == 0);  // drained
  CHECK(net::openssl_errors() == "unknown OpenSSL error");
}

}  // namespace
