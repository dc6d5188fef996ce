// Number literals of Go 1.19's text/template: what parse.go's newNumber makes of a number,
// complex or character-constant item.
#pragma once

#include <string>

#include "rules/template/ast.hpp"
#include "rules/template/value.hpp"

namespace sonde::rules::tmpl {

/// The lexer's item type behind a NumberNode's text.
enum class NumberKind { number, complex, char_constant };

/// Fills `n`'s kinds and values from `n.text` as Go does (an integer that fits is also a
/// float; a float with an integral value is also an int/uint; "1+2i" is complex). Returns Go's
/// error message ("illegal number syntax: \"…\"", "integer overflow: …", …) or "" when valid.
std::string read_number(NumberKind kind, NumberNode& n);

/// The value of a number constant used as an argument (exec.go's idealConstant): complex, a
/// float when the text looks like one, else an int; "<text> overflows int" for a uint beyond
/// int64 (returned, `out` invalid), "" otherwise.
std::string ideal_constant_value(const NumberNode& c, Value& out);

}  // namespace sonde::rules::tmpl
