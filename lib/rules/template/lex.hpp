// The lexer of Go 1.19's text/template/parse (lex.go), ported so that the same input yields the
// same items at the same lines. It runs to completion up front; the parser (parse.cpp) reads the
// item sequence with its own look-ahead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::rules::tmpl::lex {

enum class It {
  error,
  boolean,
  char_,
  char_constant,
  comment,
  complex,
  assign,
  declare,
  eof,
  field,
  identifier,
  left_delim,
  left_paren,
  number,
  pipe,
  raw_string,
  right_delim,
  right_paren,
  space,
  string,
  text,
  variable,
  keyword,  // delimits the keywords
  block,
  break_,
  continue_,
  dot,
  define,
  else_,
  end,
  if_,
  nil,
  range,
  template_,
  with,
};

struct Item {
  It typ = It::eof;
  std::size_t pos = 0;
  std::string val;
  int line = 1;
};

/// An item as Go's item.String() prints it in error messages (%.10q for long text).
std::string item_string(const Item& i);

/// Go's lexer (lex.go), run to completion up front: the parser reads the same item sequence.
class Lexer {
 public:
  /// Lexes `input` from byte `start` (the text before it is a prefix already parsed, such as
  /// the alert header; positions stay offsets into the whole input).
  explicit Lexer(std::string_view input, std::size_t start = 0);
  int nesting = 0;  // of actions and parenthesized pipelines, shared by every tree of one parse
  /// The next item; eof (at the end of the input) once every item has been read.
  Item next_item();

 private:
  std::vector<Item> items_;
  std::size_t next_ = 0;
  Item eof_;
};

}  // namespace sonde::rules::tmpl::lex
