// Go's strconv and fmt as text/template needs them (internal to lib/rules/template): float
// formatting identical to strconv.FormatFloat, strconv.Quote/Unquote, and UTF-8 helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sonde::rules::tmpl::gofmt {

/// strconv.FormatFloat(v, verb, prec, 64) for verb in e E f F g G x X; prec -1 is the shortest
/// representation that reads back as v.
std::string format_float(double v, char verb, int prec);

/// strconv's underscoreOK: '_' only between digits (or after a base prefix) of a number literal.
bool underscore_ok(std::string_view s);

/// strconv.Quote: a double-quoted Go string literal, non-printable runes escaped.
std::string quote(std::string_view s);
/// strconv.QuoteRune for %q of an integer.
std::string quote_rune(std::int32_t r);

/// strconv.Unquote of a "…", `…` or '…' literal; false on a syntax error.
bool unquote(std::string_view s, std::string& out);
/// strconv.UnquoteChar for a character constant: its rune, or -1 when malformed.
std::int32_t unquote_char_constant(std::string_view s);

/// Decodes one UTF-8 rune at s[i]; width 1 and U+FFFD for an invalid byte.
std::int32_t decode_rune(std::string_view s, std::size_t i, std::size_t& width);
void append_rune(std::string& out, std::int32_t r);
/// unicode.IsPrint, approximated outside Latin-1 (every assigned-looking rune is printable).
bool is_print(std::int32_t r);
/// unicode.IsLetter / IsDigit, approximated outside ASCII.
bool is_letter(std::int32_t r);
bool is_digit(std::int32_t r);
/// fmt's %#U: "U+0041 'A'", or "U+0001" for a non-printable rune.
std::string sharp_u(std::int32_t r);

}  // namespace sonde::rules::tmpl::gofmt
