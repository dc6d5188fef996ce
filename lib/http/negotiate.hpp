// Content negotiation for /metrics, socket-free and allocation-free: which exposition format an
// Accept header prefers (RFC 9110 12.5.1, with q-values and the `version` parameter), and whether
// Accept-Encoding allows gzip (RFC 9110 12.5.3). Malformed parts of a header are ignored, never
// an error: a scraper always gets an answer.
#pragma once

#include <string_view>

namespace sonde::http {

enum class Format { text_0_0_4, openmetrics_1_0_0, openmetrics_0_0_1 };

/// The Content-Type that goes with a format.
std::string_view content_type(Format f);

/// The format the Accept header prefers: the offer with the highest q, where an offer's q comes
/// from the most specific matching media range (type/subtype with a matching version, then
/// type/subtype, then type/*, then */*); ties go to the range listed first, then to text 0.0.4.
/// A range naming a different `version` does not match. Empty header, nothing acceptable or
/// only q=0: text 0.0.4, as client_golang and node_exporter answer.
Format negotiate_format(std::string_view accept);

/// True if `gzip` (or `x-gzip`, or `*` when gzip is not named) has q > 0.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace sonde::http
