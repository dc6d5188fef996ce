// OpenSSL's error queue as one line, for messages about certificates, keys and handshakes (the
// server's TLS setup in lib/http and the client's in http_client.cpp).
#pragma once

#include <string>

namespace sonde::net {

/// Takes every error on this thread's OpenSSL error queue (emptying it), joined with "; ", or
/// "unknown OpenSSL error" when the queue is empty.
std::string openssl_errors();

}  // namespace sonde::net
