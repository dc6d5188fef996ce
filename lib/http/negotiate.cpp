#include "http/negotiate.hpp"

#include <array>
#include <cstddef>

namespace sonde::http {

namespace {

constexpr std::string_view kSpace = " \t";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

/// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths; -1 if malformed.
int parse_q(std::string_view v) {
  v = unquote(trim(v));
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return -1;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return -1;
    q += (v[i] - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? -1 : q;
}

/// Calls f(element) for each comma-separated element of a header value.
template <class F>
void for_each_element(std::string_view header, F&& f) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view element = trim(header.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
}

/// Splits "token;a=b;q=0.5" into the token and calls p(name, value) for each parameter.
template <class P>
std::string_view split_params(std::string_view element, P&& p) {
  const auto semi = element.find(';');
  const std::string_view token = trim(element.substr(0, semi));
  std::string_view rest =
      semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view param = rest.substr(0, next);
    const auto eq = param.find('=');
    if (eq != std::string_view::npos) p(trim(param.substr(0, eq)), trim(param.substr(eq + 1)));
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  return token;
}

struct Offer {
  Format format;
  std::string_view type;
  std::string_view subtype;
  std::string_view version;
};

// Listed in the order that wins a full tie: text first, so `*/*` (curl, browsers) gets text.
constexpr std::array<Offer, 3> kOffers{{
    {Format::text_0_0_4, "text", "plain", "0.0.4"},
    {Format::openmetrics_1_0_0, "application", "openmetrics-text", "1.0.0"},
    {Format::openmetrics_0_0_1, "application", "openmetrics-text", "0.0.1"},
}};

struct Match {
  int specificity = -1;  // -1: no range matched
  int q = 0;
  std::size_t position = 0;
};

}  // namespace

std::string_view content_type(Format f) {
  switch (f) {
    case Format::openmetrics_1_0_0:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case Format::openmetrics_0_0_1:
      return "application/openmetrics-text; version=0.0.1; charset=utf-8";
    case Format::text_0_0_4:
      break;
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

Format negotiate_format(std::string_view accept) {
  std::array<Match, kOffers.size()> best{};
  std::size_t position = 0;
  for_each_element(accept, [&](std::string_view element) {
    ++position;
    int q = 1000;
    std::string_view version;
    bool bad = false;
    const std::string_view range =
        split_params(element, [&](std::string_view k, std::string_view v) {
          if (iequals(k, "q")) {
            q = parse_q(v);
            if (q < 0) bad = true;
          } else if (iequals(k, "version")) {
            version = unquote(v);
          }
        });
    const auto slash = range.find('/');
    if (bad || slash == std::string_view::npos) return;
    const std::string_view type = trim(range.substr(0, slash));
    const std::string_view subtype = trim(range.substr(slash + 1));
    if (type.empty() || subtype.empty()) return;
    for (std::size_t i = 0; i < kOffers.size(); ++i) {
      const Offer& o = kOffers[i];
      int specificity = -1;
      if (type == "*" && subtype == "*") {
        specificity = 0;
      } else if (iequals(type, o.type) && subtype == "*") {
        specificity = 1;
      } else if (iequals(type, o.type) && iequals(subtype, o.subtype)) {
        if (version.empty()) {
          specificity = 2;
        } else if (version == o.version) {
          specificity = 3;
        }
      }
      // The most specific range decides an offer's q; among equally specific ones, the first.
      if (specificity > best[i].specificity) best[i] = {specificity, q, position};
    }
  });
  std::size_t winner = 0;
  bool found = false;
  for (std::size_t i = 0; i < kOffers.size(); ++i) {
    const Match& m = best[i];
    if (m.specificity < 0 || m.q <= 0) continue;
    const Match& w = best[winner];
    if (!found || m.q > w.q || (m.q == w.q && m.position < w.position)) {
      winner = i;
      found = true;
    }
  }
  return found ? kOffers[winner].format : Format::text_0_0_4;
}

bool accepts_gzip(std::string_view accept_encoding) {
  int gzip_q = -1;
  int star_q = -1;
  for_each_element(accept_encoding, [&](std::string_view element) {
    int q = 1000;
    const std::string_view coding =
        split_params(element, [&](std::string_view k, std::string_view v) {
          if (iequals(k, "q")) q = parse_q(v);
        });
    if (q < 0) return;  // malformed: ignore the element
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = gzip_q < 0 ? q : (q > gzip_q ? q : gzip_q);
    } else if (coding == "*") {
      star_q = q;
    }
  });
  if (gzip_q >= 0) return gzip_q > 0;
  return star_q > 0;
}

}  // namespace sonde::http
