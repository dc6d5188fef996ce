#include "http/rejections.hpp"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace sonde::http {

namespace {

/// One counter family with a series per reason, each present at 0 from the start.
template <std::size_t N>
void add_family(prometheus::Registry& registry, const char* name, const char* help,
                const std::string_view (&reasons)[N], prometheus::Counter* (&out)[N]) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  for (std::size_t i = 0; i < N; ++i) out[i] = &family.Add({{"reason", std::string(reasons[i])}});
}

template <std::size_t N>
std::uint64_t find(const std::string_view (&reasons)[N], prometheus::Counter* const (&counters)[N],
                   std::string_view reason) {
  for (std::size_t i = 0; i < N; ++i) {
    if (reasons[i] == reason) return static_cast<std::uint64_t>(counters[i]->Value());
  }
  return 0;
}

}  // namespace

Rejections::Rejections(prometheus::Registry& registry) {
  add_family(registry, "sonde_http_rejected_total",
             "HTTP connections or requests refused or dropped, by reason.", kRejectNames,
             counters_);
  add_family(registry, "sonde_http_tls_handshake_errors_total",
             "TLS handshakes that failed, by reason.", kHandshakeReasons, handshake_);
}

void Rejections::count(Reject r, std::string_view peer, std::string_view detail) {
  // The line first: whoever sees the count (a scrape on another thread) finds the line logged.
  warn_limited(reject_name(r), fmt::format("http: {} from {}: {}", reject_name(r), peer, detail));
  counters_[static_cast<std::size_t>(r)]->Increment();
}

void Rejections::handshake_failed(std::size_t reason) { handshake_[reason]->Increment(); }

std::uint64_t Rejections::value(std::string_view reason) const {
  return find(kRejectNames, counters_, reason);
}

std::uint64_t Rejections::handshake_errors(std::string_view reason) const {
  return find(kHandshakeReasons, handshake_, reason);
}

}  // namespace sonde::http
